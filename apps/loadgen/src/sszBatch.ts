/**
 * The SSZ body of `POST /v1/transactions` (content-type application/octet-stream): List[Transaction, 1000].
 * The node decodes it without JSON parsing or hex decoding, which is why the load generator sends it.
 */
import { type Transaction, Transactions } from "@shardnet/consensus";

/** Most transactions the node takes in one POST (MAX_TX_BATCH of packages/node's nodeRoutes.ts). */
export const MAX_TX_BATCH = 1000;

/**
 * SSZ List[Transaction, MAX_TX_BATCH] of `txs`. A list's limit only bounds its length and its Merkle depth,
 * not its serialization (fixed-size elements back to back), so consensus' `Transactions` list type writes
 * the same bytes; the length is checked against the node's limit here.
 */
export function encodeTransactionBatch(txs: readonly Transaction[]): Uint8Array {
  if (txs.length === 0 || txs.length > MAX_TX_BATCH)
    throw new RangeError(`a batch holds 1..${MAX_TX_BATCH} transactions, got ${txs.length}`);
  return Transactions.serialize(txs as Transaction[]);
}

/** Decodes a batch body (the node's side; here for tests and symmetry). */
export function decodeTransactionBatch(bytes: Uint8Array): Transaction[] {
  return Transactions.deserialize(bytes);
}
