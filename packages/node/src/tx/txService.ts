import {
  checkAmounts,
  checkSenderKey,
  type DroppedTx,
  shardOf,
  type Transaction,
  type TxSignatureCheck,
  transactionFromJson,
  transactionHash,
  VERIFY_EVERY_SIGNATURE,
} from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import type { P2pNode, ValidationResult } from "@shardnet/p2p";
import type { Logger } from "pino";
import type { BeaconChain } from "../chain/beaconChain.js";
import type { ShardChain, ShardChainEvent, TxInclusion } from "../chain/shardChain.js";
import type { NodeMetrics } from "../metrics/nodeMetrics.js";
import { checkGossipBatch } from "./gossipBatchCheck.js";
import { StatusTracker } from "./statusTracker.js";
import { MAX_GOSSIP_TXS, TransactionGossipBatch, TxGossipBatcher } from "./txGossipBatcher.js";
import type { TxJournal } from "./txJournal.js";

/**
 * `rejected`: refused at admission. `dropped`: admitted (pending), then left the mempool without being
 * included: replaced by a higher fee, evicted from a full pool, its nonce used by another transaction
 * (`nonce_replay`), or expired waiting on a nonce gap (`nonce_gap`) or a balance (`expired`). Both are
 * terminal and carry a reason; nothing stays pending forever.
 */
export type TxStatus = "pending" | "included" | "crosslinked" | "finalized" | "rejected" | "dropped";
const STATUS_ORDER: TxStatus[] = ["pending", "included", "crosslinked", "finalized"];
const isTerminal = (status: TxStatus) => status === "rejected" || status === "dropped";

export type SubmitResult =
  | { hash: string; status: "pending"; shard: number; forwarded: boolean }
  | { hash?: string; status: "rejected"; code: string; message: string };

export interface StepInfo {
  slot: number;
  time: string;
}

export interface TxStatusView {
  hash: string;
  status: TxStatus;
  shard: number;
  reason?: { code: string; message: string };
  /** Set when this node does not track the sender's shard: it can only say that it forwarded the transaction. */
  untracked?: string;
  pending?: { time: string };
  included?: StepInfo & { blockRoot: string };
  crosslinked?: StepInfo & { crosslinkSlot: number };
  finalized?: StepInfo;
  receipt?: {
    dest: number;
    seq: number;
    amount: string;
    credited?: { slot: number; blockRoot: string };
  };
}

interface Known {
  shard: number;
  firstSeen: Partial<Record<TxStatus, { time: number; slot?: number; crosslinkSlot?: number }>>;
  rejected?: { code: string; message: string };
  /** Why the mempool dropped it after admission (reported only while no canonical block includes it). */
  dropped?: { code: string; message: string };
  last?: TxStatus;
  /** The canonical inclusion once its block is at or below the shard's crosslink: it can no longer change. */
  settledInclusion?: TxInclusion;
  /** Likewise for the credit of its receipt on the destination shard. */
  settledCredit?: { slot: number; root: string };
  /** Its inclusion time was observed (shardnet_transaction_inclusion_seconds): once per transaction. */
  inclusionTimed?: true;
  /**
   * Not remembered: a GET of a transaction this node no longer (or never) kept, answered from the chain
   * and database. Its step times are the start times of the steps' slots, not when this node saw them.
   */
  ephemeral?: true;
}

/** Most transactions whose status this node remembers (a safety net; finality bounds it first). */
const MAX_KNOWN = 200_000;
/**
 * Epochs a transaction's status is remembered after it stopped changing (finalized, rejected, dropped, or
 * forwarded for an untracked shard). Later, a GET answers from the chain and database (ephemeral).
 */
export const CLOSED_RETAIN_EPOCHS = 8;

export { MAX_GOSSIP_TXS, MAX_TX_GOSSIP_BYTES, TransactionGossipBatch } from "./txGossipBatcher.js";

/** What admission decided for one API transaction before anything is published. */
type Admission =
  | { result: SubmitResult; publish: false }
  | { result: SubmitResult & { status: "pending" }; publish: true; tx: Transaction };

/**
 * Transactions from the API and from `shard_{s}_tx` gossip: admission into the tracked shards' mempools,
 * forwarding to the shard's topic when this node does not track the sender's shard, and the status
 * of each transaction through pending → included → crosslinked → finalized.
 */
