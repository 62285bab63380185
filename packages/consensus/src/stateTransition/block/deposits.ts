import type { BlsPublicKey } from "@shardnet/crypto";
import type { CachedBeaconState } from "../../cache/cachedState.js";
import { FAR_FUTURE_EPOCH } from "../../params/constants.js";
import { shardOf } from "../../shard/address.js";
import { depositAmountProblem, depositMessageSigningRoot, depositReceipt } from "../../shard/deposit.js";
import { isValidBranch } from "../../shard/merkle.js";
import { receiptGindex } from "../../shard/receipts.js";
import { Receipt } from "../../shard/types.js";
import { Validator } from "../../types/beacon.js";
import type { DepositValue } from "../../types/index.js";
import { bytesEqual } from "../../util/bytes.js";
import { BlockError } from "../errors.js";
import { computeQueuedChangeEpoch } from "../registryQueue.js";
import { addSignatureSet, type BlockContext } from "./context.js";

/** Index of the validator with `pubkey` in this state's registry (the epoch's lookup, then those added since). */
export function registeredIndex(cached: CachedBeaconState, pubkey: Uint8Array): number | undefined {
  const { state, epochCtx } = cached;
  const index = epochCtx.pubkeys.indexOf(pubkey);
  if (index !== undefined && index < epochCtx.validatorCount) return index;
  for (let i = epochCtx.validatorCount; i < state.validators.length; i++) {
    if (bytesEqual(state.validators.getReadonly(i).pubkey, pubkey)) return i;
  }
  return undefined;
}

/**
 * The shard a deposit comes from and the sequence number it must have there: the sender's shard, and that
 * shard's deposit cursor in `cached` (deposits are credited in order, exactly once).
 */
export function depositPosition(
  cached: CachedBeaconState,
  deposit: DepositValue,
): { source: number; seq: number } {
  const source = shardOf(deposit.transaction.from, cached.epochCtx.preset.SHARD_COUNT);
  return { source, seq: cached.state.depositCursors.get(source) };
}

/**
 * Why `deposit` cannot be the next deposit of its shard on `cached`, or null: its receipt must be the shard's
 * next one (the deposit cursor) in the beacon outbox under the shard's current crosslink. Shared by block
 * processing and block production.
 */
export function depositProofProblem(cached: CachedBeaconState, deposit: DepositValue): string | null {
  const { state } = cached;
  const shardCount = cached.epochCtx.preset.SHARD_COUNT;
  const { source, seq } = depositPosition(cached, deposit);
  const crosslink = state.currentCrosslinks.getReadonly(source);
  const receipt = depositReceipt(deposit.transaction, source, shardCount, seq);
  if (
    !isValidBranch(
      Receipt.hashTreeRoot(receipt),
      deposit.branch,
      receiptGindex(shardCount, seq),
      crosslink.outboxRoot,
    )
  )
    return `not proven as deposit ${seq} of shard ${source} (its next) under the shard's current crosslink at slot ${crosslink.slot}: forged, replayed, out of order or proven against another crosslink`;
  const amountProblem = depositAmountProblem(deposit.transaction.deposit.amount);
  if (amountProblem) return amountProblem;
  return null;
}

/**
 * A deposit paid on a shard (issue 18): the deposit transaction's receipt must be proven as the next receipt of
 * its shard's beacon outbox under the shard's current crosslink (the parent state's: deposits are processed
 * before this block's crosslinks), so no stake exists that a shard did not debit. It advances the shard's
 * deposit cursor, then registers the validator (activation through the queue, registryQueue.ts) or, when the
 * key is already registered, adds the amount to its stake (a top-up, as in Ethereum). The proof of possession
 * is checked in the block's signature batch: a crosslinked shard block never holds an invalid one (shard
 * block validity), so an invalid one means a dishonest shard committee, and the beacon block is refused.
 */
export function processDeposit(ctx: BlockContext, deposit: DepositValue, position: number): void {
  const { cached } = ctx;
  const { state, epochCtx } = cached;
  const { source, seq } = depositPosition(cached, deposit);
  const where = `deposits[${position}] (shard ${source}, deposit ${seq})`;
  const problem = depositProofProblem(cached, deposit);
  if (problem) throw new BlockError("BAD_DEPOSIT", `${where}: ${problem}`);
  const data = deposit.transaction.deposit;
  let publicKey: BlsPublicKey;
  try {
    publicKey = epochCtx.pubkeys.bls.publicKeyFromBytes(data.pubkey);
  } catch (e) {
    throw new BlockError("BAD_DEPOSIT", `${where}: validator public key invalid (${(e as Error).message})`);
  }
  addSignatureSet(ctx, () => ({
    label: `${where} proof of possession`,
    publicKeys: [publicKey],
    message: depositMessageSigningRoot(data, state.genesisRoot),
    signature: data.signature,
  }));
  state.depositCursors.set(source, seq + 1);
  state.depositedAmounts.set(source, state.depositedAmounts.get(source) + data.amount);

  const existing = registeredIndex(cached, data.pubkey);
  if (existing !== undefined) {
    const validator = state.validators.get(existing);
    validator.stake += data.amount;
    return;
  }
  state.validators.push(
    Validator.toViewDU({
      pubkey: data.pubkey,
      withdrawalAddress: data.withdrawalAddress,
      stake: data.amount,
      activationEpoch: computeQueuedChangeEpoch(epochCtx.preset, state, "activation"),
      exitEpoch: FAR_FUTURE_EPOCH,
      slashed: false,
    }),
  );
  state.previousEpochParticipation.push(0);
  state.currentEpochParticipation.push(0);
}
