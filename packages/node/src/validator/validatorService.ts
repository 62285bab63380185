import {
  Attestation,
  type AttestationDataValue,
  type AttestationValue,
  BeaconBlock,
  blockSigningRoot,
  buildAttestationData,
  type CachedBeaconState,
  Checkpoint,
  computeAttestationSigningRoot,
  computeEpochAtSlot,
  type DepositTransactionValue,
  type DepositValue,
  getDuties,
  hasSupermajority,
  SignedBeaconBlock,
  SignedShardBlock,
  type SignedVoluntaryExitValue,
  signRandaoReveal,
  singleAttestation,
  type ValidatorDuty,
} from "@shardnet/consensus";
import { bytesToHex, hexToBytes, sha256 } from "@shardnet/crypto";
import type { Logger } from "pino";
import type { BeaconChain } from "../chain/beaconChain.js";
import { CrosslinkCandidateMessage, type OperationPools } from "../chain/pools.js";
import type { ShardChain } from "../chain/shardChain.js";
import { selectSlashingsForBlock } from "../chain/slashingSelection.js";
import type { SlotPhase } from "../clock/slotClock.js";
import type { NodeMetrics } from "../metrics/nodeMetrics.js";
import type { DoppelgangerGuard } from "./doppelgangerGuard.js";
import { dutiesDependentRoot, EpochDutiesCache } from "./dutiesCache.js";
import { DutyAudit } from "./dutyAudit.js";
import { type SlashingProtection, SlashingProtectionError } from "./slashingProtection.js";
import type { ValidatorKeys } from "./validatorKeys.js";
import { voteSplit } from "./voteSplit.js";

/** Where the validator service publishes what it signs. */
export interface DutyPublisher {
  beaconBlock(bytes: Uint8Array): void;
  shardBlock(shard: number, bytes: Uint8Array): void;
  attestation(shard: number, bytes: Uint8Array): void;
  aggregate(bytes: Uint8Array): void;
  crosslinkCandidate(bytes: Uint8Array): void;
}

export interface ValidatorServiceDeps {
  keys: ValidatorKeys;
  beacon: BeaconChain;
  shards: () => ReadonlyMap<number, ShardChain>;
  pools: OperationPools;
  protection: SlashingProtection;
  publish: DutyPublisher;
  metrics: NodeMetrics;
  log: Logger;
  /** Called when an own single attestation was produced (so the node counts it like a gossiped one). */
  onOwnAttestation(attestation: AttestationValue, validatorIndex: number): void;
  /** Keys that may not sign yet (signing elsewhere, no local history); none guarded without it. */
  guard?: DoppelgangerGuard;
  /** Pooled voluntary exits a beacon block on `pre` can carry. */
  voluntaryExits(pre: CachedBeaconState): SignedVoluntaryExitValue[];
  /** Deposits: pooled ones for a shard block, proven ones a beacon block on `pre` can register. */
  deposits?: {
    forShardBlock(chain: ShardChain): DepositTransactionValue[];
    forBeaconBlock(pre: CachedBeaconState): DepositValue[];
  };
}

/** Slots back the aggregator looks for votes that reached their slot's aggregate late. */
const LATE_AGGREGATION_SLOTS = 3;

/**
 * Performs the duties of the hosted validators at the thirds of every slot (DESIGN.md §2-3):
 * propose beacon and shard blocks at 0, attest at 1/3, aggregate and publish crosslink candidates at 2/3.
 * Every signature passes slashing protection first.
 */
export class ValidatorService {
  private readonly duties = new EpochDutiesCache<ValidatorDuty[]>();
  /**
   * Each hosted validator's FFG vote (source, target) of the latest epoch it attested in. Validators attest
   * every slot of their shard committee, and a second, different FFG vote for one target epoch is slashable:
   * when a late block changes this node's view of the epoch's checkpoint, later attestations of the epoch
   * repeat the vote already signed (their LMD and shard votes still follow the new head) instead of being
   * refused by slashing protection, which silenced those validators for the rest of the epoch.
   */
  /** Single votes seen at the last aggregation per "voteSlot:shard" (the last LATE_AGGREGATION_SLOTS slots). */
  private readonly votesSeen = new Map<string, number>();
  /** Per shard: the epoch a stalled crosslink was last explained in the log (once per epoch and shard). */
  private readonly stallLogged = new Map<number, number>();
  private readonly ffgVotes = new Map<number, Pick<AttestationDataValue, "source" | "target"> | null>();