export class TxService {
  private readonly known = new Map<string, Known>();
  /** Hashes in `known` whose status can still change (not finalized, not rejected): the watched ones. */
  private readonly open = new Set<string>();
  /**
   * Files the open transactions by where they wait for their next step and hands back only those a chain
   * event concerns (see StatusTracker): a refresh derives those, never every open transaction.
   */
  private readonly tracker = new StatusTracker({
    watchedShard: (hash) => (this.open.has(hash) ? this.known.get(hash)?.shard : undefined),
    touch: (hashes, readDb) => this.touch(hashes, readDb),
    settle: (hash, inclusion) => {
      const k = this.known.get(hash);
      if (k && !k.settledInclusion) k.settledInclusion = inclusion;
    },
  });
  /** Hashes whose status an event may have changed, waiting for a derivation (true: it may read the database). */
  private readonly dirty = new Map<string, boolean>();
  /** Status derivations so far (tests count them: an event must derive only the transactions it concerns). */
  derivations = 0;
  /** Called with each derived hash (tests: which transactions an event made this node look at). */
  onDerive: ((hash: string) => void) | undefined;
  /** Hashes that left `open`, oldest first, with the slot they left it: forgotten CLOSED_RETAIN_EPOCHS later. */
  private readonly closed: Array<{ hash: string; slot: number }> = [];
  private closedHead = 0;
  private readonly listeners = new Set<(status: TxStatusView) => void>();

  constructor(
    private readonly beacon: BeaconChain,
    private readonly shards: () => ReadonlyMap<number, ShardChain>,
    private readonly p2p: P2pNode,
    private readonly log: Logger,
    private readonly currentSlot: () => number,
    /** Wall-clock ms at which `slot` starts (step times of ephemeral views). */
    private readonly slotStartMs: (slot: number) => number = () => Date.now(),
    /** Where API-accepted transactions are kept across restarts (none: they are not). */
    private readonly journal?: TxJournal,
    options: {
      gossipWindowMs?: number;
      metrics?: NodeMetrics;
      /**
       * Checks the signatures of transactions forwarded to untracked shards (the node's VerifiedTxCache; default:
       * each verified). Those of a tracked shard go through its chain's (`ShardChain.signatures`).
       */
      signatures?: TxSignatureCheck;
    } = {},
  ) {
    this.metrics = options.metrics;
    this.signatures = options.signatures ?? VERIFY_EVERY_SIGNATURE;
    this.gossip = new TxGossipBatcher({
      publish: (shard, bytes) => this.p2p.publish({ kind: "shard_tx", shard }, bytes),
      log,
      ...(options.gossipWindowMs === undefined ? {} : { windowMs: options.gossipWindowMs }),
    });
  }

  /** Coalesces what this node publishes on `shard_{s}_tx` into one message per shard and window. */
  private readonly gossip: TxGossipBatcher;
  private readonly metrics: NodeMetrics | undefined;
  private readonly signatures: TxSignatureCheck;
  /** Gossiped transactions refused as invalid content (bad signature, wrong shard, ...), by this node. */
  gossipInvalid = 0;

  /** Hashes in the journal: forgotten there when they close. */
  private readonly journaled = new Set<string>();
  private journalForget: string[] = [];

  /**
   * Re-admits the journaled transactions after a restart: each goes back into its mempool (and out on
   * gossip) unless the chain has moved past it, in which case it leaves the journal.
   */
  async readmitJournal(): Promise<{ readmitted: number; forgotten: number }> {
    if (!this.journal) return { readmitted: 0, forgotten: 0 };
    const entries = await this.journal.load();
    const results = await this.submitDecoded([...entries.values()], false);
    const forgotten: string[] = [];
    [...entries.keys()].forEach((hash, i) => {
      if (results[i]?.status === "pending") this.journaled.add(hash);
      else forgotten.push(hash);
    });
    if (forgotten.length > 0) await this.journal.forget(forgotten);
    return { readmitted: entries.size - forgotten.length, forgotten: forgotten.length };
  }

  /** Stops refreshing `hash` (its status no longer changes) and schedules forgetting it. */
  private close(hash: string): void {
    if (!this.open.delete(hash)) return;
    this.tracker.forget(hash);
    this.closed.push({ hash, slot: this.currentSlot() });
    if (this.journaled.delete(hash)) this.journalForget.push(hash);
  }

