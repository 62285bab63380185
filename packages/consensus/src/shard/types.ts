import type { ValueOf } from "@chainsafe/ssz";
import {
  ByteVectorType,
  ContainerNodeStructType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  VectorCompositeType,
} from "@chainsafe/ssz";
import { MAX_SHARDS } from "../params/constants.js";
import { DepositTransaction } from "../types/deposit.js";
import {
  BLSSignature,
  Bytes20,
  Bytes32,
  Gwei,
  Root,
  ShardNumber,
  Slot,
  Uint64,
} from "../types/primitives.js";
import { ShardBlockHeader } from "../types/shardHeader.js";
import {
  MAX_ACCOUNTS_PER_SHARD,
  MAX_DEPOSITS_PER_SHARD_BLOCK,
  MAX_INCOMING_RECEIPTS_PER_BLOCK,
  MAX_RECEIPTS_PER_OUTBOX,
  MAX_TXS_PER_SHARD_BLOCK_LIMIT,
  RECEIPT_BRANCH_DEPTH,
} from "./constants.js";

export const Bytes64 = new ByteVectorType(64);

/** A shard account. The address is part of the leaf so an inclusion proof also proves whose account it is. */
export const Account = new ContainerNodeStructType(
  { address: Bytes20, balance: Gwei, nonce: Uint64 },
  { typeName: "Account", jsonCase: "eth2" },
);
export type Account = ValueOf<typeof Account>;

/** The signed part of a transaction: Ed25519 signs hash_tree_root(TransactionData). */
export const TransactionData = new ContainerType(
  { from: Bytes20, to: Bytes20, amount: Gwei, nonce: Uint64, fee: Gwei, pubkey: Bytes32 },
  { typeName: "TransactionData", jsonCase: "eth2" },
);
export type TransactionData = ValueOf<typeof TransactionData>;

/** A signed transfer. Its hash is hash_tree_root(Transaction) (covers the signature). */
export const Transaction = new ContainerType(
  { from: Bytes20, to: Bytes20, amount: Gwei, nonce: Uint64, fee: Gwei, pubkey: Bytes32, signature: Bytes64 },
  { typeName: "Transaction", jsonCase: "eth2" },
);
export type Transaction = ValueOf<typeof Transaction>;

/** A cross-shard credit owed by `source` to `dest`, the `seq`-th receipt in outbox[dest] of `source`. */
export const Receipt = new ContainerType(
  {
    source: ShardNumber,
    dest: ShardNumber,
    seq: Uint64,
    from: Bytes20,
    to: Bytes20,
    amount: Gwei,
    txHash: Root,
  },
  { typeName: "Receipt", jsonCase: "eth2" },
);
export type Receipt = ValueOf<typeof Receipt>;

/**
 * The receipts sent to one destination shard, as the list whose hash_tree_root is the outbox's root. Only the
 * proof layout uses it (receiptGindex): the state keeps an OutboxAccumulator, not the receipts.
 */
export const Outbox = new ListCompositeType(Receipt, MAX_RECEIPTS_PER_OUTBOX, { typeName: "Outbox" });
/** outbox[dest] for every dest < SHARD_COUNT as lists; its root is a block's `outboxRoot` (proof layout). */
export const Outboxes = new ListCompositeType(Outbox, MAX_SHARDS, { typeName: "Outboxes" });

/**
 * outbox[dest] in the state (DESIGN.md §3): an append-only incremental Merkle list with its count. `branch`
 * holds one node per level (the deposit contract's accumulator, see outboxAccumulator.ts), and the outbox's
 * root is that of the Outbox list of the receipts sent, so the state's size does not grow with them.
 * `sentAmount` is the sum of their amounts (receipts in flight = sent − credited at the destination).
 */
