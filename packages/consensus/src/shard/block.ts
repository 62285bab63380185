import { digest64, LeafNode, subtreeFillToContents } from "@chainsafe/persistent-merkle-tree";
import type { BlsBackend } from "@shardnet/crypto";
import type { DepositTransactionValue, ShardBlockHeaderValue } from "../types/index.js";
import { ShardBlockHeader } from "../types/shardHeader.js";
import { addressKey, bytesEqual } from "./address.js";
import { MAX_DEPOSITS_PER_SHARD_BLOCK, MAX_TXS_PER_SHARD_BLOCK_LIMIT } from "./constants.js";
import { applyDepositTransaction, depositTransactionHash, validateDepositTransaction } from "./deposit.js";
import { type ReceiptRejectionReason, ShardBlockError, type TxRejectionReason } from "./errors.js";
import { applyIncomingReceipt, type CrosslinkLookup, checkIncomingReceipt } from "./receipts.js";
import type { ShardState } from "./state.js";
import {
  applyTransaction,
  prefetchForTransactions,
  type TxValidationOptions,
  transactionHash,
  validateTransaction,
} from "./transaction.js";
import {
  DepositTransactions,
  type IncomingReceipt,
  IncomingReceipts,
  type Receipt,
  type ShardBlock,
  type Transaction,
} from "./types.js";
import type { TxSignatureCheck } from "./verifiedTxs.js";

/** Hex tx hashes whose signatures were already verified on these exact bytes (e.g. the mempool's set). */
export interface VerifiedTxHashes {
  has(txHashHex: string): boolean;
}

/** What block production and validation take from the preset and the beacon state the block builds on. */
export interface ShardBlockContext {
  shardCount: number;
  /** Preset MAX_TXS_PER_SHARD_BLOCK. */
  maxTransactions: number;
  /** Crosslinks in the beacon state at the block's beaconBlockRoot. */
  crosslinks: CrosslinkLookup;
  /** Transactions whose signatures are not checked again (e.g. the mempool's). */
  verifiedTxHashes?: VerifiedTxHashes;
  /**
   * What deposit transactions are validated with: the genesis hash (their signatures' domains) and a BLS
   * backend (proofs of possession). A block with deposits is invalid without it.
   */
  deposits?: { genesisRoot: Uint8Array; bls: BlsBackend };
  /** How the other signatures are checked (default: each verified, nothing remembered), e.g. a VerifiedTxCache. */
  signatures?: TxSignatureCheck;
}

/** What block production and import validate `tx` (hash `txHashHex`) with: its signature per the context. */
function txValidationOptions(context: ShardBlockContext, txHashHex: string): TxValidationOptions {
  const { signatures } = context;
  return {
    shardCount: context.shardCount,
    signatureVerified: context.verifiedTxHashes?.has(txHashHex) ?? false,
    ...(signatures ? { verifySignature: (tx: Transaction) => signatures.verify(tx, txHashHex) } : {}),
  };
}

export interface ProduceShardBlockInput {
  slot: number;
  proposerIndex: number;
  beaconBlockRoot: Uint8Array;
  /** Defaults to preState.latestBlockRoot. */
  parentRoot?: Uint8Array;
  /** Candidates in inclusion order (e.g. Mempool.selectForBlock); invalid ones are skipped. */
  transactions: readonly Transaction[];
  /** Receipts waiting for this shard, any order; the next ones in sequence with valid proofs are included. */
  pendingReceipts: readonly IncomingReceipt[];
  /** Deposit transactions in inclusion order; invalid ones are skipped (none without `context.deposits`). */
  deposits?: readonly DepositTransactionValue[];
}

export interface ShardBlockResult {
  block: ShardBlock;
  blockRoot: Uint8Array;
  postState: ShardState;
  /** Hex hashes of the included transactions, in block order. */
  txHashes: string[];
  /** Receipts this block appended to its outboxes (deposits: to the beacon outbox, after the transfers'). */
  receiptsSent: Receipt[];
  /** Hex hashes of the included deposit transactions, in block order. */
  depositHashes: string[];
}

