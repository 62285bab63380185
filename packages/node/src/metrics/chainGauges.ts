import { isActiveValidator, TIMELY_TARGET_FLAG } from "@shardnet/consensus";

/**
 * What the scrape-time gauges of NodeMetrics read from the node's chains (DESIGN.md §7). Built once per
 * scrape from state the node keeps anyway, so that no hot path does bookkeeping for metrics.
 */
export interface ChainGaugeView {
  shards: ShardGaugeView[];
  /** Share of the previous epoch's active stake that voted for its target (0..1). */
  participation: number;
  validators: Record<ValidatorStatus, number>;
  dbSizeBytes: number;
}

export interface ShardGaugeView {
  shard: number;
  mempool: number;
  accounts: number;
  headSlot: number;
  /** Slot of the shard's crosslink in the beacon head state. */
  crosslinkedSlot: number;
  /** Receipts in the head state's outbox to each destination shard (index = dest). */
  outbox: number[];
  /** The head state's inbox cursor of each source shard: receipts credited from it (index = source). */
  inbox: number[];
  /** Receipts held for this shard that no block has credited yet. */
  pendingReceipts: number;
}

export const VALIDATOR_STATUSES = ["queued", "active", "exiting", "exited", "slashed"] as const;
export type ValidatorStatus = (typeof VALIDATOR_STATUSES)[number];

export const EMPTY_VIEW: ChainGaugeView = {
  shards: [],
  participation: 0,
  validators: { queued: 0, active: 0, exiting: 0, exited: 0, slashed: 0 },
  dbSizeBytes: 0,
};

/** The registry fields these computations read (FAR_FUTURE_EPOCH reads as Infinity). */
export interface ValidatorRecord {
  stake: bigint;
  activationEpoch: number;
  exitEpoch: number;
  slashed: boolean;
}

/**
 * Status of a validator at `epoch`: slashed (whatever its epochs), queued (activation ahead), active with no
 * exit scheduled, exiting (active, exit scheduled), exited.
 */
export function validatorStatus(v: ValidatorRecord, epoch: number): ValidatorStatus {
  if (v.slashed) return "slashed";
  if (epoch < v.activationEpoch) return "queued";
  if (epoch >= v.exitEpoch) return "exited";
  return Number.isFinite(v.exitEpoch) ? "exiting" : "active";
}

export function validatorStatusCounts(
  validators: readonly ValidatorRecord[],
  epoch: number,
): Record<ValidatorStatus, number> {
  const counts: Record<ValidatorStatus, number> = { queued: 0, active: 0, exiting: 0, exited: 0, slashed: 0 };
  for (const v of validators) counts[validatorStatus(v, epoch)]++;
  return counts;
}

/**
 * Stake of the validators active in `previousEpoch` whose participation flags carry the timely-target flag,
 * over the stake of all validators active then (0 when none is): the share FFG weighs to justify that epoch.
 */
export function participationRatio(
  validators: readonly ValidatorRecord[],
  previousFlags: ArrayLike<number>,
  previousEpoch: number,
): number {
  let total = 0n;
  let voted = 0n;
  validators.forEach((v, i) => {
    if (!isActiveValidator(v, previousEpoch)) return;
    total += v.stake;
    if (((previousFlags[i] ?? 0) & TIMELY_TARGET_FLAG) !== 0) voted += v.stake;
  });
  if (total === 0n) return 0;
  // Stakes are gwei-sized bigints: keep 6 digits of the ratio in integer arithmetic.
  return Number((voted * 1_000_000n) / total) / 1_000_000;
}
