import { addressKey } from "./address.js";

interface BlockNode {
  root: string;
  parent: string;
  slot: number;
  children: Set<string>;
}

/**
 * Shard fork choice (DESIGN.md §4): among the descendants of the last crosslinked block, follow at each fork
 * the child whose subtree carries the most attesting stake (each validator's latest vote counts once); ties
 * go to the higher slot, then the lexicographically larger root. Pure: no clock, no I/O.
 *
 * Only recent votes count: those cast within `voteWindowSlots` of the newest vote seen. Every committee
 * member attests every slot, so an older latest vote is from a validator that left the committee (a new
 * period) or stopped voting. Such votes would weigh forever while the crosslink is stuck, and differently on
 * each node (a node records only votes for blocks it knew when they arrived: after a healed partition each
 * side holds the other's old votes or not), keeping nodes on different heads.
 */
export class ShardForkChoice {
  private readonly blocks = new Map<string, BlockNode>();
  private readonly votes = new Map<number, { root: string; stake: bigint; slot: number }>();
  private crosslinked: string;
  private newestVoteSlot = 0;
  /** Blocks whose subtrees the head never enters (markNonViable). */
  private readonly nonViable = new Set<string>();

  /** `anchorRoot`: the genesis block or the last crosslinked block (the root everything descends from). */
  constructor(
    anchorRoot: Uint8Array,
    anchorSlot: number,
    private readonly voteWindowSlots = Number.POSITIVE_INFINITY,
  ) {
    this.crosslinked = addressKey(anchorRoot);
    this.blocks.set(this.crosslinked, {
      root: this.crosslinked,
      parent: "",
      slot: anchorSlot,
      children: new Set(),
    });
  }

  has(root: Uint8Array): boolean {
    return this.blocks.has(addressKey(root));
  }

  /** Adds a block; ignored (returns false) if its parent is unknown or no longer a candidate, or slot is not after it. */
  onBlock(root: Uint8Array, parentRoot: Uint8Array, slot: number): boolean {
    const key = addressKey(root);
    const parentKey = addressKey(parentRoot);
    const parent = this.blocks.get(parentKey);
    if (parent === undefined || slot <= parent.slot) return false;
    if (this.blocks.has(key)) return true;
    this.blocks.set(key, { root: key, parent: parentKey, slot, children: new Set() });
    parent.children.add(key);
    return true;
  }

  /**
   * Records `validator`'s vote for `root` with its `stake`; it replaces the validator's previous vote unless
   * that one came from a later attestation slot.
   */
  onAttestation(validator: number, root: Uint8Array, stake: bigint, slot = 0): void {
    const previous = this.votes.get(validator);
    if (previous !== undefined && slot < previous.slot) return;
    this.votes.set(validator, { root: addressKey(root), stake, slot });
    if (slot > this.newestVoteSlot) this.newestVoteSlot = slot;
  }

  /**
   * The head never enters `root`'s subtree again (a block built on a beacon block that finality cut off).
   * Ignored for a block not in the tree.
   */
  markNonViable(root: Uint8Array): void {
    const key = addressKey(root);
    if (this.blocks.has(key) && key !== this.crosslinked) this.nonViable.add(key);
  }

  /** Moves the anchor to a crosslinked block (which must be known) and forgets everything not descending from it. */
  setCrosslinked(root: Uint8Array): void {
    const key = addressKey(root);
    const node = this.blocks.get(key);
    if (node === undefined)
      throw new Error(`crosslinked block 0x${key} is unknown: import it before moving the anchor`);
    const keep = new Set<string>();
    const stack = [key];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      keep.add(current);
      for (const child of this.blocks.get(current)?.children ?? []) stack.push(child);
    }
    for (const blockRoot of [...this.blocks.keys()])
      if (!keep.has(blockRoot)) {
        this.blocks.delete(blockRoot);
        this.nonViable.delete(blockRoot);
      }
    this.nonViable.delete(key);
    node.parent = "";
    this.crosslinked = key;
  }

  getCrosslinkedRoot(): string {
    return this.crosslinked;
  }

  /**
   * Hex root of the head. `isViable(root)`, when given, excludes more subtrees for this call only: the node
   * passes "built on a beacon block of the beacon head's chain" (DESIGN.md §4: a shard block's incoming
   * receipts were proven against the crosslinks of its `beacon_block_root`, which a beacon reorg can
   * remove).
   */
  getHead(isViable?: (root: string) => boolean): string {
    const weights = new Map<string, bigint>();
    const oldestCounted = this.newestVoteSlot - this.voteWindowSlots;
    for (const [validator, { root, stake, slot }] of this.votes) {
      if (slot < oldestCounted) this.votes.delete(validator);
      else if (this.blocks.has(root)) weights.set(root, (weights.get(root) ?? 0n) + stake);
    }
    // Children have higher slots than parents: accumulate subtree weights from the highest slot down.
    const bySlotDesc = [...this.blocks.values()].sort((a, b) => b.slot - a.slot);
    for (const node of bySlotDesc) {
      if (node.parent === "" || !this.blocks.has(node.parent)) continue;
      const own = weights.get(node.root) ?? 0n;
      if (own > 0n) weights.set(node.parent, (weights.get(node.parent) ?? 0n) + own);
    }
    let head = this.blocks.get(this.crosslinked) as BlockNode;
    for (;;) {
      let best: BlockNode | undefined;
      let bestWeight = -1n;
      for (const childKey of head.children) {
        const child = this.blocks.get(childKey);
        if (child === undefined || this.nonViable.has(childKey)) continue;
        if (isViable !== undefined && !isViable(childKey)) continue;
        const weight = weights.get(childKey) ?? 0n;
        if (
          best === undefined ||
          weight > bestWeight ||
          (weight === bestWeight &&
            (child.slot > best.slot || (child.slot === best.slot && childKey > best.root)))
        ) {
          best = child;
          bestWeight = weight;
        }
      }
      if (best === undefined) return head.root;
      head = best;
    }
  }
}