export interface ProducedShardBlock extends ShardBlockResult {
  skippedTransactions: { tx: Transaction; reason: TxRejectionReason; message: string }[];
  skippedReceipts: { incoming: IncomingReceipt; reason: ReceiptRejectionReason; message: string }[];
  skippedDeposits: { tx: DepositTransactionValue; reason: TxRejectionReason; message: string }[];
}

const TX_LIST_DEPTH = Math.log2(MAX_TXS_PER_SHARD_BLOCK_LIMIT);

/** hash_tree_root(List[Transaction, LIMIT]) from the transactions' hashes (no re-hashing of the bodies). */
export function txRootFromHashes(txHashes: readonly Uint8Array[]): Uint8Array {
  const dataRoot = subtreeFillToContents(
    txHashes.map((hash) => LeafNode.fromRoot(hash)),
    TX_LIST_DEPTH,
  ).root;
  const length = new Uint8Array(32);
  new DataView(length.buffer).setUint32(0, txHashes.length, true);
  return digest64(dataRoot, length);
}

/**
 * A block's `txRoot`: hash_tree_root(Container{transactions, deposits}), i.e. sha256 of the transaction list's
 * root (from the hashes) and the deposit list's root.
 */
export function blockTxRoot(
  txHashes: readonly Uint8Array[],
  deposits: readonly DepositTransactionValue[],
): Uint8Array {
  return digest64(txRootFromHashes(txHashes), DepositTransactions.hashTreeRoot([...deposits]));
}

function receiptOrder(a: IncomingReceipt, b: IncomingReceipt): number {
  return a.receipt.source - b.receipt.source || a.receipt.seq - b.receipt.seq;
}

/**
 * Builds the next block on `preState`: credits the pending receipts that come next in sequence (by source,
 * then seq), then executes candidate transactions in order, skipping invalid ones, up to maxTransactions.
 * Returns the block (unsigned) and the post-state; `preState` is not modified.
 */