  /** Forgets what closed more than CLOSED_RETAIN_EPOCHS ago (the closed list is a FIFO by slot). */
  private forgetClosed(): void {
    const horizon = this.currentSlot() - CLOSED_RETAIN_EPOCHS * this.beacon.preset.SLOTS_PER_EPOCH;
    while (this.closedHead < this.closed.length && this.closed[this.closedHead]!.slot < horizon) {
      const { hash } = this.closed[this.closedHead++]!;
      if (!this.open.has(hash)) this.known.delete(hash);
    }
    if (this.closedHead > 1024 && this.closedHead * 2 > this.closed.length) {
      this.closed.splice(0, this.closedHead);
      this.closedHead = 0;
    }
  }

  private note(hash: string, shard: number): Known {
    let k = this.known.get(hash);
    if (!k) {
      if (this.known.size >= MAX_KNOWN) {
        const oldest = this.known.keys().next().value!;
        this.known.delete(oldest);
        this.open.delete(oldest);
        this.tracker.forget(oldest);
      }
      k = { shard, firstSeen: {} };
      this.known.set(hash, k);
      this.open.add(hash);
    }
    return k;
  }

  /**
   * Decodes, checks and admits API transactions (JSON form), then queues the accepted ones for this node's
   * next `shard_{s}_tx` message of their shard; never throws on bad input.
   */
  async submit(jsonTxs: unknown[]): Promise<SubmitResult[]> {
    const decoded = jsonTxs.map((json) => transactionFromJson(json));
    const admitted = await this.submitDecoded(
      decoded.flatMap((d) => (d.ok ? [d.tx] : [])),
      true,
    );
    let next = 0;
    const results = decoded.map(
      (d): SubmitResult =>
        d.ok ? admitted[next++]! : { status: "rejected", code: d.reason, message: d.message },
    );
    this.countReceived(results);
    return results;
  }

  /** Admits API transactions already decoded (the SSZ form of `POST /v1/transactions`), as `submit` does. */
  async submitTransactions(txs: readonly Transaction[]): Promise<SubmitResult[]> {
    const results = await this.submitDecoded(txs, true);
    this.countReceived(results);
    return results;
  }

  /** shardnet_transactions_received_total{source="api"}: accepted (pending) or the rejection code. */
  private countReceived(results: readonly SubmitResult[]): void {
    this.metrics?.countReceived(
      "api",
      results.map((r) => (r.status === "rejected" ? r.code : "accepted")),
    );
  }

  /**
   * Admits decoded transactions, journals the ones that entered a mempool (`journal`: API submissions;
   * on disk before anything is acknowledged or published), then queues them for gossip. Transactions of a
   * tracked shard are answered at once (they are in the mempool and journaled; the message follows within
   * a window). A forwarded one (untracked shard) is answered once its message went out: it is `pending`
   * only if some peer received it.
   */
  private async submitDecoded(txs: readonly Transaction[], journal: boolean): Promise<SubmitResult[]> {
    const results: SubmitResult[] = [];
    const outgoing: Array<{ position: number; shard: number; tx: Transaction }> = [];
    const local: Array<{ hash: string; tx: Transaction }> = [];
    for (const tx of txs) {
      const admission = this.admit(tx);
      if (admission.publish) {
        outgoing.push({ position: results.length, shard: admission.result.shard, tx: admission.tx });
        if (!admission.result.forwarded) local.push({ hash: admission.result.hash, tx: admission.tx });
      }
      results.push(admission.result);
    }
    if (journal && this.journal && local.length > 0) {
      await this.journal.record(local.map((l) => l.tx));
      for (const l of local) this.journaled.add(l.hash);
    }
    const forwarded: Array<Promise<void>> = [];
    let unqueued = 0;
    for (const { position, shard, tx } of outgoing) {
      const result = results[position] as SubmitResult & { status: "pending" };
      const sent = this.gossip.add(shard, tx);
      if (!result.forwarded) {
        // Not gossiped (publishing saturated): it stays in this node's mempool and its own blocks.
        if (sent === null) unqueued++;
        continue;
      }
      if (sent === null) {
        results[position] = {
          hash: result.hash,
          status: "rejected",
          code: "gossip_saturated",
          message: `this node's gossip queue for shard ${shard} is full: retry shortly, or send the transaction to a node that tracks shard ${shard}`,
        };
        continue;
      }
      forwarded.push(
        sent.then((recipients) => {
          if (recipients > 0) {
            this.markSeen(result.hash, shard, "pending");
            return;
          }
          results[position] = {
            hash: result.hash,
            status: "rejected",
            code: "unroutable",
            message: `this node does not track shard ${shard} and no connected peer subscribes to it: send the transaction to a node that tracks shard ${shard}`,
          };
        }),
      );
    }
    if (unqueued > 0)
      this.log.warn({ transactions: unqueued }, "gossip saturated: admitted transactions kept local");
    await Promise.all(forwarded);
    // Reported (pending, rejected) once journaled: nothing is acknowledged before it is on disk.
    this.touch(
      results.flatMap((r) => (r.hash ? [r.hash] : [])),
      false,
    );
    return results;
  }

