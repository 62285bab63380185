import { verifyTransactionSignature } from "./transaction.js";
import type { Transaction } from "./types.js";

/** Checks transaction signatures; may answer from the transactions it verified before. */
export interface TxSignatureCheck {
  /**
   * True iff the Ed25519 signature of `tx` verifies. `txHashHex` must be transactionHash(tx) in lower-case hex
   * (addressKey / bytesToHex): it covers every field, the signature included.
   */
  verify(tx: Transaction, txHashHex: string): boolean;
}

/** Verifies every signature it is asked about and remembers none. */
export const VERIFY_EVERY_SIGNATURE: TxSignatureCheck = {
  verify: (tx) => verifyTransactionSignature(tx),
};

/**
 * Default bound of a node's VerifiedTxCache: 131,072 hashes, about 87 s of transactions at 1,500/s, beyond
 * the mempool's longest wait (4 epochs: 64 s with 2-s slots) and the finality target (3 epochs). A hash
 * evicted earlier only costs one more verification.
 */
export const VERIFIED_TX_CACHE_CAPACITY = 1 << 17;

export interface VerifiedTxCacheOptions {
  /** Most hashes held; the least recently used leaves first (default VERIFIED_TX_CACHE_CAPACITY). */
  capacity?: number;
  /** The verification itself (default verifyTransactionSignature). */
  verifySignature?: (tx: Transaction) => boolean;
}

/**
 * The hashes of the transactions whose Ed25519 signature verified on this node, so that each is verified once
 * however many paths bring it (API, gossip batches, mempool, block production, block import of either branch
 * of a fork). A transaction hash is the root of the whole signed transaction, so a hash is here only if that
 * exact signed transaction verified; a transaction that does not verify is never added. Bounded: a
 * least-recently-used set of at most `capacity` hashes.
 */
export class VerifiedTxCache implements TxSignatureCheck {
  /** Insertion order is recency order: a hit moves the hash to the end, eviction takes the first. */
  private readonly hashes = new Set<string>();
  private readonly verifySignature: (tx: Transaction) => boolean;
  readonly capacity: number;
  /** Signatures verified (the expensive part), valid or not. */
  verifications = 0;
  /** Answers given from the set without verifying. */
  hits = 0;

  constructor(options: VerifiedTxCacheOptions = {}) {
    const capacity = options.capacity ?? VERIFIED_TX_CACHE_CAPACITY;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`verified transaction cache capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.verifySignature = options.verifySignature ?? verifyTransactionSignature;
  }

  get size(): number {
    return this.hashes.size;
  }

  /** True if the transaction with this hash verified here (and is still remembered). */
  has(txHashHex: string): boolean {
    return this.hashes.has(txHashHex);
  }

  verify(tx: Transaction, txHashHex: string): boolean {
    if (this.hashes.delete(txHashHex)) {
      this.hashes.add(txHashHex);
      this.hits++;
      return true;
    }
    this.verifications++;
    if (!this.verifySignature(tx)) return false;
    this.hashes.add(txHashHex);
    if (this.hashes.size > this.capacity) {
      const oldest = this.hashes.values().next().value;
      if (oldest !== undefined) this.hashes.delete(oldest);
    }
    return true;
  }
}
