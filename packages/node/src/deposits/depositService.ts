import {
  buildReceiptProofs,
  type CachedBeaconState,
  checkDepositSignatures,
  DepositTransaction,
  type DepositTransactionValue,
  type DepositValue,
  depositAmountProblem,
  depositTransactionHash,
  MAX_DEPOSITS,
  registeredIndex,
  shardOf,
  validateDepositTransaction,
} from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import type { Logger } from "pino";
import type { BeaconChain } from "../chain/beaconChain.js";
import type { ShardBlockEntry, ShardChain } from "../chain/shardChain.js";

/** Most deposit transactions pooled at once (over every shard); a full pool refuses more until some leave. */
export const MAX_PENDING_DEPOSITS = 1024;
/**
 * Epochs a pooled deposit waits for a shard block before it is dropped (a deposit of a shard this node does not
 * track never leaves otherwise; the sender sends it again).
 */
export const PENDING_DEPOSIT_EPOCHS = 8;

/** Why a deposit transaction is not pooled: `invalid` (the sender's fault), `known`, `stale` or `full`. */
export interface DepositRefusal {
  kind: "invalid" | "stale" | "full";
  code: string;
  message: string;
}

export type DepositSubmission = { status: "pooled" | "known"; hash: string } | DepositRefusal;

export interface DepositServiceDeps {
  beacon: BeaconChain;
  shards: () => ReadonlyMap<number, ShardChain>;
  log: Logger;
}

/**
 * Deposits on their way from a shard balance to the beacon registry (issue 18):
 * - admission (API and the `deposit` gossip topic): one check for both; the state checks run on the head of the
 *   sender's shard when this node tracks it, the signatures and amount always;
 * - a pool the shard proposer takes its block's deposits from (pruned as senders' nonces pass them);
 * - for the beacon proposer: each tracked shard's deposits above the head's deposit cursor, proven against the
 *   shard's current crosslink, with their transactions read from the shard blocks this node holds.
 */
export class DepositService {
  /** Pooled deposits by hash, with the beacon head slot they arrived at. */
  private readonly pending = new Map<string, { tx: DepositTransactionValue; slot: number }>();

  constructor(private readonly d: DepositServiceDeps) {}

  get size(): number {
    return this.pending.size;
  }

  /** Checks `tx` and pools it. Never throws on bad input. */
  add(tx: DepositTransactionValue): DepositSubmission {
    const { beacon } = this.d;
    const hash = bytesToHex(depositTransactionHash(tx));
    if (this.pending.has(hash)) return { status: "known", hash };
    const amountProblem = depositAmountProblem(tx.deposit.amount);
    if (amountProblem) return { kind: "invalid", code: "DEPOSIT_AMOUNT", message: amountProblem };
    const pubkeyHex = bytesToHex(tx.deposit.pubkey);
    if (this.isRegistered(tx.deposit.pubkey))
      return {
        kind: "invalid",
        code: "DEPOSIT_DUPLICATE_PUBKEY",
        message: `validator key 0x${pubkeyHex} is already registered: a key deposits once (use a new key from \`validator keys new\`)`,
      };
    this.dropExpired();
    for (const { tx: other } of this.pending.values())
      if (bytesToHex(other.deposit.pubkey) === pubkeyHex)
        return {
          kind: "invalid",
          code: "DEPOSIT_DUPLICATE_PUBKEY",
          message: `a deposit for validator key 0x${pubkeyHex} is already pending`,
        };
    const genesisRoot = beacon.networkRoot;
    const chain = this.d.shards().get(shardOf(tx.from, beacon.preset.SHARD_COUNT));
    // A tracked shard: every rule against its head; otherwise the signatures only (the shard's nodes check the rest).
    const check = chain
      ? validateDepositTransaction(tx, chain.head().state, {
          shardCount: beacon.preset.SHARD_COUNT,
          genesisRoot,
          bls: beacon.bls,
        })
      : checkDepositSignatures(tx, { genesisRoot, bls: beacon.bls });
    if (!check.ok) {
      const stale = check.reason === "nonce_replay";
      return {
        kind: stale ? "stale" : "invalid",
        code: `DEPOSIT_${check.reason.toUpperCase()}`,
        message: check.message,
      };
    }
    if (this.pending.size >= MAX_PENDING_DEPOSITS)
      return {
        kind: "full",
        code: "DEPOSIT_POOL_FULL",
        message: `${MAX_PENDING_DEPOSITS} deposits are pending: retry later`,
      };
    this.pending.set(hash, { tx, slot: beacon.head().slot });
    this.d.log.info(
      { hash, pubkey: pubkeyHex, amount: String(tx.deposit.amount), from: bytesToHex(tx.from) },
      "deposit pooled",
    );
    return { status: "pooled", hash };
  }