  /** Publishes the transactions waiting in the gossip window now (tests; before a shutdown). */
  flushGossip(): Promise<void> {
    return this.gossip.flush();
  }

  /** Stops gossiping (what waits in the window is dropped: API transactions are journaled). */
  stopGossip(): void {
    this.gossip.close();
  }

  /** Mempool admission on a tracked shard, or the checks possible without its state before forwarding. */
  private admit(tx: Transaction): Admission {
    const shard = shardOf(tx.from, this.beacon.preset.SHARD_COUNT);
    const chain = this.shards().get(shard);
    if (chain) {
      const added = chain.mempool.add(tx, chain.head().state, { slot: this.currentSlot() });
      const hash = added.txHash;
      if (added.ok) this.onReplacedOrEvicted(shard, hash, added);
      if (!added.ok) {
        if (added.reason === "duplicate") {
          return { result: { hash, status: "pending", shard, forwarded: false }, publish: false };
        }
        const k = this.note(hash, shard);
        k.rejected = { code: added.reason, message: added.message };
        return {
          result: { hash, status: "rejected", code: added.reason, message: added.message },
          publish: false,
        };
      }
      this.markSeen(hash, shard, "pending");
      this.log.debug({ shard, hash }, "transaction admitted");
      return { result: { hash, status: "pending", shard, forwarded: false }, publish: true, tx };
    }
    // What the shard's nodes check before their state, so that what this node forwards is never what they
    // reject as a correct peer would never send it (which would cost this node their score).
    const hash = bytesToHex(transactionHash(tx));
    const amounts = checkAmounts(tx);
    const check = amounts.ok ? checkSenderKey(tx) : amounts;
    if (!check.ok) {
      return {
        result: { hash, status: "rejected", code: check.reason, message: check.message },
        publish: false,
      };
    }
    if (!this.signatures.verify(tx, hash)) {
      return {
        result: {
          hash,
          status: "rejected",
          code: "bad_signature",
          message: "Ed25519 signature does not verify for pubkey",
        },
        publish: false,
      };
    }
    return { result: { hash, status: "pending", shard, forwarded: true }, publish: true, tx };
  }

  /**
   * Gossip validator for `shard_{s}_tx`. Every transaction's signature (and shard, amounts, pubkey) is
   * checked (checkGossipBatch); the valid ones enter the mempool, whatever else the batch holds.
   *
   * What the batch returns to gossipsub (accept: forward; ignore: drop; reject: drop and lower the score of
   * the peer it came from, and of peers that delivered the same bytes meanwhile):
   * - some transaction is invalid content → "reject". Those checks do not depend on state, so no honest
   *   node publishes such a batch nor accepts (and so relays) one: the peers penalised are the batch's author
   *   or peers that relayed invalid content. Honest relayers of valid content are never penalised, because
   *   gossipsub ids messages by their bytes and a batch with a valid signature everywhere is another
   *   message. "accept" would forward the invalid transaction and get this node penalised by every
   *   receiver; "ignore" would let an author burn every node's CPU without cost. The valid transactions
   *   of a rejected batch are not lost: this node re-publishes the ones it admitted in its own batch.
   * - all valid, something new admitted → "accept" (forwarded as is).
   * - all valid, nothing new (duplicates; refused by state: nonce, balance, full pool) → "ignore": those
   *   refusals depend on this node's view, and a correct peer may see it otherwise.
   */
  onGossip(bytes: Uint8Array, shard: number, from = "unknown"): ValidationResult {
    let txs: Transaction[];
    try {
      txs = TransactionGossipBatch.deserialize(bytes);
    } catch {
      return "reject";
    }
    if (txs.length === 0) return "reject";
    const chain = this.shards().get(shard);
    if (!chain) return "ignore";
    const { valid, invalid } = checkGossipBatch(txs, shard, this.beacon.preset.SHARD_COUNT, chain.signatures);
    const admitted: Array<{ hash: string; tx: Transaction }> = [];
    const slot = this.currentSlot();
    const outcomes: string[] = invalid.map((i) => i.reason);
    for (const { tx, hash } of valid) {
      const added = chain.mempool.add(tx, chain.head().state, {
        slot,
        signatureVerified: true,
        txHash: hash,
      });
      outcomes.push(added.ok ? "accepted" : added.reason);
      if (!added.ok) continue;
      this.onReplacedOrEvicted(shard, added.txHash, added);
      this.markSeen(added.txHash, shard, "pending");
      admitted.push({ hash: added.txHash, tx });
    }
    this.metrics?.countReceived("gossip", outcomes);
    this.touch(
      admitted.map((a) => a.hash),
      false,
    );
    if (invalid.length === 0) return admitted.length > 0 ? "accept" : "ignore";
    this.gossipInvalid += invalid.length;
    this.log.warn(
      {
        shard,
        from,
        txs: txs.length,
        admitted: admitted.length,
        rejected: invalid.map(({ index, hash, reason }) => ({ index, hash, reason })),
      },
      "gossiped transaction batch rejected: invalid transactions named, the valid ones admitted",
    );
    for (const { tx } of admitted) this.gossip.add(shard, tx);
    return "reject";
  }