  /** The FFG vote `validator` signed last: from memory, or once per process from slashing protection. */
  private async signedFfgVote(
    validator: number,
  ): Promise<Pick<AttestationDataValue, "source" | "target"> | undefined> {
    if (!this.ffgVotes.has(validator)) {
      this.ffgVotes.set(validator, (await this.d.protection.signedVote(validator)) ?? null);
    }
    return this.ffgVotes.get(validator) ?? undefined;
  }

  /** Counts hosted validators' duties that left nothing on the canonical chain (missed duties). */
  private readonly audit: DutyAudit;

  constructor(private readonly d: ValidatorServiceDeps) {
    this.audit = new DutyAudit(d);
  }

  /** The hosted validators that may sign now (the doppelganger guard holds back the others). */
  get indices(): number[] {
    const all = [...this.d.keys.keys()];
    const guard = this.d.guard;
    return guard && guard.size > 0 ? all.filter((i) => guard.allows(i)) : all;
  }

  /** Shards the hosted validators serve in the current and next period (the node tracks them). */
  assignedShards(slot: number): Set<number> {
    const shards = new Set<number>();
    if (this.d.keys.size === 0) return shards;
    const preset = this.d.beacon.preset;
    const epoch = computeEpochAtSlot(preset, Math.max(slot, 0));
    const state = this.d.beacon.headStateAt(Math.max(slot, this.d.beacon.head().slot));
    for (const e of [epoch, epoch + preset.SHARD_COMMITTEE_PERIOD]) {
      try {
        for (const duty of getDuties(state, this.indices, e)) if (duty.shard !== null) shards.add(duty.shard);
      } catch {
        // committees of that period are not known yet from this state
      }
    }
    return shards;
  }

  /**
   * The hosted validators' duties in the epoch of `slot` on the current head. They depend on the chain up to
   * the epoch's last block before its first slot (the dependent root): committees, shard and beacon proposers
   * differ between branches, so they are computed again when a reorg changes that block.
   */
  private dutiesAt(slot: number): ValidatorDuty[] {
    const { preset } = this.d.beacon;
    const epoch = computeEpochAtSlot(preset, slot);
    const state = this.d.beacon.headStateAt(slot);
    return this.duties.get(epoch, dutiesDependentRoot(state, preset, epoch), () =>
      getDuties(state, this.indices, epoch),
    );
  }

  async onTick(slot: number, phase: SlotPhase): Promise<void> {
    if (this.d.keys.size === 0 || slot <= 0) return;
    const started = performance.now();
    try {
      if (phase === "propose" && this.d.guard && slot % this.d.beacon.preset.SLOTS_PER_EPOCH === 0)
        this.d.guard.onEpoch(this.d.beacon.headStateAt(slot));
      if (phase === "propose") {
        this.audit.checkProposals(slot);
        await this.proposeBeaconBlock(slot);
        await this.proposeShardBlocks(slot);
      } else if (phase === "attest") {
        await this.attest(slot);
      } else {
        this.aggregate(slot);
        this.audit.checkAttestations(
          slot,
          () => this.d.beacon.headStateAt(slot),
          () => this.indices,
        );
      }
    } finally {
      this.d.metrics.dutySeconds.observe({ phase }, (performance.now() - started) / 1000);
    }
  }

  private count(duty: string, result: "ok" | "skipped" | "failed" | "refused"): void {
    this.d.metrics.validatorDutiesTotal.inc({ duty, result });
  }

