import { addressFromPubkey, ed25519Sign, ed25519Verify } from "@shardnet/crypto";
import { bytesEqual, shardOf } from "./address.js";
import { MAX_UINT64, TRANSACTION_SIZE } from "./constants.js";
import type { TxRejection, TxRejectionReason } from "./errors.js";
import type { AccountReader, ShardState } from "./state.js";
import { type Receipt, Transaction, TransactionData } from "./types.js";

export type TxCheck = { ok: true } | ({ ok: false } & TxRejection);

function reject(reason: TxRejectionReason, message: string): TxCheck {
  return { ok: false, reason, message };
}

/** The message Ed25519 signs: hash_tree_root(TransactionData) of the unsigned fields. */
export function transactionSigningRoot(tx: TransactionData): Uint8Array {
  return TransactionData.hashTreeRoot(tx);
}

/** Transaction hash: hash_tree_root of the whole signed transaction. */
export function transactionHash(tx: Transaction): Uint8Array {
  return Transaction.hashTreeRoot(tx);
}

/** Signs `data` with the Ed25519 seed `secretKey` (its public key must be `data.pubkey`). */
export function signTransaction(data: TransactionData, secretKey: Uint8Array): Transaction {
  return { ...data, signature: ed25519Sign(secretKey, transactionSigningRoot(data)) };
}

export function verifyTransactionSignature(tx: Transaction): boolean {
  return ed25519Verify(tx.pubkey, transactionSigningRoot(tx), tx.signature);
}

export type DecodeResult = { ok: true; tx: Transaction } | ({ ok: false } & TxRejection);

/** Decodes SSZ bytes of a signed transaction; the container is fixed-size, so any other length is refused. */
export function decodeTransaction(bytes: Uint8Array): DecodeResult {
  if (bytes.length > TRANSACTION_SIZE) {
    return {
      ok: false,
      reason: "oversize",
      message: `transaction is ${bytes.length} bytes, max ${TRANSACTION_SIZE}`,
    };
  }
  if (bytes.length < TRANSACTION_SIZE) {
    return {
      ok: false,
      reason: "malformed",
      message: `transaction is ${bytes.length} bytes, expected exactly ${TRANSACTION_SIZE}`,
    };
  }
  try {
    return { ok: true, tx: Transaction.deserialize(bytes) };
  } catch (e) {
    return {
      ok: false,
      reason: "malformed",
      message: `transaction does not decode: ${(e as Error).message}`,
    };
  }
}

const TRANSACTION_JSON_FIELDS = ["from", "to", "amount", "nonce", "fee", "pubkey", "signature"] as const;
const HEX_FIELD_BYTES: Record<string, number> = { from: 20, to: 20, pubkey: 32, signature: 64 };

/** Why `value` is not a uint64 decimal string (or safe integer), or null when it is one. */
function uint64FieldProblem(field: string, value: unknown, safeInteger: boolean): string | null {
  const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== "string" || !/^[0-9]{1,20}$/.test(text)) {
    return `${field} must be a non-negative integer as a decimal string, got ${JSON.stringify(value)}`;
  }
  if (BigInt(text) > MAX_UINT64) return `${field} ${text} does not fit in uint64 (max ${MAX_UINT64})`;
  if (safeInteger && !Number.isSafeInteger(Number(text))) return `${field} ${text} is above 2^53-1`;
  return null;
}

/** Decodes the JSON form (hex bytes, decimal strings); refuses unknown, missing or out-of-range fields by name. */
export function transactionFromJson(json: unknown): DecodeResult {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, reason: "malformed", message: "transaction must be a JSON object" };
  }
  const keys = Object.keys(json);
  const unknown = keys.filter((k) => !(TRANSACTION_JSON_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    return {
      ok: false,
      reason: "unknown_fields",
      message: `unknown transaction fields: ${unknown.join(", ")}`,
    };
  }
  const missing = TRANSACTION_JSON_FIELDS.filter((k) => !keys.includes(k));
  if (missing.length > 0) {
    return { ok: false, reason: "malformed", message: `missing transaction fields: ${missing.join(", ")}` };
  }
  const record = json as Record<string, unknown>;
  for (const [field, bytes] of Object.entries(HEX_FIELD_BYTES)) {
    const value = record[field];
    if (typeof value !== "string" || !new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(value)) {
      return {
        ok: false,
        reason: "malformed",
        message: `${field} must be 0x-prefixed hex of ${bytes} bytes, got ${JSON.stringify(value)}`,
      };
    }
  }
  for (const field of ["amount", "fee", "nonce"] as const) {
    const problem = uint64FieldProblem(field, record[field], field === "nonce");
    if (problem) return { ok: false, reason: "malformed", message: problem };
  }
  try {
    return { ok: true, tx: Transaction.fromJson(json) };
  } catch (e) {
    return { ok: false, reason: "malformed", message: `bad transaction field: ${(e as Error).message}` };
  }
}

export interface TxValidationOptions {
  shardCount: number;
  /** True when these exact bytes (same tx hash) were already verified, e.g. by the mempool. */
  signatureVerified?: boolean;
  /** How the signature is checked when not `signatureVerified` (default verifyTransactionSignature). */
  verifySignature?: (tx: Transaction) => boolean;
}

/** The first check of every admission path (block, mempool, forwarding): amount > 0, amount and fee uint64. */
export function checkAmounts(tx: Pick<Transaction, "amount" | "fee">): TxCheck {
  if (tx.amount === 0n) return reject("zero_amount", "amount must be > 0");
  if (tx.amount < 0n || tx.fee < 0n || tx.amount > MAX_UINT64 || tx.fee > MAX_UINT64) {
    return reject("malformed", "amount and fee must be uint64 values");
  }
  return { ok: true };
}

