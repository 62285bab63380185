import { addressKey, shardOf } from "./address.js";
import { MAX_MEMPOOL_NONCE_AHEAD } from "./constants.js";
import type { TxRejectionReason } from "./errors.js";
import { BinaryHeap } from "./heap.js";
import type { AccountReader } from "./state.js";
import { checkAmounts, checkSenderKey, transactionHash } from "./transaction.js";
import type { Transaction } from "./types.js";
import { type TxSignatureCheck, VERIFY_EVERY_SIGNATURE } from "./verifiedTxs.js";

export type MempoolRejectionReason =
  | TxRejectionReason
  | "duplicate"
  | "underpriced_replacement"
  | "mempool_full";

/** Why an admitted transaction left the pool without being included. */
export type MempoolDropReason = "replaced" | "evicted" | "nonce_replay" | "nonce_gap" | "expired";

/** A transaction the pool dropped: it will not be included unless it is submitted again. */
export interface DroppedTx {
  txHash: string;
  reason: MempoolDropReason;
  message: string;
}

export type MempoolAddResult =
  | { ok: true; txHash: string; replaced?: string; evicted?: string }
  | { ok: false; reason: MempoolRejectionReason; message: string; txHash: string };

export interface MempoolOptions {
  shard: number;
  shardCount: number;
  /** Most transactions held at once; when full, the lowest fee is evicted for a higher one. */
  capacity: number;
  /** How far past the account's next nonce a transaction may be queued (default MAX_MEMPOOL_NONCE_AHEAD). */
  maxNonceAhead?: number;
  /** How signatures are checked (default: each verified): a node shares one VerifiedTxCache across its paths. */
  signatures?: TxSignatureCheck;
}

interface Entry {
  tx: Transaction;
  hash: string;
  sender: string;
  arrival: number;
  /** Slot at which the pool admitted it (expiry). */
  admittedSlot: number;
}

/** Evicted first: lowest fee, then the newest arrival. */
function evictsBefore(a: Entry, b: Entry): boolean {
  return a.tx.fee < b.tx.fee || (a.tx.fee === b.tx.fee && a.arrival > b.arrival);
}

/**
 * Pending transactions of one shard, a pure data structure (no timers): deduplicated by hash, queued per
 * sender by nonce, replaceable by a higher fee for the same sender and nonce, bounded with lowest-fee
 * eviction. Every transaction held had its signature verified, so `verifiedTxHashes` can be handed to block
 * import to skip verifying the same bytes again.
 */
export class Mempool {
  private readonly byHash = new Map<string, Entry>();
  private readonly bySender = new Map<string, Map<number, Entry>>();
  private readonly evictionHeap = new BinaryHeap<Entry>(evictsBefore);
  private arrivals = 0;
  private readonly maxNonceAhead: number;
  private readonly signatures: TxSignatureCheck;

