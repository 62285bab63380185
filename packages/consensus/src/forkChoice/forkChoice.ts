import type { CheckpointValue } from "../types/index.js";
import { bytesEqual, fromHex, toHex, ZERO_ROOT } from "../util/bytes.js";
import { ProtoArray } from "./protoArray.js";

/** What fork choice needs from an imported block (checkpoints are those of its post-state). */
export interface ForkChoiceBlock {
  root: Uint8Array;
  parentRoot: Uint8Array;
  slot: number;
  justifiedCheckpoint: CheckpointValue;
  finalizedCheckpoint: CheckpointValue;
}

interface Vote {
  currentRoot: string | undefined;
  nextRoot: string;
  nextEpoch: number;
}

/**
 * LMD-GHOST over the latest attestation of each validator, rooted at the justified checkpoint (DESIGN.md §4),
 * on a proto-array. `onAttestation` is O(1); `getHead` is one pass over the (pruned) block tree.
 * A checkpoint root of zero means the anchor (genesis) block.
 */
export class ForkChoice {
  private readonly protoArray = new ProtoArray();
  private readonly votes: (Vote | undefined)[] = [];
  private balances: readonly bigint[];
  private appliedBalances: readonly bigint[] = [];
  private justified: CheckpointValue;
  private finalized: CheckpointValue;
  private readonly anchorRoot: string;

  constructor(anchor: ForkChoiceBlock, balances: readonly bigint[]) {
    this.anchorRoot = toHex(anchor.root);
    this.justified = anchor.justifiedCheckpoint;
    this.finalized = anchor.finalizedCheckpoint;
    this.balances = balances;
    this.protoArray.onBlock(
      {
        slot: anchor.slot,
        root: this.anchorRoot,
        justifiedEpoch: anchor.justifiedCheckpoint.epoch,
        finalizedEpoch: anchor.finalizedCheckpoint.epoch,
      },
      undefined,
    );
  }

  private rootKey(root: Uint8Array): string {
    return bytesEqual(root, ZERO_ROOT) ? this.anchorRoot : toHex(root);
  }

  hasBlock(root: Uint8Array): boolean {
    return this.protoArray.indices.has(this.rootKey(root));
  }

  /** Adds a block; throws if its parent is unknown (e.g. it forks below the finalized checkpoint). */
  onBlock(block: ForkChoiceBlock): void {
    this.protoArray.onBlock(
      {
        slot: block.slot,
        root: toHex(block.root),
        justifiedEpoch: block.justifiedCheckpoint.epoch,
        finalizedEpoch: block.finalizedCheckpoint.epoch,
      },
      this.rootKey(block.parentRoot),
    );
    if (block.justifiedCheckpoint.epoch > this.justified.epoch) this.justified = block.justifiedCheckpoint;
    if (block.finalizedCheckpoint.epoch > this.finalized.epoch) this.finalized = block.finalizedCheckpoint;
  }

  /** Latest message of `validatorIndex`: counts if its target epoch is newer than the previous one. */
  onAttestation(validatorIndex: number, blockRoot: Uint8Array, targetEpoch: number): void {
    const vote = this.votes[validatorIndex];
    const root = this.rootKey(blockRoot);
    if (vote === undefined) {
      this.votes[validatorIndex] = { currentRoot: undefined, nextRoot: root, nextEpoch: targetEpoch };
    } else if (targetEpoch > vote.nextEpoch) {
      vote.nextRoot = root;
      vote.nextEpoch = targetEpoch;
    }
  }

  /** The same latest message for every index in `validatorIndices` (an aggregate or an included attestation). */
  onAttestations(validatorIndices: Iterable<number>, blockRoot: Uint8Array, targetEpoch: number): void {
    for (const index of validatorIndices) this.onAttestation(index, blockRoot, targetEpoch);
  }

  /** Stakes used to weigh votes (the justified state's active stakes). */
  updateBalances(balances: readonly bigint[]): void {
    this.balances = balances;
  }

  getJustifiedCheckpoint(): CheckpointValue {
    return this.justified;
  }

  getFinalizedCheckpoint(): CheckpointValue {
    return this.finalized;
  }

  /** Applies pending votes and balance changes, returns the head root. */
  getHead(): Uint8Array {
    const { indices, nodes } = this.protoArray;
    const deltas: bigint[] = new Array<bigint>(nodes.length).fill(0n);
    for (let i = 0; i < this.votes.length; i++) {
      const vote = this.votes[i];
      if (!vote) continue;
      const oldBalance = this.appliedBalances[i] ?? 0n;
      const newBalance = this.balances[i] ?? 0n;
      if (vote.currentRoot === vote.nextRoot && oldBalance === newBalance) continue;
      const from = vote.currentRoot === undefined ? undefined : indices.get(vote.currentRoot);
      if (from !== undefined) deltas[from] = (deltas[from] ?? 0n) - oldBalance;
      const to = indices.get(vote.nextRoot);
      if (to !== undefined) deltas[to] = (deltas[to] ?? 0n) + newBalance;
      // A vote for a block not (yet) in the tree adds no weight, so it must not be subtracted later either:
      // it stays pending, and counts once that block arrives (a block fetched from the other side of a
      // healed partition, whose votes came first, in the blocks that carried them).
      vote.currentRoot = to === undefined ? undefined : vote.nextRoot;
    }
    this.appliedBalances = this.balances;
    this.protoArray.applyScoreChanges(deltas, this.justified.epoch, this.finalized.epoch);
    let justifiedRoot = this.rootKey(this.justified.root);
    if (!indices.has(justifiedRoot)) justifiedRoot = this.rootKey(this.finalized.root);
    if (!indices.has(justifiedRoot)) justifiedRoot = (nodes[0] as { root: string }).root;
    return fromHex(this.protoArray.findHead(justifiedRoot), "head root", 32);
  }

  /** True if `root` is `ancestorRoot` or one of its descendants (walks parents: O(depth)). */
  isDescendant(ancestorRoot: Uint8Array, root: Uint8Array): boolean {
    const { indices, nodes } = this.protoArray;
    const ancestor = indices.get(this.rootKey(ancestorRoot));
    let index = indices.get(this.rootKey(root));
    if (ancestor === undefined) return false;
    while (index !== undefined && index >= ancestor) {
      if (index === ancestor) return true;
      index = nodes[index]?.parent;
    }
    return false;
  }

  /** Drops every block that is not the finalized block or its descendant. Returns how many were removed. */
  prune(): number {
    const finalizedRoot = this.rootKey(this.finalized.root);
    if (!this.protoArray.indices.has(finalizedRoot)) return 0;
    return this.protoArray.pruneTo(finalizedRoot);
  }

  get blockCount(): number {
    return this.protoArray.nodes.length;
  }
}
