import type { BlsBackend, BlsSecretKey } from "@shardnet/crypto";
import { ed25519Sign, ed25519Verify } from "@shardnet/crypto";
import { DOMAIN_DEPOSIT, DOMAIN_SHARD_DEPOSIT, MAX_STAKE, MIN_DEPOSIT_STAKE } from "../params/constants.js";
import { DepositMessage, DepositTransaction, DepositTransactionData } from "../types/deposit.js";
import type {
  DepositDataValue,
  DepositMessageValue,
  DepositTransactionDataValue,
  DepositTransactionValue,
} from "../types/index.js";
import { computeDomain, computeSigningRoot } from "../util/signing.js";
import { shardOf } from "./address.js";
import { MAX_UINT64 } from "./constants.js";
import type { ShardState } from "./state.js";
import { checkSenderKey, type TxCheck } from "./transaction.js";
import type { Receipt } from "./types.js";

/**
 * Deposit transactions (issue 18): a sender on a shard pays a new validator's stake. Executing one debits
 * amount + fee, burns the fee and appends a receipt to the shard's beacon outbox; the beacon chain registers the
 * validator when that receipt is proven against the shard's crosslink (stateTransition/block/deposits.ts).
 */

/** What validating a deposit needs beyond the state: the network (its domains) and a BLS backend. */
export interface DepositValidationContext {
  shardCount: number;
  /** The genesis hash: deposit signatures (both the sender's and the proof of possession) are bound to it. */
  genesisRoot: Uint8Array;
  bls: BlsBackend;
  /** True when these exact bytes (same hash) were already verified, both signatures. */
  signaturesVerified?: boolean;
}

export function depositTransactionHash(tx: DepositTransactionValue): Uint8Array {
  return DepositTransaction.hashTreeRoot(tx);
}

/** The message the sender's Ed25519 key signs: signing root of the unsigned fields, with this network's domain. */
export function depositTransactionSigningRoot(
  data: DepositTransactionDataValue,
  genesisRoot: Uint8Array,
): Uint8Array {
  return computeSigningRoot(
    DepositTransactionData.hashTreeRoot(data),
    computeDomain(DOMAIN_SHARD_DEPOSIT, genesisRoot),
  );
}

/** The message the new validator's BLS key signs (proof of possession). */
export function depositMessageSigningRoot(message: DepositMessageValue, genesisRoot: Uint8Array): Uint8Array {
  return computeSigningRoot(DepositMessage.hashTreeRoot(message), computeDomain(DOMAIN_DEPOSIT, genesisRoot));
}

/** DepositData for `validatorKey`, with its proof of possession. */
export function signDepositData(
  validatorKey: BlsSecretKey,
  message: Omit<DepositMessageValue, "pubkey">,
  genesisRoot: Uint8Array,
): DepositDataValue {
  const full = { pubkey: validatorKey.toPublicKey().toBytes(), ...message };
  return { ...full, signature: validatorKey.sign(depositMessageSigningRoot(full, genesisRoot)).toBytes() };
}

/** Signs a deposit transaction with the sender's Ed25519 seed (`data.pubkey` must be its public key). */
export function signDepositTransaction(
  data: DepositTransactionDataValue,
  secretKey: Uint8Array,
  genesisRoot: Uint8Array,
): DepositTransactionValue {
  return { ...data, signature: ed25519Sign(secretKey, depositTransactionSigningRoot(data, genesisRoot)) };
}

/** True iff the new validator's key signed its DepositMessage (false on an invalid key or signature). */
export function verifyProofOfPossession(
  bls: BlsBackend,
  deposit: DepositDataValue,
  genesisRoot: Uint8Array,
): boolean {
  try {
    const publicKey = bls.publicKeyFromBytes(deposit.pubkey);
    const signature = bls.signatureFromBytes(deposit.signature);
    return bls.verify(publicKey, depositMessageSigningRoot(deposit, genesisRoot), signature);
  } catch {
    return false;
  }
}

function reject(
  reason:
    | "malformed"
    | "deposit_amount"
    | "wrong_shard"
    | "nonce_replay"
    | "nonce_gap"
    | "insufficient_balance"
    | "bad_signature"
    | "bad_proof_of_possession",
  message: string,
): TxCheck {
  return { ok: false, reason, message };
}

