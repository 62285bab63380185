/** A shard block that includes watched transactions and is not yet at or below its shard's crosslink. */
export interface TrackedBlock {
  root: string;
  slot: number;
  /** Whether the shard head descended from it when the tracker last looked. */
  canonical: boolean;
  /** The watched transactions it includes. */
  hashes: Set<string>;
}

interface ShardEntries {
  /** Blocks with watched transactions, by root: a crosslink takes the ones at or below its slot. */
  blocks: Map<string, TrackedBlock>;
  /** Crosslinked transactions waiting for finality, by inclusion slot: finality takes the buckets below it. */
  crosslinked: Map<number, Set<string>>;
}

/** Where one watched transaction is filed, so that forgetting it touches nothing else. */
interface Placement {
  shard: number;
  roots: Set<string>;
  crosslinkedSlot?: number;
}

/**
 * The open transactions of the tracked shards, filed by where they wait for their next step: in the
 * blocks that include them (until their shard's crosslink passes those blocks) and then by inclusion slot
 * (until finality passes it). A watermark move takes only what lies below it. Bounded: every entry is an
 * open transaction (TxService bounds those), and crosslinks and finality empty the files.
 */
export class InclusionIndex {
  private readonly shards = new Map<number, ShardEntries>();
  private readonly placed = new Map<string, Placement>();

  private entries(shard: number): ShardEntries {
    let entries = this.shards.get(shard);
    if (!entries) {
      entries = { blocks: new Map(), crosslinked: new Map() };
      this.shards.set(shard, entries);
    }
    return entries;
  }

  private placement(hash: string, shard: number): Placement {
    let placement = this.placed.get(hash);
    if (!placement) {
      placement = { shard, roots: new Set() };
      this.placed.set(hash, placement);
    }
    return placement;
  }

  /** Files `hash` under the block `root` (creating it) and records the block's canonicality. */
  addToBlock(shard: number, root: string, slot: number, canonical: boolean, hash: string): void {
    const { blocks } = this.entries(shard);
    let block = blocks.get(root);
    if (!block) {
      block = { root, slot, canonical, hashes: new Set() };
      blocks.set(root, block);
    }
    block.canonical = canonical;
    block.hashes.add(hash);
    this.placement(hash, shard).roots.add(root);
  }

  /** The tracked blocks of `shard` (read-only use: the tracker updates their `canonical` flag). */
  blocksOf(shard: number): ReadonlyMap<string, TrackedBlock> {
    return this.shards.get(shard)?.blocks ?? EMPTY_BLOCKS;
  }

  /** Removes and returns the tracked blocks of `shard` at or below `slot`. */
  takeBlocksUpTo(shard: number, slot: number): TrackedBlock[] {
    const blocks = this.shards.get(shard)?.blocks;
    if (!blocks) return [];
    const taken: TrackedBlock[] = [];
    for (const block of blocks.values()) {
      if (block.slot > slot) continue;
      blocks.delete(block.root);
      taken.push(block);
      for (const hash of block.hashes) this.placed.get(hash)?.roots.delete(block.root);
    }
    for (const block of taken) for (const hash of block.hashes) this.dropIfUnfiled(hash);
    return taken;
  }

  /** Files a crosslinked transaction under its inclusion slot until finality passes it. */
  addCrosslinked(shard: number, hash: string, slot: number): void {
    const placement = this.placement(hash, shard);
    if (placement.crosslinkedSlot === slot) return;
    if (placement.crosslinkedSlot !== undefined) this.unfileCrosslinked(hash, placement);
    const { crosslinked } = this.entries(shard);
    const bucket = crosslinked.get(slot) ?? new Set<string>();
    bucket.add(hash);
    crosslinked.set(slot, bucket);
    placement.crosslinkedSlot = slot;
  }

  /** Removes and returns the crosslinked transactions of `shard` included at or below `slot`. */
  takeCrosslinkedUpTo(shard: number, slot: number): string[] {
    const crosslinked = this.shards.get(shard)?.crosslinked;
    if (!crosslinked) return [];
    const taken: string[] = [];
    for (const [bucketSlot, bucket] of crosslinked) {
      if (bucketSlot > slot) continue;
      crosslinked.delete(bucketSlot);
      for (const hash of bucket) {
        taken.push(hash);
        const placement = this.placed.get(hash);
        if (placement) delete placement.crosslinkedSlot;
        this.dropIfUnfiled(hash);
      }
    }
    return taken;
  }

  /** Unfiles `hash` everywhere (its status stopped changing, or it was evicted). */
  forget(hash: string): void {
    const placement = this.placed.get(hash);
    if (!placement) return;
    this.placed.delete(hash);
    const entries = this.shards.get(placement.shard);
    if (!entries) return;
    for (const root of placement.roots) {
      const block = entries.blocks.get(root);
      block?.hashes.delete(hash);
      if (block && block.hashes.size === 0) entries.blocks.delete(root);
    }
    this.unfileCrosslinked(hash, placement);
  }

  private unfileCrosslinked(hash: string, placement: Placement): void {
    if (placement.crosslinkedSlot === undefined) return;
    const crosslinked = this.shards.get(placement.shard)?.crosslinked;
    const bucket = crosslinked?.get(placement.crosslinkedSlot);
    bucket?.delete(hash);
    if (bucket?.size === 0) crosslinked?.delete(placement.crosslinkedSlot);
    delete placement.crosslinkedSlot;
  }

  private dropIfUnfiled(hash: string): void {
    const placement = this.placed.get(hash);
    if (placement && placement.roots.size === 0 && placement.crosslinkedSlot === undefined)
      this.placed.delete(hash);
  }

  /** Entries of the index (shardnet_cache_entries). */
  sizes(): Record<string, number> {
    let blocks = 0;
    let crosslinked = 0;
    for (const entries of this.shards.values()) {
      blocks += entries.blocks.size;
      for (const bucket of entries.crosslinked.values()) crosslinked += bucket.size;
    }
    return { tx_index_blocks: blocks, tx_index_crosslinked: crosslinked, tx_index_placed: this.placed.size };
  }
}

const EMPTY_BLOCKS: ReadonlyMap<string, TrackedBlock> = new Map();
