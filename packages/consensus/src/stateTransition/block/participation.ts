import { TIMELY_SOURCE_FLAG, TIMELY_TARGET_FLAG } from "../../params/constants.js";
import type { AttestationDataValue } from "../../types/index.js";
import { bytesEqual } from "../../util/bytes.js";
import { computeEpochAtSlot } from "../../util/epoch.js";
import { checkpointsEqual, getBlockRoot, getCurrentEpoch, getPreviousEpoch } from "../accessors.js";
import type { BlockContext } from "./context.js";

export type FfgVoteCheck =
  | { ok: true; isCurrentEpoch: boolean; flags: number }
  | { ok: false; reason: string };

/**
 * FFG rules for an attestation included at the state's slot (phase 0 `process_attestation`):
 * target epoch is the current or previous epoch and matches the slot, inclusion window
 * [slot + 1, slot + SLOTS_PER_EPOCH], source = the justified checkpoint of the target's epoch.
 */
export function checkFfgVote(ctx: Pick<BlockContext, "cached">, data: AttestationDataValue): FfgVoteCheck {
  const { state, epochCtx } = ctx.cached;
  const preset = epochCtx.preset;
  const currentEpoch = getCurrentEpoch(preset, state);
  const previousEpoch = getPreviousEpoch(preset, state);
  const targetEpoch = data.target.epoch;
  if (targetEpoch !== currentEpoch && targetEpoch !== previousEpoch) {
    return {
      ok: false,
      reason: `target epoch ${targetEpoch} is neither the current (${currentEpoch}) nor the previous epoch`,
    };
  }
  if (targetEpoch !== computeEpochAtSlot(preset, data.slot)) {
    return { ok: false, reason: `target epoch ${targetEpoch} is not the epoch of slot ${data.slot}` };
  }
  if (!(data.slot < state.slot && state.slot <= data.slot + preset.SLOTS_PER_EPOCH)) {
    return {
      ok: false,
      reason: `attestation of slot ${data.slot} is outside its inclusion window at slot ${state.slot}`,
    };
  }
  const isCurrentEpoch = targetEpoch === currentEpoch;
  const justified = isCurrentEpoch
    ? state.currentJustifiedCheckpoint.toValue()
    : state.previousJustifiedCheckpoint.toValue();
  if (!checkpointsEqual(data.source, justified)) {
    return {
      ok: false,
      reason: `source epoch ${data.source.epoch} does not match the justified checkpoint (epoch ${justified.epoch})`,
    };
  }
  let flags = TIMELY_SOURCE_FLAG;
  if (bytesEqual(data.target.root, getBlockRoot(preset, state, targetEpoch))) flags |= TIMELY_TARGET_FLAG;
  return { ok: true, isCurrentEpoch, flags };
}

/** Records the flags for every attester (idempotent: flags are OR-ed). */
export function creditParticipation(
  ctx: Pick<BlockContext, "cached">,
  vote: FfgVoteCheck,
  attesters: ArrayLike<number>,
): void {
  if (!vote.ok) return;
  const { state } = ctx.cached;
  const participation = vote.isCurrentEpoch
    ? state.currentEpochParticipation
    : state.previousEpochParticipation;
  for (let i = 0; i < attesters.length; i++) {
    const index = attesters[i] as number;
    const old = participation.get(index);
    if ((old & vote.flags) !== vote.flags) participation.set(index, old | vote.flags);
  }
}
