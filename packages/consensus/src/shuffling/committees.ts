import { MAX_STAKE } from "../params/constants.js";
import { bytesToUint64, uint64ToBytes } from "../util/bytes.js";
import { sha256 } from "../util/hash.js";
import { computeShuffledIndex, unshuffleList } from "./shuffle.js";

/** The committees of one period: the shuffled eligible list cut into SHARD_COUNT contiguous pieces. */
export interface PeriodShuffling {
  period: number;
  seed: Uint8Array;
  /** Committee-eligible validator indices at the period's first epoch, ascending. */
  activeIndices: Uint32Array;
  shuffled: Uint32Array;
  /** committees[shard] = validator indices (views into `shuffled`). */
  committees: Uint32Array[];
  /** shardOfValidator.get(index) = shard it serves this period. */
  shardOfValidator: Map<number, number>;
}

/** Committee `shard` of `shardCount`: contiguous slice [n·s/S, n·(s+1)/S) of the shuffled list (compute_committee). */
export function committeeBounds(listSize: number, shard: number, shardCount: number): [number, number] {
  return [Math.floor((listSize * shard) / shardCount), Math.floor((listSize * (shard + 1)) / shardCount)];
}

export function computePeriodShuffling(
  period: number,
  seed: Uint8Array,
  activeIndices: Uint32Array,
  shardCount: number,
  rounds: number,
): PeriodShuffling {
  const shuffled = unshuffleList(activeIndices, seed, rounds);
  const committees: Uint32Array[] = [];
  const shardOfValidator = new Map<number, number>();
  for (let shard = 0; shard < shardCount; shard++) {
    const [start, end] = committeeBounds(shuffled.length, shard, shardCount);
    const committee = shuffled.subarray(start, end);
    committees.push(committee);
    for (const index of committee) shardOfValidator.set(index, shard);
  }
  return { period, seed, activeIndices, shuffled, committees, shardOfValidator };
}

/** Shard proposer for (shard, slot): committee[uint64(sha256(seed ‖ shard ‖ slot)[0:8]) mod size] (DESIGN.md §3). */
export function computeShardProposerIndex(shuffling: PeriodShuffling, shard: number, slot: number): number {
  const committee = shuffling.committees[shard];
  if (!committee || committee.length === 0) {
    throw new Error(
      `shard ${shard} has no committee in period ${shuffling.period}: too few validators for SHARD_COUNT`,
    );
  }
  const draw = bytesToUint64(sha256(shuffling.seed, uint64ToBytes(shard), uint64ToBytes(slot)));
  return committee[Number(draw % BigInt(committee.length))] as number;
}

/**
 * Beacon proposer for a slot: phase 0 `compute_proposer_index` — walk the shuffled active list, accept a
 * candidate with probability stake / MAX_STAKE. `slotSeed` = sha256(epoch seed ‖ uint64(slot)).
 */
export function computeBeaconProposerIndex(
  activeIndices: ArrayLike<number>,
  stakeOf: (index: number) => bigint,
  slotSeed: Uint8Array,
  rounds: number,
): number {
  const total = activeIndices.length;
  if (total === 0) throw new Error("no active validators: the chain cannot propose blocks");
  let randomBytes: Uint8Array = new Uint8Array(32);
  for (let i = 0; i < total * 100; i++) {
    const candidate = activeIndices[computeShuffledIndex(i % total, total, slotSeed, rounds)] as number;
    if (i % 32 === 0) randomBytes = sha256(slotSeed, uint64ToBytes(Math.floor(i / 32)));
    const randomByte = BigInt(randomBytes[i % 32] ?? 0);
    if (stakeOf(candidate) * 255n >= MAX_STAKE * randomByte) return candidate;
  }
  throw new Error("no beacon proposer found: every active validator has (near) zero stake");
}