/** Why a deposit's amount cannot become stake, or null: MIN_DEPOSIT_STAKE ≤ amount ≤ MAX_STAKE. */
export function depositAmountProblem(amount: bigint): string | null {
  if (amount < MIN_DEPOSIT_STAKE)
    return `deposit amount ${amount} is below the minimum ${MIN_DEPOSIT_STAKE} gwei`;
  if (amount > MAX_STAKE) return `deposit amount ${amount} is above the maximum stake ${MAX_STAKE} gwei`;
  return null;
}

/**
 * Full validation of a deposit transaction against `state`, cheapest first: amount, fee, shard, pubkey ↔ from,
 * nonce, balance, then the sender's Ed25519 signature and the proof of possession. Reads the state only.
 */
export function validateDepositTransaction(
  tx: DepositTransactionValue,
  state: ShardState,
  context: DepositValidationContext,
): TxCheck {
  const amountProblem = depositAmountProblem(tx.deposit.amount);
  if (amountProblem) return reject("deposit_amount", amountProblem);
  if (tx.fee < 0n || tx.fee > MAX_UINT64) return reject("malformed", "fee must be a uint64 value");
  const senderShard = shardOf(tx.from, context.shardCount);
  if (senderShard !== state.shard)
    return reject("wrong_shard", `sender lives on shard ${senderShard}, not ${state.shard}: submit it there`);
  const senderKey = checkSenderKey(tx);
  if (!senderKey.ok) return senderKey;
  const sender = state.getAccount(tx.from);
  const expectedNonce = sender === undefined ? 0 : sender.nonce;
  if (tx.nonce < expectedNonce)
    return reject("nonce_replay", `nonce ${tx.nonce} already used: next nonce is ${expectedNonce}`);
  if (tx.nonce > expectedNonce)
    return reject("nonce_gap", `nonce ${tx.nonce} is ahead of the next nonce ${expectedNonce}`);
  const balance = sender === undefined ? 0n : sender.balance;
  if (balance < tx.deposit.amount + tx.fee)
    return reject("insufficient_balance", `balance ${balance} < amount ${tx.deposit.amount} + fee ${tx.fee}`);
  if (context.signaturesVerified) return { ok: true };
  return checkDepositSignatures(tx, context);
}

/**
 * The stateless part of deposit validation: the sender's Ed25519 signature, then the proof of possession (both
 * on this network's domains). Shared by block validation and the node's pool (e.g. for a shard it does not track).
 */
export function checkDepositSignatures(
  tx: DepositTransactionValue,
  context: Pick<DepositValidationContext, "genesisRoot" | "bls">,
): TxCheck {
  if (!ed25519Verify(tx.pubkey, depositTransactionSigningRoot(tx, context.genesisRoot), tx.signature))
    return reject(
      "bad_signature",
      "Ed25519 signature does not verify over the deposit transaction's signing root",
    );
  if (!verifyProofOfPossession(context.bls, tx.deposit, context.genesisRoot))
    return reject(
      "bad_proof_of_possession",
      "the validator key's signature over DepositMessage{pubkey, withdrawalAddress, amount} does not verify (DOMAIN_DEPOSIT of this network)",
    );
  return { ok: true };
}

/**
 * Executes a validated deposit: debits amount + fee, bumps the nonce, burns the fee and appends the deposit
 * receipt (to: the withdrawal address, txHash: the deposit transaction's hash) to the beacon outbox.
 */
export function applyDepositTransaction(
  state: ShardState,
  tx: DepositTransactionValue,
  txHash: Uint8Array,
): Receipt {
  const senderIndex = state.indexOf(tx.from);
  if (senderIndex === undefined)
    throw new Error("internal: applyDepositTransaction on a sender without account");
  state.debitAndBumpNonce(senderIndex, tx.deposit.amount + tx.fee);
  state.burnFee(tx.fee);
  const dest = state.beaconOutbox;
  const receipt = depositReceipt(tx, state.shard, dest, state.outboxLength(dest), txHash);
  state.appendReceipt(receipt);
  return receipt;
}

/**
 * The receipt a deposit transaction executed as the `seq`-th deposit of shard `source` appends: what the shard
 * appends (applyDepositTransaction, with the hash it already has) and what the beacon chain proves.
 */
export function depositReceipt(
  tx: DepositTransactionValue,
  source: number,
  beaconOutbox: number,
  seq: number,
  txHash: Uint8Array = depositTransactionHash(tx),
): Receipt {
  return {
    source,
    dest: beaconOutbox,
    seq,
    from: tx.from,
    to: tx.deposit.withdrawalAddress,
    amount: tx.deposit.amount,
    txHash,
  };
}
