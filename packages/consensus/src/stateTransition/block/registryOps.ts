import type { BlsPublicKey } from "@shardnet/crypto";
import {
  DOMAIN_DEPOSIT,
  DOMAIN_VOLUNTARY_EXIT,
  FAR_FUTURE_EPOCH,
  MIN_DEPOSIT_STAKE,
} from "../../params/constants.js";
import { DepositMessage, Validator, VoluntaryExit } from "../../types/beacon.js";
import type { DepositValue, SignedVoluntaryExitValue } from "../../types/index.js";
import { bytesEqual } from "../../util/bytes.js";
import { computeSigningRoot } from "../../util/signing.js";
import { computeRegistryChangeEpoch, getCurrentEpoch, initiateValidatorExit } from "../accessors.js";
import { BlockError } from "../errors.js";
import { addSignatureSet, type BlockContext, getDomain } from "./context.js";

/** True if `pubkey` is in this state's registry (the epoch's lookup, then validators added since). */
function isRegisteredPubkey(ctx: BlockContext, pubkey: Uint8Array): boolean {
  const { state, epochCtx } = ctx.cached;
  const index = epochCtx.pubkeys.indexOf(pubkey);
  if (index !== undefined && index < epochCtx.validatorCount) return true;
  for (let i = epochCtx.validatorCount; i < state.validators.length; i++) {
    if (bytesEqual(state.validators.getReadonly(i).pubkey, pubkey)) return true;
  }
  return false;
}

/**
 * Testnet deposit (no deposit contract): adds a validator proven by a signature of its own key over
 * DepositMessage; it becomes active at the start of the period after next.
 */
export function processDeposit(ctx: BlockContext, deposit: DepositValue, position: number): void {
  const { state, epochCtx } = ctx.cached;
  const where = `deposits[${position}]`;
  if (deposit.stake < MIN_DEPOSIT_STAKE)
    throw new BlockError("BAD_DEPOSIT", `${where}: stake below ${MIN_DEPOSIT_STAKE} gwei`);
  if (isRegisteredPubkey(ctx, deposit.pubkey)) {
    throw new BlockError("DUPLICATE_DEPOSIT", `${where}: this public key is already a validator`);
  }
  let publicKey: BlsPublicKey;
  try {
    publicKey = epochCtx.pubkeys.bls.publicKeyFromBytes(deposit.pubkey);
  } catch (e) {
    throw new BlockError("BAD_DEPOSIT", `${where}: public key invalid (${(e as Error).message})`);
  }
  addSignatureSet(ctx, () => ({
    label: where,
    publicKeys: [publicKey],
    message: computeSigningRoot(
      DepositMessage.hashTreeRoot({ pubkey: deposit.pubkey, stake: deposit.stake }),
      getDomain(ctx, DOMAIN_DEPOSIT),
    ),
    signature: deposit.signature,
  }));
  const epoch = getCurrentEpoch(epochCtx.preset, state);
  state.validators.push(
    Validator.toViewDU({
      pubkey: deposit.pubkey,
      stake: deposit.stake,
      activationEpoch: computeRegistryChangeEpoch(epochCtx.preset, epoch),
      exitEpoch: FAR_FUTURE_EPOCH,
      slashed: false,
    }),
  );
  state.previousEpochParticipation.push(0);
  state.currentEpochParticipation.push(0);
}

export function processVoluntaryExit(
  ctx: BlockContext,
  signed: SignedVoluntaryExitValue,
  position: number,
): void {
  const { state, epochCtx } = ctx.cached;
  const { validatorIndex, epoch: exitRequestEpoch } = signed.message;
  const where = `voluntaryExits[${position}] (validator ${validatorIndex})`;
  if (validatorIndex >= state.validators.length)
    throw new BlockError("BAD_EXIT", `${where}: unknown validator`);
  const validator = state.validators.getReadonly(validatorIndex);
  const epoch = getCurrentEpoch(epochCtx.preset, state);
  if (!(validator.activationEpoch <= epoch && epoch < validator.exitEpoch) || validator.slashed) {
    throw new BlockError("BAD_EXIT", `${where}: validator is not active`);
  }
  if (validator.exitEpoch !== FAR_FUTURE_EPOCH)
    throw new BlockError("BAD_EXIT", `${where}: exit already scheduled`);
  if (exitRequestEpoch > epoch)
    throw new BlockError("BAD_EXIT", `${where}: exit epoch ${exitRequestEpoch} is in the future`);
  addSignatureSet(ctx, () => ({
    label: where,
    publicKeys: [epochCtx.pubkeys.get(validatorIndex)],
    message: computeSigningRoot(
      VoluntaryExit.hashTreeRoot(signed.message),
      getDomain(ctx, DOMAIN_VOLUNTARY_EXIT),
    ),
    signature: signed.signature,
  }));
  initiateValidatorExit(epochCtx.preset, state, validatorIndex);
}
