import { computePeriodShuffling, type PeriodShuffling } from "../shuffling/committees.js";
import { toHex } from "../util/bytes.js";
import { sha256 } from "../util/hash.js";

/** Memoises period shufflings by (period, seed, eligible set); shared by every state copy. Bounded LRU. */
export class ShufflingCache {
  private readonly entries = new Map<string, PeriodShuffling>();

  constructor(private readonly maxEntries = 8) {}

  get(
    period: number,
    seed: Uint8Array,
    activeIndices: Uint32Array,
    shardCount: number,
    rounds: number,
  ): PeriodShuffling {
    const activeRoot = sha256(
      new Uint8Array(activeIndices.buffer, activeIndices.byteOffset, activeIndices.byteLength),
    );
    const key = `${period}:${shardCount}:${rounds}:${toHex(seed)}:${toHex(activeRoot)}`;
    let shuffling = this.entries.get(key);
    if (shuffling) {
      this.entries.delete(key);
    } else {
      shuffling = computePeriodShuffling(period, seed, activeIndices, shardCount, rounds);
    }
    this.entries.set(key, shuffling);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return shuffling;
  }
}