  constructor(private readonly options: MempoolOptions) {
    if (!Number.isSafeInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`mempool capacity must be a positive integer, got ${options.capacity}`);
    }
    this.maxNonceAhead = options.maxNonceAhead ?? MAX_MEMPOOL_NONCE_AHEAD;
    this.signatures = options.signatures ?? VERIFY_EVERY_SIGNATURE;
  }

  get size(): number {
    return this.byHash.size;
  }

  has(txHashHex: string): boolean {
    return this.byHash.has(txHashHex);
  }

  get(txHashHex: string): Transaction | undefined {
    return this.byHash.get(txHashHex)?.tx;
  }

  /** Hashes whose signatures this pool verified (for processShardBlock's `verifiedTxHashes`). */
  get verifiedTxHashes(): { has(txHashHex: string): boolean } {
    return this.byHash;
  }

  /**
   * Admits `tx` if it could execute on `state` now or after the sender's queued nonces. Checks cheapest
   * first and the signature last (skipped when `signatureVerified`).
   */
  add(
    tx: Transaction,
    state: AccountReader,
    {
      signatureVerified = false,
      slot = 0,
      txHash,
    }: {
      signatureVerified?: boolean;
      slot?: number;
      /** transactionHash(tx) in hex when the caller has just computed it (gossip batch check): not hashed again. */
      txHash?: string;
    } = {},
  ): MempoolAddResult {
    const hash = txHash ?? addressKey(transactionHash(tx));
    const refuse = (reason: MempoolRejectionReason, message: string): MempoolAddResult => ({
      ok: false,
      reason,
      message,
      txHash: hash,
    });
    if (this.byHash.has(hash)) return refuse("duplicate", "transaction already in the mempool");
    const amounts = checkAmounts(tx);
    if (!amounts.ok) return refuse(amounts.reason, amounts.message);
    const senderShard = shardOf(tx.from, this.options.shardCount);
    if (senderShard !== this.options.shard) {
      return refuse(
        "wrong_shard",
        `sender lives on shard ${senderShard}, not ${this.options.shard}: submit it there`,
      );
    }
    const senderKey = checkSenderKey(tx);
    if (!senderKey.ok) return refuse(senderKey.reason, senderKey.message);
    const account = state.getAccount(tx.from);
    const nextNonce = account?.nonce ?? 0;
    if (tx.nonce < nextNonce)
      return refuse("nonce_replay", `nonce ${tx.nonce} already used: next is ${nextNonce}`);
    if (tx.nonce > nextNonce + this.maxNonceAhead) {
      return refuse(
        "nonce_gap",
        `nonce ${tx.nonce} is more than ${this.maxNonceAhead} ahead of the next ${nextNonce}`,
      );
    }
    const balance = account?.balance ?? 0n;
    if (balance < tx.amount + tx.fee) {
      return refuse("insufficient_balance", `balance ${balance} < amount ${tx.amount} + fee ${tx.fee}`);
    }
    const sender = addressKey(tx.from);
    const existing = this.bySender.get(sender)?.get(tx.nonce);
    if (existing !== undefined && tx.fee <= existing.tx.fee) {
      return refuse("underpriced_replacement", `a replacement needs a fee above ${existing.tx.fee}`);
    }
    const cheapest =
      existing === undefined && this.byHash.size >= this.options.capacity ? this.peekCheapest() : undefined;
    if (cheapest !== undefined && tx.fee <= cheapest.tx.fee) {
      return refuse("mempool_full", `mempool is full: fee must exceed ${cheapest.tx.fee}`);
    }
    if (!signatureVerified && !this.signatures.verify(tx, hash)) {
      return refuse(
        "bad_signature",
        "Ed25519 signature does not verify over hash_tree_root(TransactionData)",
      );
    }
    if (existing !== undefined) this.removeEntry(existing);
    if (cheapest !== undefined) this.removeEntry(cheapest);
    const entry: Entry = { tx, hash, sender, arrival: this.arrivals++, admittedSlot: slot };
    this.byHash.set(hash, entry);
    let queue = this.bySender.get(sender);
    if (queue === undefined) {
      queue = new Map();
      this.bySender.set(sender, queue);
    }
    queue.set(tx.nonce, entry);
    this.evictionHeap.push(entry);
    return {
      ok: true,
      txHash: hash,
      ...(existing ? { replaced: existing.hash } : {}),
      ...(cheapest ? { evicted: cheapest.hash } : {}),
    };
  }

  /**
   * Up to `max` transactions that execute in sequence on `state`: each sender's consecutive nonces from its
   * next nonce while its balance covers them, senders interleaved by fee (highest first, then arrival).
   */
  selectForBlock(state: AccountReader, max: number): Transaction[] {
    interface Head {
      entry: Entry;
      queue: Map<number, Entry>;
      balance: bigint;
    }
    const heads = new BinaryHeap<Head>(
      (a, b) =>
        a.entry.tx.fee > b.entry.tx.fee ||
        (a.entry.tx.fee === b.entry.tx.fee && a.entry.arrival < b.entry.arrival),
    );
    for (const queue of this.bySender.values()) {
      const first = queue.values().next().value;
      if (first === undefined) continue;
      const account = state.getAccount(first.tx.from);
      const entry = queue.get(account?.nonce ?? 0);
      if (entry !== undefined) heads.push({ entry, queue, balance: account?.balance ?? 0n });
    }
    const selected: Transaction[] = [];
    while (selected.length < max) {
      const head = heads.pop();
      if (head === undefined) break;
      const { tx } = head.entry;
      const cost = tx.amount + tx.fee;
      if (head.balance < cost) continue;
      selected.push(tx);
      const next = head.queue.get(tx.nonce + 1);
      if (next !== undefined) heads.push({ entry: next, queue: head.queue, balance: head.balance - cost });
    }
    return selected;
  }

  /** The nonce a new transaction from `address` should use: the state's next nonce past the queued run. */
  pendingNonce(state: AccountReader, address: Uint8Array): number {
    let nonce = state.getAccount(address)?.nonce ?? 0;
    const queue = this.bySender.get(addressKey(address));
    if (queue === undefined) return nonce;
    while (queue.has(nonce)) nonce++;
    return nonce;
  }

  /** Removes transactions by hex hash (e.g. those included in an imported block). */
  removeIncluded(txHashesHex: Iterable<string>): void {
    for (const hash of txHashesHex) {
      const entry = this.byHash.get(hash);
      if (entry !== undefined) this.removeEntry(entry);
    }
  }

  /** Drops every transaction whose nonce `state` has already used (another transaction took the nonce). */
  pruneStale(state: AccountReader): DroppedTx[] {
    const dropped: DroppedTx[] = [];
    for (const queue of [...this.bySender.values()]) {
      const first = queue.values().next().value;
      if (first === undefined) continue;
      const nextNonce = state.getAccount(first.tx.from)?.nonce ?? 0;
      for (const entry of [...queue.values()]) {
        if (entry.tx.nonce < nextNonce) {
          this.removeEntry(entry);
          dropped.push({
            txHash: entry.hash,
            reason: "nonce_replay",
            message: `nonce ${entry.tx.nonce} was used by another transaction: the account's next nonce is ${nextNonce}`,
          });
        }
      }
    }
    return dropped;
  }

  /**
   * Drops every transaction admitted more than `maxWaitSlots` before `slot` that cannot execute on `state`
   * as things stand: behind a nonce gap (`nonce_gap`: an earlier nonce never arrived) or past what the
   * sender's balance covers (`expired`). Executable ones stay however long blocks are full. Nothing
   * admitted stays pending forever.
   */
  expireStuck(state: AccountReader, slot: number, maxWaitSlots: number): DroppedTx[] {
    const dropped: DroppedTx[] = [];
    for (const queue of [...this.bySender.values()]) {
      const first = queue.values().next().value;
      if (first === undefined) continue;
      const account = state.getAccount(first.tx.from);
      // The executable run: consecutive nonces from the next one while the balance covers them.
      let nonce = account?.nonce ?? 0;
      let balance = account?.balance ?? 0n;
      for (
        let e = queue.get(nonce);
        e !== undefined && balance >= e.tx.amount + e.tx.fee;
        e = queue.get(nonce)
      ) {
        balance -= e.tx.amount + e.tx.fee;
        nonce++;
      }
      // What stops the run: the transaction at `nonce` exists but is not covered, or `nonce` is missing.
      const gap = queue.has(nonce) ? -1 : nonce;
      for (const entry of [...queue.values()]) {
        const waited = slot - entry.admittedSlot;
        if (entry.tx.nonce < nonce || waited <= maxWaitSlots) continue;
        this.removeEntry(entry);
        dropped.push(
          gap >= 0
            ? {
                txHash: entry.hash,
                reason: "nonce_gap",
                message: `waited ${waited} slots for nonce ${gap}, which never arrived: send nonce ${gap}, then this one again`,
              }
            : {
                txHash: entry.hash,
                reason: "expired",
                message: `waited ${waited} slots, and the sender's balance does not cover it after its earlier nonces: submit it again`,
              },
        );
      }
    }
    return dropped;
  }

  private peekCheapest(): Entry | undefined {
    for (;;) {
      const top = this.evictionHeap.peek();
      if (top === undefined || this.byHash.get(top.hash) === top) return top;
      this.evictionHeap.pop();
    }
  }

  private removeEntry(entry: Entry): void {
    this.byHash.delete(entry.hash);
    const queue = this.bySender.get(entry.sender);
    queue?.delete(entry.tx.nonce);
    if (queue !== undefined && queue.size === 0) this.bySender.delete(entry.sender);
    // Lazy deletion: stale heap entries are skipped, and compacted when they outnumber live ones.
    if (this.evictionHeap.size > 2 * this.byHash.size + 1024) {
      this.evictionHeap.retain((e) => this.byHash.get(e.hash) === e);
    }
  }
}
