import {
  checkAmounts,
  checkSenderKey,
  shardOf,
  type Transaction,
  type TxSignatureCheck,
  transactionHash,
  VERIFY_EVERY_SIGNATURE,
} from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";

/** A gossiped transaction no correct peer would send: it is named (hash) and why. */
export interface InvalidGossipTx {
  index: number;
  hash: string;
  reason: "wrong_shard" | "zero_amount" | "malformed" | "pubkey_mismatch" | "bad_signature";
  message: string;
}

export interface GossipBatchCheck {
  /**
   * Transactions whose content is valid without any state (their signatures verified), in batch order, with
   * their hash (hex transactionHash, for the mempool: not computed twice).
   */
  valid: Array<{ tx: Transaction; hash: string }>;
  invalid: InvalidGossipTx[];
}

/**
 * The stateless checks of every transaction of a `shard_{s}_tx` batch: its shard, amounts, pubkey ↔ from,
 * and its Ed25519 signature — every signature, also those after an invalid transaction, so that the valid
 * ones can be admitted (with `signatureVerified`, not checked twice) and the invalid ones named. These
 * checks do not depend on this node's state, so an honest node never publishes or relays a transaction that
 * fails them: failing them is proof of invalid content, the only thing a peer is penalised for. Signatures
 * go through `signatures` (the node's VerifiedTxCache): one this node verified before is not verified again.
 */
export function checkGossipBatch(
  txs: readonly Transaction[],
  shard: number,
  shardCount: number,
  signatures: TxSignatureCheck = VERIFY_EVERY_SIGNATURE,
): GossipBatchCheck {
  const valid: GossipBatchCheck["valid"] = [];
  const invalid: InvalidGossipTx[] = [];
  txs.forEach((tx, index) => {
    const hash = bytesToHex(transactionHash(tx));
    const problem = problemOf(tx, hash, shard, shardCount, signatures);
    if (problem === undefined) valid.push({ tx, hash });
    else invalid.push({ index, hash, ...problem });
  });
  return { valid, invalid };
}

function problemOf(
  tx: Transaction,
  hash: string,
  shard: number,
  shardCount: number,
  signatures: TxSignatureCheck,
): Pick<InvalidGossipTx, "reason" | "message"> | undefined {
  const senderShard = shardOf(tx.from, shardCount);
  if (senderShard !== shard) {
    return { reason: "wrong_shard", message: `sender lives on shard ${senderShard}, not ${shard}` };
  }
  const amounts = checkAmounts(tx);
  if (!amounts.ok)
    return {
      reason: amounts.reason === "zero_amount" ? "zero_amount" : "malformed",
      message: amounts.message,
    };
  const key = checkSenderKey(tx);
  if (!key.ok) return { reason: "pubkey_mismatch", message: key.message };
  if (!signatures.verify(tx, hash)) {
    return {
      reason: "bad_signature",
      message: "Ed25519 signature does not verify over hash_tree_root(TransactionData)",
    };
  }
  return undefined;
}