/** That `from` is the address of `pubkey`: every admission path checks it (block, mempool, forwarding). */
export function checkSenderKey(tx: Pick<Transaction, "from" | "pubkey">): TxCheck {
  if (!bytesEqual(addressFromPubkey(tx.pubkey), tx.from)) {
    return reject("pubkey_mismatch", "from is not the address of pubkey (sha256(pubkey)[0:20])");
  }
  return { ok: true };
}

/**
 * Checks everything but the signature, cheapest first: amount, shard, pubkey ↔ from, nonce, balance, and
 * (intra-shard) that the credit fits in uint64. Reads the state, never writes it.
 */
export function checkTransactionAgainstState(
  tx: Transaction,
  state: AccountReader,
  shardCount: number,
): TxCheck {
  const amounts = checkAmounts(tx);
  if (!amounts.ok) return amounts;
  const senderShard = shardOf(tx.from, shardCount);
  if (senderShard !== state.shard) {
    return reject("wrong_shard", `sender lives on shard ${senderShard}, not ${state.shard}: submit it there`);
  }
  const senderKey = checkSenderKey(tx);
  if (!senderKey.ok) return senderKey;
  const sender = state.getAccount(tx.from);
  const expectedNonce = sender === undefined ? 0 : sender.nonce;
  if (tx.nonce < expectedNonce) {
    return reject("nonce_replay", `nonce ${tx.nonce} already used: next nonce is ${expectedNonce}`);
  }
  if (tx.nonce > expectedNonce) {
    return reject("nonce_gap", `nonce ${tx.nonce} is ahead of the next nonce ${expectedNonce}`);
  }
  const balance = sender === undefined ? 0n : sender.balance;
  if (balance < tx.amount + tx.fee) {
    return reject("insufficient_balance", `balance ${balance} < amount ${tx.amount} + fee ${tx.fee}`);
  }
  return { ok: true };
}

/** Full validation of `tx` against `state` (signature last, skipped when already verified). */
export function validateTransaction(
  tx: Transaction,
  state: ShardState,
  options: TxValidationOptions,
): TxCheck {
  const check = checkTransactionAgainstState(tx, state, options.shardCount);
  if (!check.ok) return check;
  if (shardOf(tx.to, options.shardCount) === state.shard && !bytesEqual(tx.to, tx.from)) {
    if (!state.canCredit(tx.to, tx.amount))
      return reject("balance_overflow", "recipient balance would exceed 2^64-1");
  }
  if (!options.signatureVerified && !(options.verifySignature ?? verifyTransactionSignature)(tx)) {
    return reject("bad_signature", "Ed25519 signature does not verify over hash_tree_root(TransactionData)");
  }
  return { ok: true };
}

/** What executing one transaction produced: the receipt it sent, if it went to another shard. */
export interface TxEffect {
  receipt: Receipt | null;
}

/**
 * Executes a transaction that `validateTransaction` accepted: debits amount + fee, bumps the nonce, burns the
 * fee, then credits the recipient (same shard) or appends a receipt to outbox[dest] (other shard).
 */
export function applyTransaction(
  state: ShardState,
  tx: Transaction,
  txHash: Uint8Array,
  shardCount: number,
): TxEffect {
  const senderIndex = state.indexOf(tx.from);
  if (senderIndex === undefined) throw new Error("internal: applyTransaction on a sender without account");
  state.debitAndBumpNonce(senderIndex, tx.amount + tx.fee);
  state.burnFee(tx.fee);
  const dest = shardOf(tx.to, shardCount);
  if (dest === state.shard) {
    if (!state.credit(tx.to, tx.amount)) throw new Error("internal: credit overflow after validation");
    return { receipt: null };
  }
  const receipt: Receipt = {
    source: state.shard,
    dest,
    seq: state.outboxLength(dest),
    from: tx.from,
    to: tx.to,
    amount: tx.amount,
    txHash,
  };
  state.appendReceipt(receipt);
  return { receipt };
}

/** Transactions whose accounts `prefetchForTransactions` reads ahead at once. */
const PREFETCH_WINDOW = 32;

/**
 * Call before executing `txs[i]`: every PREFETCH_WINDOW transactions, reads ahead the accounts of the next
 * window's senders and recipients in one batch (AccountStore.prefetchAddresses), so that on a state larger
 * than the CPU cache their cache misses overlap. Measured with 5,000 transfers on 1M accounts: execution
 * 6.8–6.9 ms without it, 5.5–5.8 ms with it, against 6.9–7.0 ms reading two accounts four transactions ahead
 * of each; windows of 16 to 64 measured alike. Reads only.
 */
export function prefetchForTransactions(state: ShardState, txs: readonly Transaction[], i: number): void {
  if (i % PREFETCH_WINDOW !== 0) return;
  const end = Math.min(txs.length, i + PREFETCH_WINDOW);
  const addresses: Uint8Array[] = [];
  for (let k = i; k < end; k++) addresses.push(txs[k].from, txs[k].to);
  state.accounts.prefetchAddresses(addresses);
}

/** Validates then executes; on rejection the state is untouched. */
export function processTransaction(
  state: ShardState,
  tx: Transaction,
  options: TxValidationOptions & { txHash?: Uint8Array },
): ({ ok: true; txHash: Uint8Array } & TxEffect) | ({ ok: false } & TxRejection) {
  const check = validateTransaction(tx, state, options);
  if (!check.ok) return check;
  const txHash = options.txHash ?? transactionHash(tx);
  return { ok: true, txHash, ...applyTransaction(state, tx, txHash, options.shardCount) };
}
