import { ContainerType, ListCompositeType, type ValueOf, VectorCompositeType } from "@chainsafe/ssz";
import { MAX_SHARDS } from "../params/constants.js";
import { Bytes32, Uint64 } from "../types/primitives.js";
import { bytesEqual } from "./address.js";
import { accumulatorAppend, accumulatorRoot, OUTBOX_DEPTH, outboxBranches } from "./outboxAccumulator.js";
import type { ShardState } from "./state.js";
import { Receipt } from "./types.js";

/**
 * Most receipts one outbox of a log keeps (an estimate, not measured: a few hundred bytes each, ~20–30 MB): older ones are folded into its frontier and no longer
 * provable from this node. Only a destination this node does not track (so cannot see credit) reaches it.
 */
export const MAX_LOGGED_RECEIPTS_PER_OUTBOX = 2 ** 16;

/** One outbox of an OutboxLog as stored beside a shard anchor. */
export const OutboxLogEntry = new ContainerType(
  {
    base: Uint64,
    baseBranch: new VectorCompositeType(Bytes32, OUTBOX_DEPTH),
    receipts: new ListCompositeType(Receipt, MAX_LOGGED_RECEIPTS_PER_OUTBOX),
  },
  { typeName: "OutboxLogEntry", jsonCase: "eth2" },
);
export const OutboxLogSnapshot = new ListCompositeType(OutboxLogEntry, MAX_SHARDS, {
  typeName: "OutboxLogSnapshot",
});
export type OutboxLogSnapshot = ValueOf<typeof OutboxLogSnapshot>;

interface LoggedOutbox {
  /** Sequence number of receipts[0]; the receipts below it are folded into baseBranch. */
  base: number;
  /** The outbox accumulator's branch when its count was `base`. */
  baseBranch: Uint8Array[];
  receipts: Receipt[];
  /** hash_tree_root of each receipt (leaves of the outbox tree). */
  leaves: Uint8Array[];
}

/**
 * The receipts one source shard sent that may still need a proof, by destination. The shard state keeps only
 * each outbox's accumulator (its size does not grow with traffic), so a node that relays receipts keeps them
 * here: appended in order from the canonical (crosslinked) blocks, and pruned once the destination has
 * credited them (`prune`). Proofs against any count from the log's base up to its count are built from the
 * kept receipts and the frontier at the base. Pure: no I/O.
 */
export class OutboxLog {
  private constructor(
    readonly shard: number,
    private readonly outboxes: LoggedOutbox[],
  ) {}

  /** An empty log at `state`'s outbox counts: it can prove the receipts appended after them. */
  static fromState(state: ShardState): OutboxLog {
    const outboxes: LoggedOutbox[] = [];
    for (let dest = 0; dest < state.outboxCount; dest++) {
      const { branch, count } = state.outboxFrontier(dest);
      outboxes.push({ base: count, baseBranch: branch, receipts: [], leaves: [] });
    }
    return new OutboxLog(state.shard, outboxes);
  }

  /**
   * A log from its stored snapshot, checked to fit `state` (the anchor it was stored with): each outbox must
   * end at the state's count and lead to the state's outbox roots. Throws when it does not.
   */
  static fromSnapshot(state: ShardState, snapshot: OutboxLogSnapshot): OutboxLog {
    if (snapshot.length !== state.outboxCount)
      throw new Error(`outbox log has ${snapshot.length} outboxes, the state ${state.outboxCount}`);
    const log = new OutboxLog(
      state.shard,
      snapshot.map((entry) => ({
        base: entry.base,
        baseBranch: [...entry.baseBranch],
        receipts: [...entry.receipts],
        leaves: entry.receipts.map((r) => Receipt.hashTreeRoot(r)),
      })),
    );
    const roots = state.outboxRoots();
    for (let dest = 0; dest < state.outboxCount; dest++) {
      if (log.count(dest) !== state.outboxLength(dest))
        throw new Error(
          `outbox log for shard ${dest} ends at ${log.count(dest)}, the state's outbox at ${state.outboxLength(dest)}`,
        );
      const outbox = log.outboxAt(dest);
      const branch = accumulatorAppend(outbox.baseBranch, outbox.base, outbox.leaves);
      if (!bytesEqual(accumulatorRoot(branch, log.count(dest)), roots[dest]!))
        throw new Error(`outbox log for shard ${dest} does not lead to the state's outbox root`);
    }
    return log;
  }