  private async proposeBeaconBlock(slot: number): Promise<void> {
    const { beacon, pools, log } = this.d;
    if (beacon.head().slot >= slot) return; // late tick: this slot already has a block
    const pre = beacon.headStateAt(slot);
    const proposer = pre.epochCtx.getBeaconProposer(slot);
    const sk = this.d.keys.get(proposer);
    if (!sk || this.d.guard?.allows(proposer) === false) return;
    try {
      const epoch = computeEpochAtSlot(beacon.preset, slot);
      const randaoReveal = signRandaoReveal(sk, pre.state.genesisRoot, epoch);
      const input = {
        slot,
        randaoReveal,
        // Only shard blocks built on this block's own chain: their receipts were proven against its crosslinks.
        crosslinkCandidates: pools
          .crosslinkCandidates()
          .filter((c) => beacon.isOnHeadChain(bytesToHex(c.header.beaconBlockRoot))),
        attestations: pools.aggregatesForBlock(slot - 2 * beacon.preset.SLOTS_PER_EPOCH, slot),
      };
      // Evidence that slashes someone not slashed yet, in the state or earlier in this block.
      const { proposerSlashings, attesterSlashings } = selectSlashingsForBlock(
        pre,
        beacon.pendingProposerSlashings(),
        beacon.pendingAttesterSlashings(),
      );
      const voluntaryExits = this.d.voluntaryExits(pre);
      const deposits = this.d.deposits?.forBeaconBlock(pre) ?? [];
      let block: ReturnType<BeaconChain["produceBlock"]>["block"];
      try {
        block = beacon.produceBlock(pre, {
          ...input,
          proposerSlashings,
          attesterSlashings,
          voluntaryExits,
          deposits,
        }).block;
      } catch (err) {
        const optional =
          proposerSlashings.length + attesterSlashings.length + voluntaryExits.length + deposits.length;
        if (optional === 0) throw err;
        log.warn(
          { slot, err: (err as Error).message },
          "slashing evidence, exits or deposits not includable; proposing without them",
        );
        block = beacon.produceBlock(pre, input).block;
      }
      const signingRoot = blockSigningRoot(pre, block);
      await this.d.protection.checkAndRecord("beacon_block", proposer, slot, signingRoot);
      const signed = { message: block, signature: sk.sign(signingRoot).toBytes() };
      // Not executed again, its signature not checked (importOwnBlock); published once on disk.
      const result = beacon.importOwnBlock(signed);
      if (result.status !== "imported") throw new Error(`own block not imported: ${JSON.stringify(result)}`);
      await result.persisted;
      this.d.publish.beaconBlock(SignedBeaconBlock.serialize(signed));
      this.count("beacon_propose", "ok");
      this.audit.proposal("beacon_propose", slot, result.root);
      log.info(
        {
          slot,
          root: bytesToHex(BeaconBlock.hashTreeRoot(block)),
          proposer,
          crosslinks: block.body.crosslinks.length,
          attestations: block.body.attestations.length,
        },
        "proposed beacon block",
      );
    } catch (err) {
      this.count("beacon_propose", err instanceof SlashingProtectionError ? "refused" : "failed");
      this.audit.proposal("beacon_propose", slot, undefined);
      log.error({ slot, proposer, err: (err as Error).message }, "beacon block proposal failed");
    }
  }

  private async proposeShardBlocks(slot: number): Promise<void> {
    const { beacon, log } = this.d;
    const headEntry = beacon.contextOf(beacon.head().root)!;
    for (const duty of this.dutiesAt(slot)) {
      if (duty.shard === null || !duty.shardProposerSlots.includes(slot)) continue;
      const shard = duty.shard;
      const chain = this.d.shards().get(shard);
      if (!chain) {
        this.count("shard_propose", "skipped");
        this.audit.proposal("shard_propose", slot, undefined, shard);
        log.warn(
          { slot, shard, validator: duty.validatorIndex },
          "shard proposer duty skipped: shard not tracked yet",
        );
        continue;
      }
      const crosslink = chain.beaconHeadCrosslink();
      if (!chain.hasCrosslinked(crosslink)) {
        this.count("shard_propose", "skipped");
        this.audit.proposal("shard_propose", slot, undefined, shard);
        log.warn(
          { slot, shard, headSlot: chain.head().slot, crosslinkSlot: crosslink.slot },
          "shard proposer duty skipped: the shard chain lacks its crosslinked block (syncing)",
        );
        continue;
      }
      if (chain.head().slot >= slot) {
        this.count("shard_propose", "skipped");
        this.audit.proposal("shard_propose", slot, undefined, shard);
        log.warn(
          { slot, shard, headSlot: chain.head().slot },
          "shard proposer duty skipped: the shard head is already at this slot",
        );
        continue;
      }
      try {
        const sk = this.d.keys.get(duty.validatorIndex)!;
        const { block, signingRoot, root } = chain.produce(
          slot,
          duty.validatorIndex,
          headEntry,
          this.d.deposits?.forShardBlock(chain) ?? [],
        );
        // Sign only once slashing protection has recorded the signing (on disk).
        await this.d.protection.checkAndRecord("shard_block", duty.validatorIndex, slot, signingRoot, shard);
        const signed = { message: block, signature: sk.sign(signingRoot).toBytes() };
        // Imported without executing it again or checking the signature just made (importOwnBlock), but
        // persisted and acknowledged like any block: published only once it is on disk.
        const result = chain.importOwnBlock(signed);
        if (result.status !== "imported")
          throw new Error(`own shard block not imported: ${JSON.stringify(result)}`);
        await result.persisted;
        this.d.publish.shardBlock(shard, SignedShardBlock.serialize(signed));
        this.count("shard_propose", "ok");
        this.audit.proposal("shard_propose", slot, result.root, shard);
        log.info({ slot, shard, root, txs: signed.message.body.transactions.length }, "proposed shard block");
      } catch (err) {
        this.count("shard_propose", err instanceof SlashingProtectionError ? "refused" : "failed");
        this.audit.proposal("shard_propose", slot, undefined, shard);
        log.error({ slot, shard, err: (err as Error).message }, "shard block proposal failed");
      }
    }
  }