export function produceShardBlock(
  preState: ShardState,
  input: ProduceShardBlockInput,
  context: ShardBlockContext,
): ProducedShardBlock {
  if (input.slot <= preState.slot) {
    throw new ShardBlockError(
      "slot_not_after_parent",
      `slot ${input.slot} is not after the parent's ${preState.slot}`,
    );
  }
  const state = preState.clone();
  const skippedReceipts: ProducedShardBlock["skippedReceipts"] = [];
  const incomingReceipts: IncomingReceipt[] = [];
  for (const incoming of [...input.pendingReceipts].sort(receiptOrder)) {
    if (incomingReceipts.length >= IncomingReceipts.limit) break;
    const check = checkIncomingReceipt(state, incoming, context.crosslinks);
    if (!check.ok) {
      skippedReceipts.push({ incoming, reason: check.reason, message: check.message });
      continue;
    }
    applyIncomingReceipt(state, incoming);
    incomingReceipts.push(incoming);
  }

  const maxTransactions = Math.min(context.maxTransactions, MAX_TXS_PER_SHARD_BLOCK_LIMIT);
  const transactions: Transaction[] = [];
  const hashes: Uint8Array[] = [];
  const txHashes: string[] = [];
  const receiptsSent: Receipt[] = [];
  const skippedTransactions: ProducedShardBlock["skippedTransactions"] = [];
  for (const [i, tx] of input.transactions.entries()) {
    if (transactions.length >= maxTransactions) break;
    prefetchForTransactions(state, input.transactions, i);
    const hash = transactionHash(tx);
    const hashHex = addressKey(hash);
    const check = validateTransaction(tx, state, txValidationOptions(context, hashHex));
    if (!check.ok) {
      skippedTransactions.push({ tx, reason: check.reason, message: check.message });
      continue;
    }
    const effect = applyTransaction(state, tx, hash, context.shardCount);
    if (effect.receipt !== null) receiptsSent.push(effect.receipt);
    transactions.push(tx);
    hashes.push(hash);
    txHashes.push(hashHex);
  }

  const deposits: DepositTransactionValue[] = [];
  const depositHashes: string[] = [];
  const skippedDeposits: ProducedShardBlock["skippedDeposits"] = [];
  for (const tx of input.deposits ?? []) {
    if (deposits.length >= MAX_DEPOSITS_PER_SHARD_BLOCK || context.deposits === undefined) break;
    const check = validateDepositTransaction(tx, state, {
      shardCount: context.shardCount,
      ...context.deposits,
    });
    if (!check.ok) {
      skippedDeposits.push({ tx, reason: check.reason, message: check.message });
      continue;
    }
    const hash = depositTransactionHash(tx);
    receiptsSent.push(applyDepositTransaction(state, tx, hash));
    deposits.push(tx);
    depositHashes.push(addressKey(hash));
  }

  state.setSlot(input.slot);
  const header: ShardBlockHeaderValue = {
    shard: state.shard,
    slot: input.slot,
    proposerIndex: input.proposerIndex,
    parentRoot: input.parentRoot ?? preState.latestBlockRoot,
    beaconBlockRoot: input.beaconBlockRoot,
    stateRoot: state.hashTreeRoot(),
    txRoot: blockTxRoot(hashes, deposits),
    outboxRoot: state.outboxRoot(),
    receiptsInRoot: IncomingReceipts.hashTreeRoot(incomingReceipts),
  };
  const blockRoot = ShardBlockHeader.hashTreeRoot(header);
  state.latestBlockRoot = blockRoot;
  return {
    block: { header, body: { transactions, incomingReceipts, deposits } },
    blockRoot,
    postState: state,
    txHashes,
    receiptsSent,
    depositHashes,
    skippedTransactions,
    skippedReceipts,
    skippedDeposits,
  };
}

export interface ProcessShardBlockOptions {
  /** When set, the header's proposerIndex must equal it (the shard proposer of (shard, slot)). */
  expectedProposerIndex?: number;
}

/**
 * Validates `block` on `preState` by re-executing it: shard, slot, parent, proposer, tx count, every root
 * (txRoot, receiptsInRoot, outboxRoot, stateRoot), every receipt and transaction. Throws ShardBlockError;
 * `preState` is never modified. Signatures of transactions in `context.verifiedTxHashes` are not re-checked,
 * the others are checked through `context.signatures`.
 * The proposer's BLS signature is checked separately (shardBlockSignatureSet / verifyShardBlockSignature).
 */
