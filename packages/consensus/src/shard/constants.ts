/**
 * Static SSZ limits of the shard containers. They fix the Merkle tree depths (and with them the
 * generalized indices of proofs), so they do not depend on the preset: the preset's SHARD_COUNT and
 * MAX_TXS_PER_SHARD_BLOCK are enforced by the state transition, below these limits.
 */

import { MAX_SHARDS } from "../params/constants.js";

/** Accounts per shard state (Ethereum's VALIDATOR_REGISTRY_LIMIT). */
export const MAX_ACCOUNTS_PER_SHARD = 2 ** 40;
/** Receipts ever sent from one shard to one destination shard. */
export const MAX_RECEIPTS_PER_OUTBOX = 2 ** 32;
/** SSZ limit of a block's transaction list; the preset's MAX_TXS_PER_SHARD_BLOCK must not exceed it. */
export const MAX_TXS_PER_SHARD_BLOCK_LIMIT = 2 ** 20;
/** Deposit transactions per shard block. */
export const MAX_DEPOSITS_PER_SHARD_BLOCK = 16;
/** Incoming (cross-shard) receipts per shard block. */
export const MAX_INCOMING_RECEIPTS_PER_BLOCK = 2 ** 14;
/** Serialized size of a signed transaction (the container is fixed-size). */
export const TRANSACTION_SIZE = 20 + 20 + 8 + 8 + 8 + 32 + 64;
/**
 * Length of a receipt's Merkle branch from hash_tree_root(receipt) to an outbox root:
 * outboxes list (10 levels + length mix-in) then one outbox list (32 levels + length mix-in).
 */
// MAX_SHARDS (params/constants.ts) bounds SHARD_COUNT and sizes the outbox and inbox-cursor lists.
export const RECEIPT_BRANCH_DEPTH = Math.log2(MAX_SHARDS) + 1 + Math.log2(MAX_RECEIPTS_PER_OUTBOX) + 1;
/** Mempool: how far ahead of the account's next nonce a queued transaction may be. */
export const MAX_MEMPOOL_NONCE_AHEAD = 64;
/** Largest uint64: no balance may exceed it (genesis supply is checked against it). */
export const MAX_UINT64 = 2n ** 64n - 1n;
