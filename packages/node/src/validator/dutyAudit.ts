import {
  type CachedBeaconState,
  computeEpochAtSlot,
  isActiveValidator,
  TIMELY_TARGET_FLAG,
} from "@shardnet/consensus";
import type { BeaconChain } from "../chain/beaconChain.js";
import type { ShardChain } from "../chain/shardChain.js";
import type { MissedDuty, NodeMetrics } from "../metrics/nodeMetrics.js";

/** Slots after a proposal slot before its block is looked for on the canonical chain. */
export const PROPOSAL_CHECK_SLOTS = 2;

interface Proposal {
  duty: "beacon_propose" | "shard_propose";
  slot: number;
  shard?: number;
  /** Root of the block this node proposed; undefined when the proposal failed or was skipped. */
  root?: string;
}

/**
 * Counts the duties of the hosted validators that left nothing on the canonical chain
 * (shardnet_validator_missed_duties_total): a proposal slot whose canonical block is not theirs
 * PROPOSAL_CHECK_SLOTS later (not proposed, or orphaned), and an epoch in which a hosted validator, active
 * then, has no timely-target vote in the beacon state (read at the last slot of the next epoch, when the
 * inclusion window of every vote of that epoch has closed).
 */
export class DutyAudit {
  private proposals: Proposal[] = [];
  private auditedEpoch = -1;

  constructor(
    private readonly d: {
      beacon: BeaconChain;
      shards: () => ReadonlyMap<number, ShardChain>;
      metrics: NodeMetrics;
    },
  ) {}

  /** A hosted validator's proposal duty at `slot`, with the root of its block when it produced one. */
  proposal(duty: Proposal["duty"], slot: number, root: string | undefined, shard?: number): void {
    this.proposals.push({
      duty,
      slot,
      ...(root === undefined ? {} : { root }),
      ...(shard === undefined ? {} : { shard }),
    });
  }

  /** Settles the proposals old enough to judge. */
  checkProposals(slot: number): void {
    const due = this.proposals.filter((p) => p.slot + PROPOSAL_CHECK_SLOTS <= slot);
    if (due.length === 0) return;
    this.proposals = this.proposals.filter((p) => p.slot + PROPOSAL_CHECK_SLOTS > slot);
    for (const p of due) if (!this.onChain(p)) this.miss(p.duty, 1);
  }

  private onChain(p: Proposal): boolean {
    if (p.root === undefined) return false;
    if (p.duty === "beacon_propose") {
      const canonical = this.d.beacon.canonicalAt(p.slot);
      return canonical?.slot === p.slot && canonical.root === p.root;
    }
    const chain = p.shard === undefined ? undefined : this.d.shards().get(p.shard);
    return chain?.isCanonical(p.root, p.slot) === true;
  }

  /**
   * At the last slot of an epoch, with `stateAt()` the head state at that slot (read only then): counts the
   * hosted validators active in the previous epoch whose target vote for it is not in the state (once per
   * epoch).
   */
  checkAttestations(slot: number, stateAt: () => CachedBeaconState, hosted: () => readonly number[]): void {
    const preset = this.d.beacon.preset;
    if (slot % preset.SLOTS_PER_EPOCH !== preset.SLOTS_PER_EPOCH - 1) return;
    const previous = computeEpochAtSlot(preset, slot) - 1;
    if (previous < 0 || previous <= this.auditedEpoch) return;
    this.auditedEpoch = previous;
    this.miss("attest", missedTargetVotes(stateAt(), hosted(), previous));
  }

  private miss(duty: MissedDuty, n: number): void {
    if (n > 0) this.d.metrics.validatorMissedDutiesTotal.inc({ duty }, n);
  }
}

/** Hosted validators active in `epoch` (the state's previous epoch) without a timely-target flag for it. */
export function missedTargetVotes(
  state: CachedBeaconState,
  hosted: readonly number[],
  epoch: number,
): number {
  const { validators, previousEpochParticipation } = state.state;
  const count = validators.length;
  let missed = 0;
  for (const index of hosted) {
    if (index >= count) continue;
    if (!isActiveValidator(validators.getReadonly(index), epoch)) continue;
    if ((previousEpochParticipation.get(index) & TIMELY_TARGET_FLAG) === 0) missed++;
  }
  return missed;
}