export function processShardBlock(
  preState: ShardState,
  block: ShardBlock,
  context: ShardBlockContext,
  options: ProcessShardBlockOptions = {},
): ShardBlockResult {
  const { header, body } = block;
  if (header.shard !== preState.shard) {
    throw new ShardBlockError(
      "wrong_shard",
      `block is for shard ${header.shard}, state is shard ${preState.shard}`,
    );
  }
  if (header.slot <= preState.slot) {
    throw new ShardBlockError(
      "slot_not_after_parent",
      `block slot ${header.slot} is not after parent slot ${preState.slot}`,
    );
  }
  if (!bytesEqual(header.parentRoot, preState.latestBlockRoot)) {
    throw new ShardBlockError(
      "wrong_parent",
      "parentRoot is not the root of the block that produced the pre-state",
    );
  }
  if (options.expectedProposerIndex !== undefined && header.proposerIndex !== options.expectedProposerIndex) {
    throw new ShardBlockError(
      "wrong_proposer",
      `proposer ${header.proposerIndex} is not the shard proposer ${options.expectedProposerIndex} of slot ${header.slot}`,
    );
  }
  if (body.transactions.length > context.maxTransactions) {
    throw new ShardBlockError(
      "too_many_transactions",
      `${body.transactions.length} transactions exceed MAX_TXS_PER_SHARD_BLOCK ${context.maxTransactions}`,
    );
  }
  if (body.deposits.length > MAX_DEPOSITS_PER_SHARD_BLOCK) {
    throw new ShardBlockError(
      "too_many_deposits",
      `${body.deposits.length} deposits exceed MAX_DEPOSITS_PER_SHARD_BLOCK ${MAX_DEPOSITS_PER_SHARD_BLOCK}`,
    );
  }
  const hashes = body.transactions.map((tx) => transactionHash(tx));
  if (!bytesEqual(blockTxRoot(hashes, body.deposits), header.txRoot)) {
    throw new ShardBlockError(
      "tx_root_mismatch",
      "txRoot is not hash_tree_root(Container{transactions, deposits}) of the body",
    );
  }
  if (!bytesEqual(IncomingReceipts.hashTreeRoot(body.incomingReceipts), header.receiptsInRoot)) {
    throw new ShardBlockError(
      "receipts_in_root_mismatch",
      "receiptsInRoot is not hash_tree_root(body.incomingReceipts)",
    );
  }

  const state = preState.clone();
  body.incomingReceipts.forEach((incoming, i) => {
    const check = checkIncomingReceipt(state, incoming, context.crosslinks);
    if (!check.ok)
      throw new ShardBlockError(
        "invalid_receipt",
        `incoming receipt ${i}: ${check.reason}: ${check.message}`,
      );
    applyIncomingReceipt(state, incoming);
  });

  const txHashes: string[] = [];
  const receiptsSent: Receipt[] = [];
  body.transactions.forEach((tx, i) => {
    prefetchForTransactions(state, body.transactions, i);
    const hashHex = addressKey(hashes[i]);
    const check = validateTransaction(tx, state, txValidationOptions(context, hashHex));
    if (!check.ok)
      throw new ShardBlockError("invalid_transaction", `transaction ${i}: ${check.reason}: ${check.message}`);
    const effect = applyTransaction(state, tx, hashes[i], context.shardCount);
    if (effect.receipt !== null) receiptsSent.push(effect.receipt);
    txHashes.push(hashHex);
  });

  const depositHashes: string[] = [];
  body.deposits.forEach((tx, i) => {
    if (context.deposits === undefined)
      throw new ShardBlockError(
        "invalid_deposit",
        `deposit ${i}: this node cannot validate deposits (no BLS backend)`,
      );
    const check = validateDepositTransaction(tx, state, {
      shardCount: context.shardCount,
      ...context.deposits,
    });
    if (!check.ok)
      throw new ShardBlockError("invalid_deposit", `deposit ${i}: ${check.reason}: ${check.message}`);
    const hash = depositTransactionHash(tx);
    receiptsSent.push(applyDepositTransaction(state, tx, hash));
    depositHashes.push(addressKey(hash));
  });

  state.setSlot(header.slot);
  if (!bytesEqual(state.outboxRoot(), header.outboxRoot)) {
    throw new ShardBlockError(
      "outbox_root_mismatch",
      "outboxRoot does not match the outboxes after execution",
    );
  }
  if (!bytesEqual(state.hashTreeRoot(), header.stateRoot)) {
    throw new ShardBlockError("state_root_mismatch", "stateRoot does not match the state after execution");
  }
  const blockRoot = ShardBlockHeader.hashTreeRoot(header);
  state.latestBlockRoot = blockRoot;
  return { block, blockRoot, postState: state, txHashes, receiptsSent, depositHashes };
}

/** hash_tree_root(header): the shard block root used by crosslinks, attestations and fork choice. */
export function shardBlockRoot(block: ShardBlock): Uint8Array {
  return ShardBlockHeader.hashTreeRoot(block.header);
}
