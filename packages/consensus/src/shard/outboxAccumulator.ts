/**
 * outbox[dest] as DESIGN.md §3 defines it: an append-only incremental Merkle list of receipts (the deposit
 * contract's accumulator). The state keeps the count and one node per level (`branch`), so its size never
 * grows with the receipts sent; the root is the hash_tree_root of List[Receipt, 2^32] holding them, so the
 * receipt proofs (receiptGindex, RECEIPT_BRANCH_DEPTH) are those of the full list. Pure functions.
 */
import { digest64, zeroHash } from "@chainsafe/persistent-merkle-tree";
import { MAX_SHARDS } from "../params/constants.js";
import { MAX_RECEIPTS_PER_OUTBOX } from "./constants.js";

/** Levels of one outbox's tree (log2 of MAX_RECEIPTS_PER_OUTBOX). */
export const OUTBOX_DEPTH = Math.log2(MAX_RECEIPTS_PER_OUTBOX);
/** Levels of the outboxes list's tree (log2 of MAX_SHARDS). */
export const OUTBOXES_DEPTH = Math.log2(MAX_SHARDS);

/** SSZ length mix-in chunk: `length` as a 32-byte little-endian integer. */
export function lengthChunk(length: number): Uint8Array {
  const chunk = new Uint8Array(32);
  new DataView(chunk.buffer).setBigUint64(0, BigInt(length), true);
  return chunk;
}

/**
 * Appends `leaf` (hash_tree_root of the receipt) as element `count`: `branch` (OUTBOX_DEPTH nodes) is
 * updated in place. Returns the level it wrote.
 */
export function accumulatorInsert(branch: Uint8Array[], count: number, leaf: Uint8Array): number {
  if (count >= MAX_RECEIPTS_PER_OUTBOX) throw new RangeError(`outbox is full (${count} receipts)`);
  let node = leaf;
  let size = count + 1;
  for (let level = 0; level < OUTBOX_DEPTH; level++) {
    if (size % 2 === 1) {
      branch[level] = node;
      return level;
    }
    node = digest64(branch[level]!, node);
    size = Math.floor(size / 2);
  }
  throw new Error("internal: accumulator insert fell off the tree");
}

/**
 * The branch after appending `leaves` as elements `count`, `count + 1`, …: a new array, `branch` is kept.
 */
export function accumulatorAppend(
  branch: readonly Uint8Array[],
  count: number,
  leaves: readonly Uint8Array[],
): Uint8Array[] {
  const next = [...branch];
  leaves.forEach((leaf, i) => {
    accumulatorInsert(next, count + i, leaf);
  });
  return next;
}

/** Root of the OUTBOX_DEPTH-level tree of `count` leaves whose left frontier is `branch` (no length mix-in). */
export function accumulatorTreeRoot(branch: readonly Uint8Array[], count: number): Uint8Array {
  let node = zeroHash(0);
  let size = count;
  for (let level = 0; level < OUTBOX_DEPTH; level++) {
    node = size % 2 === 1 ? digest64(branch[level]!, node) : digest64(node, zeroHash(level));
    size = Math.floor(size / 2);
  }
  return node;
}

/** hash_tree_root of the outbox: the tree root with its count mixed in. */
export function accumulatorRoot(branch: readonly Uint8Array[], count: number): Uint8Array {
  return digest64(accumulatorTreeRoot(branch, count), lengthChunk(count));
}

/** Levels of the outboxes tree, bottom first: level 0 holds the outbox roots, the last level the tree root. */
function outboxesLevels(outboxRoots: readonly Uint8Array[]): Uint8Array[][] {
  const levels: Uint8Array[][] = [[...outboxRoots]];
  for (let level = 0; level < OUTBOXES_DEPTH; level++) {
    const below = levels[level]!;
    const above: Uint8Array[] = [];
    for (let i = 0; i < Math.max(1, Math.ceil(below.length / 2)); i++)
      above.push(digest64(below[2 * i] ?? zeroHash(level), below[2 * i + 1] ?? zeroHash(level)));
    levels.push(above);
  }
  return levels;
}

/** A block's `outboxRoot`: hash_tree_root of List[Outbox, MAX_SHARDS] from each outbox's root. */
export function outboxesRoot(outboxRoots: readonly Uint8Array[]): Uint8Array {
  const levels = outboxesLevels(outboxRoots);
  return digest64(levels[OUTBOXES_DEPTH]![0]!, lengthChunk(outboxRoots.length));
}

/**
 * The part of a receipt's branch above its outbox: the sibling outbox roots up the outboxes tree (bottom
 * first), then the outboxes list's length chunk.
 */
export function outboxesBranch(outboxRoots: readonly Uint8Array[], dest: number): Uint8Array[] {
  const levels = outboxesLevels(outboxRoots);
  const branch: Uint8Array[] = [];
  let index = dest;
  for (let level = 0; level < OUTBOXES_DEPTH; level++) {
    branch.push(levels[level]![index ^ 1] ?? zeroHash(level));
    index = Math.floor(index / 2);
  }
  branch.push(lengthChunk(outboxRoots.length));
  return branch;
}

/**
 * Branches (OUTBOX_DEPTH siblings bottom first, then the length chunk) of elements `seqs` of an outbox of
 * `count` leaves, from the leaves from `base` on (`leaves[i]` is element base + i) and the frontier at `base`
 * (`baseBranch`: the accumulator's branch when its count was `base`). Every seq must be in [base, count).
 * Builds the tree above the leaves once: O(count - base) hashes for all of them.
 */
export function outboxBranches(
  baseBranch: readonly Uint8Array[],
  base: number,
  leaves: readonly Uint8Array[],
  count: number,
  seqs: readonly number[],
): Uint8Array[][] {
  if (count < base || count - base > leaves.length)
    throw new RangeError(`outbox count ${count} outside the kept leaves [${base}, ${base + leaves.length}]`);
  for (const seq of seqs)
    if (seq < base || seq >= count)
      throw new RangeError(`receipt ${seq} is not provable from the kept leaves [${base}, ${count})`);
  const branches = seqs.map((): Uint8Array[] => []);
  const indices = [...seqs];
  let lo = base;
  let hi = count;
  let nodes = leaves.slice(0, count - base);
  for (let level = 0; level < OUTBOX_DEPTH; level++) {
    // A node left of `lo` is the complete subtree whose root the frontier at `base` holds (lo is odd then).
    const at = (index: number): Uint8Array =>
      index < lo ? baseBranch[level]! : index < hi ? nodes[index - lo]! : zeroHash(level);
    indices.forEach((index, i) => {
      branches[i]!.push(at(index ^ 1));
    });
    const nextLo = Math.floor(lo / 2);
    const nextHi = Math.ceil(hi / 2);
    const next: Uint8Array[] = [];
    for (let j = nextLo; j < nextHi; j++) next.push(digest64(at(2 * j), at(2 * j + 1)));
    nodes = next;
    lo = nextLo;
    hi = nextHi;
    indices.forEach((index, i) => {
      indices[i] = Math.floor(index / 2);
    });
  }
  for (const branch of branches) branch.push(lengthChunk(count));
  return branches;
}