  private onReplacedOrEvicted(
    shard: number,
    hash: string,
    added: { replaced?: string; evicted?: string },
  ): void {
    const drops: DroppedTx[] = [];
    if (added.replaced)
      drops.push({
        txHash: added.replaced,
        reason: "replaced",
        message: `replaced by 0x${hash} (higher fee)`,
      });
    if (added.evicted)
      drops.push({
        txHash: added.evicted,
        reason: "evicted",
        message: `evicted from the full mempool by 0x${hash} (higher fee): resubmit with a higher fee`,
      });
    if (drops.length > 0) this.onDropped(shard, drops);
  }

  /**
   * Transactions the mempool of `shard` dropped. Those this node reported: their status becomes
   * `dropped` with the reason unless a canonical block includes them (pruning also drops the included
   * ones, whose nonce the head has used).
   */
  onDropped(shard: number, drops: readonly DroppedTx[]): void {
    const changed: string[] = [];
    for (const d of drops) {
      const k = this.known.get(d.txHash);
      if (!k || k.shard !== shard || k.dropped) continue;
      k.dropped = { code: d.reason, message: d.message };
      changed.push(d.txHash);
    }
    this.touch(changed, false);
  }

  /**
   * A beacon reorg took `shard` back to its crosslink at `slot`: an inclusion above it was settled on a
   * crosslink that is gone, so those transactions are derived again (from the database) on the new head.
   */
  private onCrosslinkReverted(shard: number, slot: number): void {
    const reopened: string[] = [];
    for (const hash of this.open) {
      const k = this.known.get(hash);
      if (k?.shard !== shard || !k.settledInclusion || k.settledInclusion.slot <= slot) continue;
      k.settledInclusion = undefined;
      reopened.push(hash);
    }
    this.touch(reopened, true);
  }

  /**
   * A shard chain event, as the chain released it (its block on disk): inclusions file and derive the
   * watched transactions they include, head changes re-check the filed blocks, drops derive the dropped.
   */
  onShardEvent(e: ShardChainEvent): void {
    if (e.type === "txs_dropped") {
      this.onDropped(e.shard, e.dropped);
      return;
    }
    if (e.type === "crosslink_reverted") {
      this.onCrosslinkReverted(e.shard, e.slot);
      return;
    }
    if (e.type === "txs_readmitted") {
      void this.publishTxs(e.shard, e.transactions);
      return;
    }
    const chain = this.shards().get(e.shard);
    if (!chain) return;
    if (e.type === "shard_block") {
      this.timeInclusions(e.shard, e.txHashes);
      this.tracker.onShardBlock(chain, e.root, e.slot, e.txHashes);
    } else this.tracker.onShardHead(chain);
  }

  /** Observes first seen (pending) → now for each transaction this node saw before a block included it. */
  private timeInclusions(shard: number, txHashes: readonly string[]): void {
    const histogram = this.metrics?.transactionInclusionSeconds;
    if (!histogram || txHashes.length === 0) return;
    const now = Date.now();
    const labels = { shard: String(shard) };
    for (const hash of txHashes) {
      const k = this.known.get(hash);
      const seen = k?.firstSeen.pending;
      if (!k || !seen || k.inclusionTimed) continue;
      k.inclusionTimed = true;
      histogram.observe(labels, Math.max(0, now - seen.time) / 1000);
    }
  }