  /** Pooled deposits of `chain`'s shard its next block may include, by sender and nonce; drops included ones. */
  forShardBlock(chain: ShardChain): DepositTransactionValue[] {
    const head = chain.head().state;
    const shardCount = this.d.beacon.preset.SHARD_COUNT;
    this.dropExpired();
    const out: DepositTransactionValue[] = [];
    for (const [hash, { tx }] of this.pending) {
      if (shardOf(tx.from, shardCount) !== chain.shard) continue;
      if (tx.nonce < (head.getAccount(tx.from)?.nonce ?? 0)) {
        this.pending.delete(hash);
        continue;
      }
      out.push(tx);
    }
    return out.sort((a, b) => bytesToHex(a.from).localeCompare(bytesToHex(b.from)) || a.nonce - b.nonce);
  }

  /**
   * The deposits a beacon block on `pre` can register: for every tracked shard, those from its deposit cursor
   * on, proven against its current crosslink (processed before the block's crosslinks), at most MAX_DEPOSITS.
   */
  forBeaconBlock(pre: CachedBeaconState): DepositValue[] {
    const out: DepositValue[] = [];
    for (const [shard, chain] of this.d.shards()) {
      if (out.length >= MAX_DEPOSITS) break;
      try {
        out.push(...this.provenDeposits(pre, shard, chain, MAX_DEPOSITS - out.length));
      } catch (err) {
        this.d.log.warn({ shard, err: (err as Error).message }, "cannot prove this shard's deposits");
      }
    }
    return out;
  }

  private provenDeposits(
    pre: CachedBeaconState,
    shard: number,
    chain: ShardChain,
    room: number,
  ): DepositValue[] {
    const crosslink = pre.state.currentCrosslinks.getReadonly(shard).toValue();
    const entry = chain.get(bytesToHex(crosslink.shardBlockRoot));
    if (!entry) return [];
    const beaconOutbox = entry.state.beaconOutbox;
    const cursor = pre.state.depositCursors.get(shard);
    const count = entry.state.outboxLength(beaconOutbox);
    if (count <= cursor) return [];
    const bodies = depositBodies(chain, entry, cursor);
    const seqs: number[] = [];
    for (let seq = cursor; seq < count && seqs.length < room && bodies.has(seq); seq++) seqs.push(seq);
    if (seqs.length === 0) return [];
    const proofs = buildReceiptProofs(entry.state, chain.receiptLog(), beaconOutbox, seqs, crosslink);
    return proofs.map((proof, i) => ({ transaction: bodies.get(seqs[i]!)!, branch: proof.branch }));
  }

  private dropExpired(): void {
    const oldest = this.d.beacon.head().slot - PENDING_DEPOSIT_EPOCHS * this.d.beacon.preset.SLOTS_PER_EPOCH;
    for (const [hash, { slot }] of this.pending) if (slot < oldest) this.pending.delete(hash);
  }

  private isRegistered(pubkey: Uint8Array): boolean {
    return registeredIndex(this.d.beacon.head().state, pubkey) !== undefined;
  }
}

/**
 * The deposit transactions behind receipts `cursor`.. of the beacon outbox at `entry`, by sequence number, read
 * from the blocks of `chain` from `entry` back (each block's deposits sent its last beacon-outbox receipts, in
 * order). Stops at the first block this node no longer holds.
 */
function depositBodies(
  chain: ShardChain,
  from: ShardBlockEntry,
  cursor: number,
): Map<number, DepositTransactionValue> {
  const bodies = new Map<number, DepositTransactionValue>();
  let entry: ShardBlockEntry | undefined = from;
  while (entry && entry.state.outboxLength(entry.state.beaconOutbox) > cursor) {
    const deposits = entry.signed?.message.body.deposits ?? [];
    const receipts = entry.receiptsSent.filter((r) => r.dest === entry!.state.beaconOutbox);
    if (deposits.length !== receipts.length) break;
    receipts.forEach((receipt, i) => {
      const tx = deposits[i]!;
      if (bytesToHex(receipt.txHash) === bytesToHex(DepositTransaction.hashTreeRoot(tx)))
        bodies.set(receipt.seq, tx);
    });
    entry = chain.get(entry.parentRoot);
  }
  return bodies;
}
