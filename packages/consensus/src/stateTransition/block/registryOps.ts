import type { CachedBeaconState } from "../../cache/cachedState.js";
import { DOMAIN_VOLUNTARY_EXIT, FAR_FUTURE_EPOCH } from "../../params/constants.js";
import { VoluntaryExit } from "../../types/beacon.js";
import type { SignedVoluntaryExitValue } from "../../types/index.js";
import { computeSigningRoot } from "../../util/signing.js";
import { getCurrentEpoch, initiateValidatorExit } from "../accessors.js";
import { BlockError } from "../errors.js";
import { addSignatureSet, type BlockContext, getDomain, verifyOutsideBlock } from "./context.js";

/**
 * Why an exit cannot be included now: `unknown` (no such validator), `early` (it may become valid later) or
 * `stale` (the validator is not active or already exiting).
 */
export interface VoluntaryExitProblem {
  kind: "unknown" | "early" | "stale";
  message: string;
}

/**
 * Why `signed` cannot exit on `cached` (every rule of processVoluntaryExit but the signature), or null. Shared by
 * block processing, gossip and the API, as Lodestar shares one validity check per operation.
 */
export function voluntaryExitProblem(
  cached: CachedBeaconState,
  signed: SignedVoluntaryExitValue,
): VoluntaryExitProblem | null {
  const { state, epochCtx } = cached;
  const { validatorIndex, epoch: exitRequestEpoch } = signed.message;
  if (!Number.isSafeInteger(validatorIndex) || validatorIndex >= state.validators.length)
    return { kind: "unknown", message: "unknown validator" };
  const validator = state.validators.getReadonly(validatorIndex);
  const epoch = getCurrentEpoch(epochCtx.preset, state);
  if (!(validator.activationEpoch <= epoch && epoch < validator.exitEpoch) || validator.slashed) {
    return { kind: "stale", message: "validator is not active" };
  }
  if (validator.exitEpoch !== FAR_FUTURE_EPOCH) return { kind: "stale", message: "exit already scheduled" };
  if (exitRequestEpoch > epoch)
    return {
      kind: "early",
      message: `exit epoch ${exitRequestEpoch} is in the future (current epoch ${epoch})`,
    };
  const { MIN_VALIDATOR_ACTIVE_PERIODS, SHARD_COMMITTEE_PERIOD } = epochCtx.preset;
  const exitableFrom = validator.activationEpoch + MIN_VALIDATOR_ACTIVE_PERIODS * SHARD_COMMITTEE_PERIOD;
  if (epoch < exitableFrom) {
    return {
      kind: "early",
      message: `active since epoch ${validator.activationEpoch}, it may exit from epoch ${exitableFrom} (MIN_VALIDATOR_ACTIVE_PERIODS ${MIN_VALIDATOR_ACTIVE_PERIODS})`,
    };
  }
  return null;
}

function pushVoluntaryExitSet(ctx: BlockContext, signed: SignedVoluntaryExitValue, where: string): void {
  addSignatureSet(ctx, () => ({
    label: where,
    publicKeys: [ctx.cached.epochCtx.pubkeys.get(signed.message.validatorIndex)],
    message: computeSigningRoot(
      VoluntaryExit.hashTreeRoot(signed.message),
      getDomain(ctx, DOMAIN_VOLUNTARY_EXIT),
    ),
    signature: signed.signature,
  }));
}

/** True when the exit's signature verifies on `cached` (gossip and API; blocks batch it with the rest). */
export function verifyVoluntaryExitSignature(
  cached: CachedBeaconState,
  signed: SignedVoluntaryExitValue,
): boolean {
  return verifyOutsideBlock(cached, (ctx) => pushVoluntaryExitSet(ctx, signed, "voluntary exit"));
}

export function processVoluntaryExit(
  ctx: BlockContext,
  signed: SignedVoluntaryExitValue,
  position: number,
): void {
  const where = `voluntaryExits[${position}] (validator ${signed.message.validatorIndex})`;
  const problem = voluntaryExitProblem(ctx.cached, signed);
  if (problem) throw new BlockError("BAD_EXIT", `${where}: ${problem.message}`);
  pushVoluntaryExitSet(ctx, signed, where);
  initiateValidatorExit(ctx.cached.epochCtx.preset, ctx.cached.state, signed.message.validatorIndex);
}
