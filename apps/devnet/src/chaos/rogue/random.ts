import { SeededRandom } from "@shardnet/consensus";

/**
 * The consensus package's seeded source (mulberry32) with the draws an attack needs: the same seed gives the same attack, so a failure found by the
 * chaos harness can be replayed. Not for cryptography.
 */
export class AttackRandom extends SeededRandom {
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[this.int(items.length)] as T;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const word = (this.next() * 4294967296) >>> 0;
      for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  }

  /** A fresh seed for a derived source (one per peer or per purpose). */
  fork(): AttackRandom {
    return new AttackRandom((this.next() * 4294967296) >>> 0);
  }
}