  private async attest(slot: number): Promise<void> {
    const { beacon, log } = this.d;
    const head = beacon.head();
    const preset = beacon.preset;
    if (slot % preset.SLOTS_PER_EPOCH === 0 && head.slot < slot) {
      // The epoch's first block is late or missing. Its root is the epoch's FFG target, and a validator
      // signs one target per epoch (it attests every slot): voting now would split the committees between
      // those that saw the block in time and those that did not for the whole epoch, and no aggregate
      // would reach 2/3 for a crosslink. Next slot every node agrees on whether the block exists.
      this.count("attest", "skipped");
      log.info(
        { slot, head: head.slot },
        "first attestation of the epoch deferred: the epoch's first block has not arrived",
      );
      return;
    }
    const state = beacon.headStateAt(slot);
    const planned: Array<{
      duty: ValidatorDuty & { shard: number; committeePosition: number };
      data: AttestationDataValue;
      signingRoot: Uint8Array;
    }> = [];
    for (const duty of this.dutiesAt(slot)) {
      if (duty.shard === null || duty.committeePosition === null) continue;
      const chain = this.d.shards().get(duty.shard);
      if (!chain) {
        this.count("attest", "skipped");
        log.debug(
          { slot, shard: duty.shard, validator: duty.validatorIndex },
          "attestation skipped: shard not tracked yet",
        );
        continue;
      }
      const fresh = buildAttestationData(state, {
        slot,
        shard: duty.shard,
        shardBlockRoot: hexToBytes(chain.head().root),
        beaconBlockRoot: hexToBytes(head.root),
      });
      const signed = await this.signedFfgVote(duty.validatorIndex);
      const data =
        signed && signed.target.epoch === fresh.target.epoch
          ? { ...fresh, source: signed.source, target: signed.target }
          : fresh;
      const signingRoot = computeAttestationSigningRoot(state.state.genesisRoot, data);
      planned.push({ duty: duty as (typeof planned)[number]["duty"], data, signingRoot });
    }
    if (planned.length === 0) return;
    const verdicts = await this.d.protection.checkAndRecordMany(
      planned.map((p) => ({
        kind: "attestation" as const,
        validator: p.duty.validatorIndex,
        slot,
        signingRoot: p.signingRoot,
        epochs: {
          source: p.data.source.epoch,
          target: p.data.target.epoch,
          voteRoot: sha256(Checkpoint.hashTreeRoot(p.data.source), Checkpoint.hashTreeRoot(p.data.target)),
          sourceRoot: p.data.source.root,
          targetRoot: p.data.target.root,
        },
      })),
    );
    for (const [i, p] of planned.entries()) {
      const verdict = verdicts[i];
      if (verdict !== true) {
        this.count("attest", "refused");
        log.error(
          { slot, validator: p.duty.validatorIndex, err: verdict?.message },
          "attestation refused by slashing protection",
        );
        continue;
      }
      this.ffgVotes.set(p.duty.validatorIndex, { source: p.data.source, target: p.data.target });
      const sk = this.d.keys.get(p.duty.validatorIndex)!;
      const attestation = singleAttestation(
        p.data,
        p.duty.committeeSize,
        p.duty.committeePosition,
        sk.sign(p.signingRoot).toBytes(),
      );
      this.d.pools.addSingle(attestation);
      this.d.onOwnAttestation(attestation, p.duty.validatorIndex);
      this.d.publish.attestation(p.duty.shard, Attestation.serialize(attestation));
      this.count("attest", "ok");
    }
  }