  /**
   * A new beacon head: advances each tracked shard's crosslink watermark and finality watermark. Call it
   * before the shard chains move to the head's crosslinks (ShardChain.onCrosslinked prunes the blocks the
   * tracker tells apart there). Also forgets what closed long enough ago.
   */
  onBeaconHead(): void {
    for (const chain of this.shards().values()) this.tracker.onCrosslink(chain, chain.beaconHeadCrosslink());
    this.onFinalized();
    this.refresh();
  }

  /** The finalized checkpoint moved: crosslinked transactions at or below its crosslinks finalize. */
  onFinalized(): void {
    const { finalized } = this.crosslinkSlots();
    for (const shard of this.shards().keys()) {
      const slot = finalized[shard];
      if (slot !== undefined) this.tracker.onFinalized(shard, slot);
    }
  }

  /** Queues a status derivation of each open one of `hashes` (`readDb`: it may read the database). */
  private touch(hashes: Iterable<string>, readDb: boolean): void {
    let any = false;
    for (const hash of hashes) {
      if (!this.open.has(hash)) continue;
      this.dirty.set(hash, readDb || this.dirty.get(hash) === true);
      any = true;
    }
    if (any) this.refresh();
  }

  private markSeen(hash: string, shard: number, status: TxStatus): void {
    this.markSeenOn(this.note(hash, shard), status);
  }

  private markSeenOn(k: Known, status: TxStatus, slot?: number, crosslinkSlot?: number): void {
    if (!k.firstSeen[status]) {
      k.firstSeen[status] = {
        time: k.ephemeral && slot !== undefined ? this.slotStartMs(slot) : Date.now(),
        ...(slot === undefined ? {} : { slot }),
        ...(crosslinkSlot === undefined ? {} : { crosslinkSlot }),
      };
    }
  }

