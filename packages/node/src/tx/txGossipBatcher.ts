import { ListCompositeType } from "@chainsafe/ssz";
import { TRANSACTION_SIZE, type Transaction, Transaction as TransactionType } from "@shardnet/consensus";
import type { Logger } from "pino";

/**
 * Most transactions in one `shard_{s}_tx` gossip message. A Transaction is a fixed-size SSZ container
 * (TRANSACTION_SIZE = 160 bytes) and a list of fixed-size items has no offsets, so the list limit is also
 * the byte limit: MAX_TX_GOSSIP_BYTES = 256 × 160 = 40,960 bytes. Why 256: a receiving node verifies every
 * signature of a message in one synchronous validation (about 0.08 ms each), so the largest message holds
 * the event loop for about 20 ms; 40 KiB stays far below gossipsub's and yamux's frame limits (one frame,
 * no fragmentation); and at 1,500 transfers/s a node's whole window for one shard (see TX_GOSSIP_WINDOW_MS:
 * 100 ms × 1,500/s ≈ 150 transfers, fewer per shard) fits in one message.
 */
export const MAX_GOSSIP_TXS = 256;

/**
 * Gossip payload on `shard_{s}_tx`: transactions of shard s, as many as this node admitted for the shard
 * within one coalescing window (up to MAX_GOSSIP_TXS). Gossipsub costs each receiving node 133–223 µs of
 * CPU per message (p2p bench), more than the Ed25519 check of a transaction, so messages carry batches.
 */
export const TransactionGossipBatch = new ListCompositeType(TransactionType, MAX_GOSSIP_TXS, {
  typeName: "TransactionGossipBatch",
});
export const MAX_TX_GOSSIP_BYTES = TransactionGossipBatch.maxSize;
if (MAX_TX_GOSSIP_BYTES !== MAX_GOSSIP_TXS * TRANSACTION_SIZE) {
  throw new Error("internal: a transaction gossip batch is not a plain run of fixed-size transactions");
}

/**
 * How long admitted transactions wait to be coalesced into one message per shard: 100 ms. Without it a node
 * sent one message per API request and shard (1,500 requests/s were 1,500+ messages/s, each costing every
 * receiver ~0.2 ms before any signature was checked). With it a node sends at most 10 messages per second
 * and shard (more only when a window fills MAX_GOSSIP_TXS), whatever the request rate. 100 ms is 5% of a
 * 2-s slot: a transaction misses the next block because of the window only if it arrived within 100 ms of
 * the slot start, well inside the inclusion budget of 2 slots. A shorter window doubles the message count
 * for little latency; a longer one (a slot third) would often push transactions past the proposer's start.
 */
export const TX_GOSSIP_WINDOW_MS = 100;

/**
 * Messages being handed to gossipsub at once. Gossipsub's publish resolves once the message is queued on
 * the peers' streams, so this is normally 0 or 1; the cap only bounds memory if publishing stalls.
 */
const MAX_IN_FLIGHT = 16;

export interface TxGossipBatcherOptions {
  /** Publishes one serialized batch on `shard_{shard}_tx`; resolves to the number of peers it went to. */
  publish(shard: number, bytes: Uint8Array): Promise<number>;
  log: Logger;
  windowMs?: number;
  maxTxs?: number;
  maxInFlight?: number;
}

interface Pending {
  txs: Transaction[];
  timer: NodeJS.Timeout | undefined;
  /** The window elapsed or the batch is full: it goes out as soon as a publish slot is free. */
  due: boolean;
  promise: Promise<number>;
  resolve: (recipients: number) => void;
}

/**
 * Coalesces transactions per shard into `shard_{s}_tx` messages: the first transaction of a shard opens a
 * window of `windowMs`; the batch goes out when the window closes or when it holds `maxTxs` transactions,
 * whichever comes first. Bounded: at most `maxTxs` wait per shard and `maxInFlight` messages are being
 * published; beyond that `add` refuses (returns null) and the caller decides.
 */
export class TxGossipBatcher {
  private readonly pending = new Map<number, Pending>();
  private inFlight = 0;
  private readonly windowMs: number;
  private readonly maxTxs: number;
  private readonly maxInFlight: number;
  private closed = false;
  /** Messages published so far (tests and logs). */
  messages = 0;

  constructor(private readonly opts: TxGossipBatcherOptions) {
    this.windowMs = opts.windowMs ?? TX_GOSSIP_WINDOW_MS;
    this.maxTxs = Math.min(opts.maxTxs ?? MAX_GOSSIP_TXS, MAX_GOSSIP_TXS);
    this.maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
  }

  /**
   * Queues `tx` for the next message of `shard`. Resolves to the number of peers that message reached (0 if
   * none subscribes or publishing failed); null when the shard's batch is full while publishing is saturated.
   */
  add(shard: number, tx: Transaction): Promise<number> | null {
    if (this.closed) return null;
    let batch = this.pending.get(shard);
    if (batch && batch.txs.length >= this.maxTxs) return null;
    if (!batch) {
      batch = this.open(shard);
      this.pending.set(shard, batch);
    }
    batch.txs.push(tx);
    if (batch.txs.length >= this.maxTxs) this.markDue(batch);
    return batch.promise;
  }

  /** Transactions waiting for their message (all shards). */
  get size(): number {
    let n = 0;
    for (const batch of this.pending.values()) n += batch.txs.length;
    return n;
  }

  /** Sends every waiting batch now and resolves once they were published (tests; shutdown). */
  async flush(): Promise<void> {
    const waiting = [...this.pending.values()];
    for (const batch of waiting) this.markDue(batch);
    await Promise.all(waiting.map((b) => b.promise));
  }

  /** Stops: waiting batches are dropped (their promises resolve to 0) and nothing more is queued. */
  close(): void {
    this.closed = true;
    for (const batch of this.pending.values()) {
      clearTimeout(batch.timer);
      batch.resolve(0);
    }
    this.pending.clear();
  }

  private open(shard: number): Pending {
    let resolve!: (recipients: number) => void;
    const promise = new Promise<number>((r) => {
      resolve = r;
    });
    const batch: Pending = { txs: [], timer: undefined, due: false, promise, resolve };
    batch.timer = setTimeout(() => {
      if (this.pending.get(shard) === batch) this.markDue(batch);
    }, this.windowMs);
    batch.timer.unref();
    return batch;
  }

  private markDue(batch: Pending): void {
    clearTimeout(batch.timer);
    batch.due = true;
    this.pump();
  }

  /** Publishes the due batches while publish slots are free (called again as each publish finishes). */
  private pump(): void {
    for (const [shard, batch] of this.pending) {
      if (this.inFlight >= this.maxInFlight) return;
      if (!batch.due) continue;
      this.pending.delete(shard);
      this.send(shard, batch);
    }
  }

  private send(shard: number, batch: Pending): void {
    this.inFlight++;
    this.messages++;
    const bytes = TransactionGossipBatch.serialize(batch.txs);
    this.opts
      .publish(shard, bytes)
      .catch((err: unknown) => {
        this.opts.log.debug(
          { shard, txs: batch.txs.length, err: (err as Error).message },
          "transaction batch publish failed",
        );
        return 0;
      })
      .then((recipients) => batch.resolve(recipients))
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }
}