export const OutboxAccumulator = new ContainerType(
  {
    count: Uint64,
    sentAmount: Gwei,
    branch: new VectorCompositeType(Bytes32, Math.log2(MAX_RECEIPTS_PER_OUTBOX)),
  },
  { typeName: "OutboxAccumulator", jsonCase: "eth2" },
);
export type OutboxAccumulator = ValueOf<typeof OutboxAccumulator>;
export const OutboxAccumulators = new ListCompositeType(OutboxAccumulator, MAX_SHARDS, {
  typeName: "OutboxAccumulators",
});
/** inboxCursors[source]: next receipt sequence number expected from `source`. */
export const InboxCursors = new ListBasicType(Uint64, MAX_SHARDS, { typeName: "InboxCursors" });
/** creditedAmounts[source]: sum of the receipts from `source` credited so far. */
export const CreditedAmounts = new ListBasicType(Gwei, MAX_SHARDS, { typeName: "CreditedAmounts" });
export const Accounts = new ListCompositeType(Account, MAX_ACCOUNTS_PER_SHARD, { typeName: "Accounts" });

/**
 * The state of one shard. Accounts live in first-seen order (address → index map kept beside the tree),
 * so a block re-hashes only the paths of the accounts it touches.
 */
export const ShardStateType = new ContainerType(
  {
    shard: ShardNumber,
    /** Slot of the last block applied (0 at genesis). */
    slot: Slot,
    accounts: Accounts,
    outboxes: OutboxAccumulators,
    inboxCursors: InboxCursors,
    creditedAmounts: CreditedAmounts,
    /** Sum of every fee paid on this shard: burned, kept for the supply invariant. */
    feesBurned: Gwei,
  },
  { typeName: "ShardState", jsonCase: "eth2" },
);
export type ShardStateValue = ValueOf<typeof ShardStateType>;

/**
 * ShardState with the accounts list replaced by its hash_tree_root, as a block header stands for its body:
 * the same hash_tree_root and field positions. Nodes keep the rest of the state in this form and the accounts
 * in an AccountStore (flat arrays, see accountStore.ts).
 */
export const ShardStateSummary = new ContainerType(
  {
    shard: ShardNumber,
    slot: Slot,
    accountsRoot: Root,
    outboxes: OutboxAccumulators,
    inboxCursors: InboxCursors,
    creditedAmounts: CreditedAmounts,
    feesBurned: Gwei,
  },
  { typeName: "ShardStateSummary", jsonCase: "eth2" },
);

export const ReceiptBranch = new VectorCompositeType(Bytes32, RECEIPT_BRANCH_DEPTH);

/** A receipt with its Merkle branch to the `outboxRoot` of the source shard's crosslink (shard, slot, block root). */
export const IncomingReceipt = new ContainerType(
  {
    receipt: Receipt,
    branch: ReceiptBranch,
    crosslinkShard: ShardNumber,
    crosslinkSlot: Slot,
    crosslinkBlockRoot: Root,
  },
  { typeName: "IncomingReceipt", jsonCase: "eth2" },
);
export type IncomingReceipt = ValueOf<typeof IncomingReceipt>;

export const Transactions = new ListCompositeType(Transaction, MAX_TXS_PER_SHARD_BLOCK_LIMIT, {
  typeName: "Transactions",
});
export const IncomingReceipts = new ListCompositeType(IncomingReceipt, MAX_INCOMING_RECEIPTS_PER_BLOCK, {
  typeName: "IncomingReceipts",
});

export const DepositTransactions = new ListCompositeType(DepositTransaction, MAX_DEPOSITS_PER_SHARD_BLOCK, {
  typeName: "DepositTransactions",
});

export const ShardBlockBody = new ContainerType(
  { transactions: Transactions, incomingReceipts: IncomingReceipts, deposits: DepositTransactions },
  { typeName: "ShardBlockBody", jsonCase: "eth2" },
);
export type ShardBlockBody = ValueOf<typeof ShardBlockBody>;

/**
 * A shard block: the header (whose hash_tree_root is the block root that crosslinks and fork choice use)
 * and the body it commits to through `txRoot` (transactions and deposits, see blockTxRoot) and `receiptsInRoot`.
 */
export const ShardBlock = new ContainerType(
  { header: ShardBlockHeader, body: ShardBlockBody },
  { typeName: "ShardBlock", jsonCase: "eth2" },
);
export type ShardBlock = ValueOf<typeof ShardBlock>;

/** The proposer's BLS signature over the header's signing root. */
export const SignedShardBlock = new ContainerType(
  { message: ShardBlock, signature: BLSSignature },
  { typeName: "SignedShardBlock", jsonCase: "eth2" },
);
export type SignedShardBlock = ValueOf<typeof SignedShardBlock>;