  /**
   * Publishes, per shard served here, the best aggregate of this slot and (at ≥ 2/3) a crosslink candidate;
   * then looks again at the last LATE_AGGREGATION_SLOTS slots. Votes that arrive after 2/3 of their slot (a
   * loaded or stalled machine delays gossip) still join their slot's aggregate, and a crosslink candidate is
   * published once that aggregate reaches 2/3 — a vote may be included up to an epoch after its slot
   * (DESIGN.md §4). Without this, each slot's votes had a third of a slot to gather and were then thrown
   * away: under load no slot reached 2/3 in time and the shard went uncrosslinked for many slots.
   */
  private aggregate(slot: number): void {
    const { beacon, pools, log } = this.d;
    const state = beacon.headStateAt(slot);
    const shards = new Set<number>();
    for (const duty of this.dutiesAt(slot)) if (duty.shard !== null) shards.add(duty.shard);
    for (const key of this.votesSeen.keys()) {
      if (Number(key.split(":")[0]) < slot - LATE_AGGREGATION_SLOTS) this.votesSeen.delete(key);
    }
    for (const shard of shards) {
      const crosslinkedSlot = state.state.currentCrosslinks.getReadonly(shard).slot;
      for (let voteSlot = slot; voteSlot >= Math.max(1, slot - LATE_AGGREGATION_SLOTS); voteSlot--) {
        // Aggregating costs a BLS aggregation per vote: only when votes arrived since the last look.
        const key = `${voteSlot}:${shard}`;
        const singles = pools.singleCount(voteSlot, shard);
        if (singles <= (this.votesSeen.get(key) ?? 0)) continue;
        this.votesSeen.set(key, singles);
        const all = pools.aggregateFor(voteSlot, shard);
        const best = all[0];
        if (!best) continue;
        const bits = best.aggregationBits.getTrueBitIndexes();
        pools.addAggregate(best);
        this.d.publish.aggregate(Attestation.serialize(best));
        const chain = this.d.shards().get(shard);
        const headerEntry = chain?.get(bytesToHex(best.data.shardBlockRoot));
        if (!headerEntry?.signed || headerEntry.slot <= crosslinkedSlot) {
          if (voteSlot === slot) this.explainStall(slot, shard, crosslinkedSlot, undefined, all);
          continue;
        }
        let committee: Uint32Array;
        try {
          committee = state.epochCtx.getShardCommittee(shard, voteSlot);
        } catch {
          continue; // a vote from a period this state no longer knows
        }
        const attesters = bits.map((i) => committee[i]!);
        const stakeOf = (i: number) => state.epochCtx.stakes[i] ?? 0n;
        const committeeStake = Array.from(committee).reduce((sum, i) => sum + stakeOf(i), 0n);
        const attestingStake = attesters.reduce((sum, i) => sum + stakeOf(i), 0n);
        if (!hasSupermajority(attestingStake, committeeStake)) {
          if (voteSlot === slot) this.explainStall(slot, shard, crosslinkedSlot, committee.length, all);
          continue;
        }
        const candidate = { header: headerEntry.signed.message.header, attestation: best };
        pools.addCandidate(candidate);
        this.d.publish.crosslinkCandidate(CrosslinkCandidateMessage.serialize(candidate));
        this.count("aggregate", "ok");
        if (voteSlot < slot) this.d.metrics.lateCrosslinkCandidates.inc();
        log.debug(
          { slot, voteSlot, shard, root: headerEntry.root, votes: attesters.length },
          voteSlot < slot ? "late crosslink candidate published" : "crosslink candidate published",
        );
        break; // the newest slot that reaches 2/3 is the one to crosslink
      }
    }
  }

  /**
   * Logs, once per epoch and shard, how a slot's votes split when the shard has not been crosslinked for an
   * epoch: the operator sees whether the committee disagrees on the shard head, the beacon head or the FFG
   * vote, or is simply not voting.
   */
  private explainStall(
    slot: number,
    shard: number,
    crosslinkedSlot: number,
    committeeSize: number | undefined,
    aggregates: readonly AttestationValue[],
  ): void {
    const spe = this.d.beacon.preset.SLOTS_PER_EPOCH;
    const epoch = Math.floor(slot / spe);
    if (slot - crosslinkedSlot <= spe || this.stallLogged.get(shard) === epoch) return;
    this.stallLogged.set(shard, epoch);
    const chain = this.d.shards().get(shard);
    this.d.log.info(
      {
        slot,
        shard,
        crosslinkedSlot,
        committeeSize,
        shardHead: chain?.head().root.slice(0, 12),
        groups: voteSplit(aggregates, (root) => {
          const entry = chain?.get(root);
          return entry?.signed !== undefined && entry.slot > crosslinkedSlot;
        }),
      },
      "shard not crosslinked for over an epoch: this slot's votes do not reach 2/3 on one vote",
    );
  }
}