  /** Receipts sent to `dest` so far, as far as this log knows (the next seq it expects). */
  count(dest: number): number {
    const outbox = this.outboxAt(dest);
    return outbox.base + outbox.receipts.length;
  }

  /** The oldest receipt to `dest` this log can still prove. */
  base(dest: number): number {
    return this.outboxAt(dest).base;
  }

  /** Receipts kept, over every destination (shardnet_cache_entries). */
  get size(): number {
    let size = 0;
    for (const outbox of this.outboxes) size += outbox.receipts.length;
    return size;
  }

  /** Appends a receipt this shard sent; its seq must be the log's count for its destination. */
  append(receipt: Receipt): void {
    const outbox = this.outboxAt(receipt.dest);
    if (receipt.source !== this.shard)
      throw new Error(`internal: receipt from shard ${receipt.source} appended to shard ${this.shard}'s log`);
    const count = outbox.base + outbox.receipts.length;
    if (receipt.seq !== count)
      throw new Error(`internal: receipt seq ${receipt.seq} appended to outbox[${receipt.dest}] at ${count}`);
    outbox.receipts.push(receipt);
    outbox.leaves.push(Receipt.hashTreeRoot(receipt));
    if (outbox.receipts.length > MAX_LOGGED_RECEIPTS_PER_OUTBOX)
      this.prune(receipt.dest, count + 1 - MAX_LOGGED_RECEIPTS_PER_OUTBOX);
  }

  receipt(dest: number, seq: number): Receipt | undefined {
    const outbox = this.outboxAt(dest);
    return outbox.receipts[seq - outbox.base];
  }

  /** Forgets the receipts to `dest` below `seq` (credited): they are folded into the frontier. */
  prune(dest: number, seq: number): void {
    const outbox = this.outboxAt(dest);
    const drop = Math.min(seq, outbox.base + outbox.receipts.length) - outbox.base;
    if (drop <= 0) return;
    outbox.baseBranch = accumulatorAppend(outbox.baseBranch, outbox.base, outbox.leaves.slice(0, drop));
    outbox.base += drop;
    outbox.receipts.splice(0, drop);
    outbox.leaves.splice(0, drop);
  }

  /**
   * Branches of receipts `seqs` to `dest` within the outbox as it was at `count` receipts (a crosslinked
   * state's outboxLength): OUTBOX_DEPTH siblings then the length chunk. Throws if one is pruned or beyond.
   */
  branches(dest: number, seqs: readonly number[], count: number): Uint8Array[][] {
    const outbox = this.outboxAt(dest);
    return outboxBranches(outbox.baseBranch, outbox.base, outbox.leaves, count, seqs);
  }

  /** The log as it was at `counts[dest]` receipts per destination (each at least its base), for storage. */
  snapshot(counts: readonly number[]): OutboxLogSnapshot {
    return this.outboxes.map((outbox, dest) => {
      const keep = (counts[dest] ?? outbox.base) - outbox.base;
      if (keep < 0 || keep > outbox.receipts.length)
        throw new RangeError(
          `outbox log for shard ${dest} holds [${outbox.base}, ${outbox.base + outbox.receipts.length}), not ${counts[dest]}`,
        );
      return { base: outbox.base, baseBranch: outbox.baseBranch, receipts: outbox.receipts.slice(0, keep) };
    });
  }

  private outboxAt(dest: number): LoggedOutbox {
    const outbox = this.outboxes[dest];
    if (!outbox) throw new RangeError(`shard ${this.shard}'s outbox log has no destination ${dest}`);
    return outbox;
  }
}