  onStatusChange(listener: (status: TxStatusView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  /**
   * Derives the statuses an event may have changed (see touch) and emits every change; forgets what closed
   * long enough ago. Serial: one run at a time, another one after it when more arrived meanwhile.
   */
  refresh(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        await this.refreshOnce();
      } while (this.refreshAgain);
    })()
      .catch((err) => this.log.warn({ err: (err as Error).message }, "transaction status refresh failed"))
      .finally(() => {
        this.refreshing = undefined;
      });
  }

  /**
   * Publishes the journaled transactions still in a mempool (after a restart, once peers are connected:
   * the re-admission happened before any peer could hear it). Returns how many went out.
   */
  async republishJournaled(): Promise<number> {
    let sent = 0;
    for (const [shard, chain] of this.shards()) {
      const txs: Transaction[] = [];
      for (const hash of this.journaled) {
        const tx = chain.mempool.get(hash);
        if (tx) txs.push(tx);
      }
      sent += await this.publishTxs(shard, txs);
    }
    return sent;
  }

  /** Gossips `txs` of `shard` in batches; returns how many reached at least one peer. */
  private async publishTxs(shard: number, txs: readonly Transaction[]): Promise<number> {
    let sent = 0;
    for (let start = 0; start < txs.length; start += MAX_GOSSIP_TXS) {
      const chunk = txs.slice(start, start + MAX_GOSSIP_TXS);
      const recipients = await this.p2p
        .publish({ kind: "shard_tx", shard }, TransactionGossipBatch.serialize(chunk))
        .catch(() => 0);
      if (recipients > 0) sent += chunk.length;
    }
    return sent;
  }

  private async flushJournal(): Promise<void> {
    if (!this.journal || this.journalForget.length === 0) return;
    const hashes = this.journalForget;
    this.journalForget = [];
    await this.journal
      .forget(hashes)
      .catch((err) =>
        this.log.warn({ err: (err as Error).message }, "could not forget journaled transactions"),
      );
  }

  /** Resolves once the refresh under way (if any) has finished. */
  async refreshed(): Promise<void> {
    await this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    this.forgetClosed();
    await this.flushJournal();
    while (this.dirty.size > 0) {
      const batch = [...this.dirty];
      this.dirty.clear();
      for (const [hash, readDb] of batch) await this.derive(hash, readDb);
    }
  }

  /** Derives one watched transaction's status, files it with the tracker and emits every new step. */
  private async derive(hash: string, readDb: boolean): Promise<void> {
    const k = this.known.get(hash);
    if (!k || !this.open.has(hash)) return;
    // Forwarded for a shard this node does not track: it can say no more than `pending` (untracked), so
    // nothing watches it (a GET still answers).
    if (!this.shards().has(k.shard)) {
      this.close(hash);
      return;
    }
    this.derivations++;
    this.onDerive?.(hash);
    let view = await this.status(hash, readDb);
    const previous = k.last ? STATUS_ORDER.indexOf(k.last) : -1;
    if (view && !readDb && (isTerminal(view.status) || STATUS_ORDER.indexOf(view.status) < previous)) {
      // From memory only, and either lower than reported (a reorg, or an inclusion that left memory before
      // the tracker settled it) or terminal, which closes the watch for good (a journaled transaction
      // re-admitted after a restart is refused when a block already used its nonce): asked once more, with
      // the database, where an older inclusion still is.
      this.derivations++;
      view = await this.status(hash, true);
    }
    if (!view || !this.open.has(hash)) return;
    this.tracker.place(hash, k.shard, {
      status: view.status,
      ...(view.included
        ? { inclusion: { slot: view.included.slot, root: view.included.blockRoot.slice(2) } }
        : {}),
    });
    if (k.last === view.status) return;
    const terminal = isTerminal(view.status);
    const current = STATUS_ORDER.indexOf(view.status);
    if (!terminal && current <= previous) return; // never report a regression
    k.last = view.status;
    if (view.status === "finalized" || terminal) this.close(hash);
    if (terminal) {
      for (const l of this.listeners) l(view);
      return;
    }
    // A status may advance several steps between two derivations: report every step, in order.
    for (let step = previous + 1; step <= current; step++) {
      const stepView = { ...view, status: STATUS_ORDER[step]! };
      for (const l of this.listeners) l(stepView);
    }
  }

  /** Entries of this service's maps (shardnet_cache_entries). */
  cacheSizes(): Record<string, number> {
    return {
      tx_known: this.known.size,
      tx_open: this.open.size,
      tx_dirty: this.dirty.size,
      tx_gossip_buffered: this.gossip.size,
      ...this.tracker.sizes(),
    };
  }

  /** Starts watching a transaction (its status changes are emitted). */
  async watch(hash: string): Promise<void> {
    const shardGuess = (await this.locate(hash))?.shard;
    if (shardGuess === undefined) return;
    this.note(hash, shardGuess);
    // Its block may have been imported before it was watched: the database is asked once.
    this.touch([hash], true);
  }

  private async locate(hash: string): Promise<{ shard: number; chain: ShardChain } | undefined> {
    for (const [shard, chain] of this.shards())
      if (chain.mempool.has(hash) || (await chain.hasIncluded(hash))) return { shard, chain };
    return undefined;
  }

  /** Status of one transaction, or undefined when this node has never heard of it. */
  async status(hash: string, readDb = true): Promise<TxStatusView | undefined> {
    const known = this.known.get(hash);
    const found = known ? undefined : await this.locate(hash);
    const shard = found?.shard ?? known?.shard;
    if (shard === undefined) return undefined;
    const chain = this.shards().get(shard);
    // A GET never registers a watch: a transaction this node does not remember is answered from the chain.
    const k: Known = known ?? { shard, firstSeen: {}, ephemeral: true };
    const headChanges = chain?.headChanges;
    // Read before the inclusion lookup, which may await the database: a block's release fills the
    // inclusion and then marks the transactions its head used as dropped, and one that lands during the
    // await must not pair "no inclusion yet" with "dropped" (the transaction was included, not dropped).
    const { dropped, rejected } = k;
    const inclusion = k.settledInclusion ?? (await chain?.canonicalInclusion(hash, readDb));
    // Settled only when read on the current head: a reorg during the read may have abandoned that block.
    const sameHead = chain?.headChanges === headChanges;
    if (inclusion && chain && sameHead && !k.settledInclusion && inclusion.slot <= chain.crosslinkedSlot()) {
      k.settledInclusion = inclusion;
    }
    const iso = (ms: number) => new Date(ms).toISOString();
    if (!inclusion || !chain) {
      if (rejected) return { hash, shard, status: "rejected", reason: rejected };
      if (dropped && chain && !chain.mempool.has(hash))
        return {
          hash,
          shard,
          status: "dropped",
          reason: dropped,
          ...(k.firstSeen.pending ? { pending: { time: iso(k.firstSeen.pending.time) } } : {}),
        };
      if (!chain?.mempool.has(hash) && !k.firstSeen.pending) return undefined;
      return {
        hash,
        shard,
        status: "pending",
        ...(chain
          ? {}
          : {
              untracked: `this node forwarded the transaction but does not track shard ${shard}: ask a node that tracks it for inclusion and finality`,
            }),
        pending: { time: iso(k.firstSeen.pending?.time ?? Date.now()) },
      };
    }
    this.markSeenOn(k, "included", inclusion.slot);
    const view: TxStatusView = {
      hash,
      shard,
      status: "included",
      ...(k.firstSeen.pending ? { pending: { time: iso(k.firstSeen.pending.time) } } : {}),
      included: {
        slot: inclusion.slot,
        blockRoot: `0x${inclusion.root}`,
        time: iso(k.firstSeen.included!.time),
      },
    };
    const crosslinks = this.crosslinkSlots();
    const headCrosslinkSlot = crosslinks.head[shard];
    if (headCrosslinkSlot !== undefined && headCrosslinkSlot >= inclusion.slot) {
      this.markSeenOn(
        k,
        "crosslinked",
        k.ephemeral ? headCrosslinkSlot : this.beacon.head().slot,
        headCrosslinkSlot,
      );
      const seen = k.firstSeen.crosslinked!;
      view.status = "crosslinked";
      view.crosslinked = {
        slot: seen.slot ?? this.beacon.head().slot,
        crosslinkSlot: seen.crosslinkSlot ?? headCrosslinkSlot,
        time: iso(seen.time),
      };
      const finalizedCrosslinkSlot = crosslinks.finalized[shard];
      if (finalizedCrosslinkSlot !== undefined && finalizedCrosslinkSlot >= inclusion.slot) {
        this.markSeenOn(
          k,
          "finalized",
          k.ephemeral
            ? this.beacon.finalizedCheckpoint().epoch * this.beacon.preset.SLOTS_PER_EPOCH
            : this.currentSlot(),
        );
        const fin = k.firstSeen.finalized!;
        view.status = "finalized";
        view.finalized = { slot: fin.slot ?? this.currentSlot(), time: iso(fin.time) };
      }
    }
    if (inclusion.receipt) {
      const destChain = this.shards().get(inclusion.receipt.dest);
      const destHeadChanges = destChain?.headChanges;
      const credit =
        k.settledCredit ?? (await destChain?.canonicalCredit(shard, inclusion.receipt.seq, readDb));
      const sameDestHead = destChain?.headChanges === destHeadChanges;
      if (
        credit &&
        destChain &&
        sameDestHead &&
        !k.settledCredit &&
        credit.slot <= destChain.crosslinkedSlot()
      ) {
        k.settledCredit = credit;
      }
      view.receipt = {
        dest: inclusion.receipt.dest,
        seq: inclusion.receipt.seq,
        amount: inclusion.receipt.amount.toString(),
        ...(credit ? { credited: { slot: credit.slot, blockRoot: `0x${credit.root}` } } : {}),
      };
    }
    return view;
  }

  private crosslinkCache?: { headRoot: string; slots: { head: number[]; finalized: number[] } };

  /**
   * Slot of each shard's crosslink in the beacon head state and in the finalized state, computed once per
   * head (the finalized checkpoint only moves with it): a status refresh asks for them once per transaction.
   */
  private crosslinkSlots(): { head: number[]; finalized: number[] } {
    const head = this.beacon.head();
    if (this.crosslinkCache?.headRoot === head.root) return this.crosslinkCache.slots;
    const finalizedEntry = this.finalizedEntry();
    const slotsOf = (list: { slot: number }[]) => list.map((c) => c.slot);
    const slots = {
      head: slotsOf(head.state.state.currentCrosslinks.getAllReadonlyValues()),
      finalized: finalizedEntry
        ? slotsOf(finalizedEntry.post.state.currentCrosslinks.getAllReadonlyValues())
        : [],
    };
    this.crosslinkCache = { headRoot: head.root, slots };
    return slots;
  }

  private finalizedEntry() {
    const finalized = this.beacon.finalizedCheckpoint();
    const rootHex = bytesToHex(finalized.root);
    return (
      this.beacon.get(/^0+$/.test(rootHex) ? this.beacon.genesisRoot : rootHex) ??
      this.beacon.canonicalAt(finalized.epoch * this.beacon.preset.SLOTS_PER_EPOCH)
    );
  }
}
