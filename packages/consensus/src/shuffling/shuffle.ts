import { bytesToUint64 } from "../util/bytes.js";
import { sha256 } from "../util/hash.js";

/**
 * Ethereum's swap-or-not shuffle (consensus-specs phase 0 `compute_shuffled_index`), SHA-256.
 *
 * Convention: a committee is `indices[computeShuffledIndex(k, n, seed)]` for positions k, which is what
 * `unshuffleList` produces for the whole list at once. `shuffleList` is the inverse permutation.
 */

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== 32) throw new Error(`shuffle seed must be 32 bytes, got ${seed.length}`);
}

function pivotOf(seed: Uint8Array, round: number, listSize: number): number {
  const input = new Uint8Array(33);
  input.set(seed, 0);
  input[32] = round;
  return Number(bytesToUint64(sha256(input)) % BigInt(listSize));
}

function sourceOf(seed: Uint8Array, round: number, block: number): Uint8Array {
  const input = new Uint8Array(37);
  input.set(seed, 0);
  input[32] = round;
  new DataView(input.buffer).setUint32(33, block, true);
  return sha256(input);
}

/** Position that `index` maps to after `rounds` swap-or-not rounds (one index; O(rounds) hashes). */
export function computeShuffledIndex(index: number, listSize: number, seed: Uint8Array, rounds = 90): number {
  checkSeed(seed);
  if (!(Number.isInteger(index) && index >= 0 && index < listSize)) {
    throw new RangeError(`shuffle index ${index} is outside the list of size ${listSize}`);
  }
  let current = index;
  for (let round = 0; round < rounds; round++) {
    const pivot = pivotOf(seed, round, listSize);
    const flip = (pivot + listSize - current) % listSize;
    const position = Math.max(current, flip);
    const source = sourceOf(seed, round, Math.floor(position / 256));
    const byte = source[(position % 256) >> 3] ?? 0;
    if ((byte >> (position & 7)) & 1) current = flip;
  }
  return current;
}

/**
 * Applies all rounds to the whole list in place: O(n × rounds / 256) hashes instead of O(n × rounds).
 * `descending` runs the rounds from last to first (the committee order, see `unshuffleList`).
 * Pairs (i, pivot - i) and (i, pivot + n - i) swap when the bit at the larger position is set; positions are
 * walked downwards so each 256-position hash is computed once per round.
 */
function innerShuffleList(list: Uint32Array, seed: Uint8Array, rounds: number, descending: boolean): void {
  checkSeed(seed);
  const n = list.length;
  if (n <= 1) return;
  const sourceInput = new Uint8Array(37);
  sourceInput.set(seed, 0);
  const sourceView = new DataView(sourceInput.buffer);
  for (let step = 0; step < rounds; step++) {
    const round = descending ? rounds - 1 - step : step;
    const pivot = pivotOf(seed, round, n);
    sourceInput[32] = round;
    let cachedBlock = -1;
    let source: Uint8Array = sourceInput;
    const swapDescending = (iStart: number, jStart: number, count: number): void => {
      let i = iStart;
      let j = jStart;
      for (let k = 0; k < count; k++, i++, j--) {
        const block = j >>> 8;
        if (block !== cachedBlock) {
          sourceView.setUint32(33, block, true);
          source = sha256(sourceInput);
          cachedBlock = block;
        }
        if (((source[(j & 0xff) >> 3] as number) >> (j & 7)) & 1) {
          const tmp = list[i] as number;
          list[i] = list[j] as number;
          list[j] = tmp;
        }
      }
    };
    // Pairs (i, pivot - i) for i in [0, (pivot + 1) / 2).
    swapDescending(0, pivot, (pivot + 1) >> 1);
    // Pairs (i, pivot + n - i) for i in (pivot, (pivot + n + 1) / 2).
    swapDescending(pivot + 1, n - 1, ((pivot + n + 1) >> 1) - (pivot + 1));
  }
}

/** out[computeShuffledIndex(i)] = input[i]. Returns a new array. */
export function shuffleList(input: ArrayLike<number>, seed: Uint8Array, rounds = 90): Uint32Array {
  const list = Uint32Array.from(input);
  innerShuffleList(list, seed, rounds, false);
  return list;
}

/** out[k] = input[computeShuffledIndex(k)]: the committee order. Returns a new array. */
export function unshuffleList(input: ArrayLike<number>, seed: Uint8Array, rounds = 90): Uint32Array {
  const list = Uint32Array.from(input);
  innerShuffleList(list, seed, rounds, true);
  return list;
}
