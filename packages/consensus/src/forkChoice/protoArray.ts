/**
 * Proto-array (Lighthouse/Lodestar): blocks in insertion order (parents before children), each node caching
 * its best child and best descendant, so finding the head is O(1) after one backwards pass that applies vote
 * deltas, and inserting a block is O(1).
 */
export interface ProtoNode {
  slot: number;
  /** 0x-hex block root. */
  root: string;
  parent: number | undefined;
  justifiedEpoch: number;
  finalizedEpoch: number;
  weight: bigint;
  bestChild: number | undefined;
  bestDescendant: number | undefined;
}

export class ProtoArray {
  nodes: ProtoNode[] = [];
  indices = new Map<string, number>();
  justifiedEpoch = 0;
  finalizedEpoch = 0;

  /** Adds a block whose parent is already present (or the anchor, whose parent is absent). */
  onBlock(
    node: Omit<ProtoNode, "weight" | "bestChild" | "bestDescendant" | "parent">,
    parentRoot: string | undefined,
  ): void {
    if (this.indices.has(node.root)) return;
    const parent = parentRoot === undefined ? undefined : this.indices.get(parentRoot);
    if (parentRoot !== undefined && parent === undefined) {
      throw new Error(
        `fork choice: parent ${parentRoot} of block ${node.root} is unknown (or below the finalized checkpoint)`,
      );
    }
    const index = this.nodes.length;
    this.nodes.push({ ...node, parent, weight: 0n, bestChild: undefined, bestDescendant: undefined });
    this.indices.set(node.root, index);
    if (parent !== undefined) this.maybeUpdateBestChildAndDescendant(parent, index);
  }

  /** One backwards pass: add `deltas` (indexed like `nodes`, consumed) and refresh best children. */
  applyScoreChanges(deltas: bigint[], justifiedEpoch: number, finalizedEpoch: number): void {
    if (deltas.length !== this.nodes.length)
      throw new Error("fork choice: delta count does not match the node count");
    this.justifiedEpoch = justifiedEpoch;
    this.finalizedEpoch = finalizedEpoch;
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i] as ProtoNode;
      const delta = deltas[i] ?? 0n;
      node.weight += delta;
      if (node.weight < 0n) throw new Error(`fork choice: negative weight at ${node.root}`);
      if (node.parent !== undefined) {
        deltas[node.parent] = (deltas[node.parent] ?? 0n) + delta;
        this.maybeUpdateBestChildAndDescendant(node.parent, i);
      }
    }
  }

  /** Head = best descendant of the justified node (itself if none is viable). */
  findHead(justifiedRoot: string): string {
    const index = this.indices.get(justifiedRoot);
    if (index === undefined) throw new Error(`fork choice: justified root ${justifiedRoot} is unknown`);
    const justified = this.nodes[index] as ProtoNode;
    const best = this.nodes[justified.bestDescendant ?? index] as ProtoNode;
    return this.isViableForHead(best) ? best.root : justified.root;
  }

  /** Keeps only `finalizedRoot` and its descendants; returns how many nodes were removed. */
  pruneTo(finalizedRoot: string): number {
    const finalizedIndex = this.indices.get(finalizedRoot);
    if (finalizedIndex === undefined)
      throw new Error(`fork choice: finalized root ${finalizedRoot} is unknown`);
    const keep = new Map<number, number>();
    const kept: ProtoNode[] = [];
    for (let i = finalizedIndex; i < this.nodes.length; i++) {
      const node = this.nodes[i] as ProtoNode;
      const parentKept = node.parent !== undefined ? keep.get(node.parent) : undefined;
      if (i !== finalizedIndex && parentKept === undefined) continue;
      keep.set(i, kept.length);
      kept.push({ ...node, parent: i === finalizedIndex ? undefined : parentKept });
    }
    for (const node of kept) {
      node.bestChild = node.bestChild === undefined ? undefined : keep.get(node.bestChild);
      node.bestDescendant = node.bestDescendant === undefined ? undefined : keep.get(node.bestDescendant);
    }
    const removed = this.nodes.length - kept.length;
    this.nodes = kept;
    this.indices = new Map(kept.map((node, i) => [node.root, i]));
    return removed;
  }

  isViableForHead(node: ProtoNode): boolean {
    return (
      (node.justifiedEpoch === this.justifiedEpoch || this.justifiedEpoch === 0) &&
      (node.finalizedEpoch === this.finalizedEpoch || this.finalizedEpoch === 0)
    );
  }

  private leadsToViableHead(node: ProtoNode): boolean {
    const best = node.bestDescendant === undefined ? undefined : this.nodes[node.bestDescendant];
    return (best !== undefined && this.isViableForHead(best)) || this.isViableForHead(node);
  }

  private maybeUpdateBestChildAndDescendant(parentIndex: number, childIndex: number): void {
    const parent = this.nodes[parentIndex] as ProtoNode;
    const child = this.nodes[childIndex] as ProtoNode;
    const childLeads = this.leadsToViableHead(child);
    const toChild: [number | undefined, number | undefined] = [
      childIndex,
      child.bestDescendant ?? childIndex,
    ];
    const toNone: [number | undefined, number | undefined] = [undefined, undefined];
    const noChange: [number | undefined, number | undefined] = [parent.bestChild, parent.bestDescendant];
    let next: [number | undefined, number | undefined];
    if (parent.bestChild === undefined) {
      next = childLeads ? toChild : noChange;
    } else if (parent.bestChild === childIndex) {
      next = childLeads ? toChild : toNone;
    } else {
      const bestChild = this.nodes[parent.bestChild] as ProtoNode;
      const bestLeads = this.leadsToViableHead(bestChild);
      if (childLeads && !bestLeads) next = toChild;
      else if (!childLeads && bestLeads) next = noChange;
      else if (child.weight === bestChild.weight) next = child.root >= bestChild.root ? toChild : noChange;
      else next = child.weight > bestChild.weight ? toChild : noChange;
    }
    [parent.bestChild, parent.bestDescendant] = next;
  }
}
