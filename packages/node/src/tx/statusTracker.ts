import { bytesToHex } from "@shardnet/crypto";
import type { CrosslinkPoint, ShardBlockEntry, TxInclusion } from "../chain/shardChain.js";
import { InclusionIndex } from "./inclusionIndex.js";

/** What the tracker reads of a shard chain (a narrow view of ShardChain, so that tests can use a fake). */
export interface TrackedChain {
  readonly shard: number;
  has(root: string): boolean;
  get(root: string): Pick<ShardBlockEntry, "root" | "slot" | "parentRoot" | "receiptsSent"> | undefined;
  head(): { root: string };
  isCanonical(root: string, slot: number): boolean;
}

/** What the tracker asks of the service that owns the transactions' statuses. */
export interface StatusTrackerHost {
  /** The shard of `hash` when its status is watched (still open), else undefined. */
  watchedShard(hash: string): number | undefined;
  /**
   * Re-derive these transactions' statuses: an event may have changed them. `readDb`: their inclusion may
   * only be in the database now (its block left memory before the tracker could settle it).
   */
  touch(hashes: Iterable<string>, readDb: boolean): void;
  /** `inclusion` is the canonical one of `hash`, at or below its shard's crosslink: it can no longer change. */
  settle(hash: string, inclusion: TxInclusion): void;
}

/** The step a derivation found, and where (what the tracker files the transaction under). */
export interface DerivedStep {
  status: string;
  inclusion?: { slot: number; root: string };
}

/**
 * Event-driven transaction status: block imports file the watched transactions they include, shard head
 * changes re-check only the filed blocks, and each shard's crosslink and finality watermarks take only what
 * lies below them. Each taken transaction is handed to the host for one status derivation; nothing else is.
 */
export class StatusTracker {
  readonly index = new InclusionIndex();
  /** Per shard: the crosslinked slot and the finalized crosslink slot the tracker last acted on. */
  private readonly watermarks = new Map<number, { crosslinked: number; finalized: number }>();

  constructor(private readonly host: StatusTrackerHost) {}

  private watermark(shard: number): { crosslinked: number; finalized: number } {
    let mark = this.watermarks.get(shard);
    if (!mark) {
      mark = { crosslinked: 0, finalized: 0 };
      this.watermarks.set(shard, mark);
    }
    return mark;
  }

  /** A released (on disk) `shard_block` event: files the watched transactions the block includes. */
  onShardBlock(chain: TrackedChain, root: string, slot: number, txHashes: readonly string[]): void {
    const watched = txHashes.filter((hash) => this.host.watchedShard(hash) === chain.shard);
    if (watched.length === 0) return;
    // Pruned below a crosslink before its event was released: only the database still knows it.
    if (!chain.has(root)) {
      this.host.touch(watched, true);
      return;
    }
    const canonical = chain.isCanonical(root, slot);
    for (const hash of watched) this.index.addToBlock(chain.shard, root, slot, canonical, hash);
    this.host.touch(watched, false);
  }

  /**
   * A `shard_head` event: a reorg or a late branch switch changes which filed blocks are canonical. One walk
   * from the head down to the lowest filed block; only the transactions of blocks that flipped are touched.
   */
  onShardHead(chain: TrackedChain): void {
    const blocks = this.index.blocksOf(chain.shard);
    if (blocks.size === 0) return;
    let lowest = Number.POSITIVE_INFINITY;
    for (const block of blocks.values()) if (chain.has(block.root)) lowest = Math.min(lowest, block.slot);
    const canonical = new Set<string>();
    for (let e = chain.get(chain.head().root); e && e.slot >= lowest; e = chain.get(e.parentRoot))
      canonical.add(e.root);
    for (const block of blocks.values()) {
      // Left memory below the chain's crosslink: onCrosslink decides it.
      if (!chain.has(block.root)) continue;
      const now = canonical.has(block.root);
      if (now === block.canonical) continue;
      block.canonical = now;
      this.host.touch(block.hashes, false);
    }
  }

  /**
   * The beacon head crosslinks `crosslink` of the chain's shard. Call it before the chain moves its fork
   * choice there: the chain then prunes the blocks below, and only while it still holds them can the tracker
   * tell the crosslinked branch from a fork. Blocks on the branch settle their transactions' inclusions;
   * fork blocks hand theirs back for derivation (pending again, or included elsewhere).
   */
  onCrosslink(chain: TrackedChain, crosslink: CrosslinkPoint): void {
    const mark = this.watermark(chain.shard);
    // A block the chain does not hold (not synced yet): the chain does not move there either.
    if (crosslink.slot <= mark.crosslinked || !chain.has(crosslink.rootHex)) return;
    mark.crosslinked = crosslink.slot;
    const taken = this.index.takeBlocksUpTo(chain.shard, crosslink.slot);
    if (taken.length === 0) return;
    const lowest = Math.min(...taken.map((b) => b.slot));
    const branch = new Set<string>();
    for (let e = chain.get(crosslink.rootHex); e && e.slot >= lowest; e = chain.get(e.parentRoot))
      branch.add(e.root);
    for (const block of taken) {
      const entry = chain.get(block.root);
      if (entry && branch.has(block.root)) {
        const receipts = new Map(entry.receiptsSent.map((r) => [bytesToHex(r.txHash), r]));
        for (const hash of block.hashes) {
          const receipt = receipts.get(hash);
          this.host.settle(hash, {
            slot: block.slot,
            root: block.root,
            ...(receipt ? { receipt: { dest: receipt.dest, seq: receipt.seq, amount: receipt.amount } } : {}),
          });
        }
      }
      this.host.touch(block.hashes, entry === undefined);
    }
  }

  /** The finalized state crosslinks `shard` at `slot`: the crosslinked transactions at or below it finalize. */
  onFinalized(shard: number, slot: number): void {
    const mark = this.watermark(shard);
    if (slot <= mark.finalized) return;
    mark.finalized = slot;
    const taken = this.index.takeCrosslinkedUpTo(shard, slot);
    if (taken.length > 0) this.host.touch(taken, false);
  }

  /** Files `hash` by the step a derivation found, so that the next watermark move finds it. */
  place(hash: string, shard: number, step: DerivedStep): void {
    if (!step.inclusion) return; // pending: the block that includes it will file it
    if (step.status === "included")
      this.index.addToBlock(shard, step.inclusion.root, step.inclusion.slot, true, hash);
    else if (step.status === "crosslinked") this.index.addCrosslinked(shard, hash, step.inclusion.slot);
  }

  /** Unfiles `hash` (its status stopped changing). */
  forget(hash: string): void {
    this.index.forget(hash);
  }

  /** Entries of the tracker's index (shardnet_cache_entries). */
  sizes(): Record<string, number> {
    return { ...this.index.sizes(), tx_watermark_shards: this.watermarks.size };
  }
}
