import type { Node } from "@chainsafe/persistent-merkle-tree";
import { digest64, Tree } from "@chainsafe/persistent-merkle-tree";

/** Sibling hashes from the node at `gindex` up to the root (bottom first), as Ethereum's is_valid_merkle_branch. */
export function merkleBranch(rootNode: Node, gindex: bigint): Uint8Array[] {
  return new Tree(rootNode).getSingleProof(gindex);
}

/** Root obtained by hashing `leaf` up with `branch` (bottom first) along `gindex`. */
export function rootFromBranch(leaf: Uint8Array, branch: readonly Uint8Array[], gindex: bigint): Uint8Array {
  if (gindex < 1n) throw new RangeError(`gindex must be >= 1, got ${gindex}`);
  let node = leaf;
  let index = gindex;
  for (const sibling of branch) {
    if (index <= 1n) return new Uint8Array(0);
    node = index & 1n ? digest64(sibling, node) : digest64(node, sibling);
    index >>= 1n;
  }
  return index === 1n ? node : new Uint8Array(0);
}

export function isValidBranch(
  leaf: Uint8Array,
  branch: readonly Uint8Array[],
  gindex: bigint,
  root: Uint8Array,
): boolean {
  const computed = rootFromBranch(leaf, branch, gindex);
  if (computed.length !== 32 || root.length !== 32) return false;
  for (let i = 0; i < 32; i++) if (computed[i] !== root[i]) return false;
  return true;
}
