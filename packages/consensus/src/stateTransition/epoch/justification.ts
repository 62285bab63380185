import { GENESIS_EPOCH, TIMELY_TARGET_FLAG } from "../../params/constants.js";
import type { Preset } from "../../params/presets.js";
import { Checkpoint } from "../../types/beacon.js";
import type { BeaconStateView, CheckpointValue } from "../../types/index.js";
import { isActiveValidator } from "../../util/validator.js";
import { getBlockRoot, getCurrentEpoch, getPreviousEpoch } from "../accessors.js";

/** Stakes the FFG rules weigh, read from the participation flags. */
export interface TargetStakes {
  totalActiveStake: bigint;
  previousTargetStake: bigint;
  currentTargetStake: bigint;
}

/** Stake of distinct, unslashed validators that voted for the right target with the right source. */
export function computeTargetStakes(preset: Preset, state: BeaconStateView): TargetStakes {
  const currentEpoch = getCurrentEpoch(preset, state);
  const previousEpoch = getPreviousEpoch(preset, state);
  state.commit(); // getAllReadonlyValues reads committed nodes only
  const validators = state.validators.getAllReadonlyValues();
  const previous = state.previousEpochParticipation.getAll();
  const current = state.currentEpochParticipation.getAll();
  let totalActiveStake = 0n;
  let previousTargetStake = 0n;
  let currentTargetStake = 0n;
  for (let i = 0; i < validators.length; i++) {
    const v = validators[i];
    if (!v) continue;
    if (isActiveValidator(v, currentEpoch)) {
      totalActiveStake += v.stake;
      if (((current[i] ?? 0) & TIMELY_TARGET_FLAG) !== 0) currentTargetStake += v.stake;
    }
    if (isActiveValidator(v, previousEpoch) && ((previous[i] ?? 0) & TIMELY_TARGET_FLAG) !== 0) {
      previousTargetStake += v.stake;
    }
  }
  return { totalActiveStake, previousTargetStake, currentTargetStake };
}

/** What the FFG rules make of the votes in a state, as if its epoch ended now. */
export interface CheckpointWeighing {
  previousJustified: CheckpointValue;
  currentJustified: CheckpointValue;
  bits: boolean[];
  /** The checkpoint a finalisation rule finalises, if one fires. */
  finalized?: CheckpointValue;
}

/**
 * Phase 0 `weigh_justification_and_finalization`, computed without writing: justify the previous/current
 * epoch target with ≥ 2/3 of the active stake, then finalise by the four Casper FFG rules (2nd/3rd/4th most
 * recent epochs justified, …).
 */
export function weighCheckpoints(
  preset: Preset,
  state: BeaconStateView,
  stakes: TargetStakes,
): CheckpointWeighing {
  const currentEpoch = getCurrentEpoch(preset, state);
  const previousEpoch = currentEpoch - 1;
  const oldPreviousJustified = state.previousJustifiedCheckpoint.toValue();
  const oldCurrentJustified = state.currentJustifiedCheckpoint.toValue();
  let currentJustified = oldCurrentJustified;
  const bits = state.justificationBits.toBoolArray();
  const shifted = [false, bits[0] ?? false, bits[1] ?? false, bits[2] ?? false];
  const { totalActiveStake: total } = stakes;
  if (total > 0n && stakes.previousTargetStake * 3n >= total * 2n) {
    currentJustified = { epoch: previousEpoch, root: getBlockRoot(preset, state, previousEpoch) };
    shifted[1] = true;
  }
  if (total > 0n && stakes.currentTargetStake * 3n >= total * 2n) {
    currentJustified = { epoch: currentEpoch, root: getBlockRoot(preset, state, currentEpoch) };
    shifted[0] = true;
  }
  let finalized: CheckpointValue | undefined;
  const all = (from: number, to: number) => shifted.slice(from, to).every(Boolean);
  // Rule 1: 2nd, 3rd, 4th most recent epochs justified, the 4th as source.
  if (all(1, 4) && oldPreviousJustified.epoch + 3 === currentEpoch) finalized = oldPreviousJustified;
  // Rule 2: 2nd and 3rd most recent justified, the 3rd as source.
  if (all(1, 3) && oldPreviousJustified.epoch + 2 === currentEpoch) finalized = oldPreviousJustified;
  // Rule 3: 1st, 2nd, 3rd most recent justified, the 3rd as source.
  if (all(0, 3) && oldCurrentJustified.epoch + 2 === currentEpoch) finalized = oldCurrentJustified;
  // Rule 4: 1st and 2nd most recent justified, the 2nd as source.
  if (all(0, 2) && oldCurrentJustified.epoch + 1 === currentEpoch) finalized = oldCurrentJustified;
  return {
    previousJustified: oldCurrentJustified,
    currentJustified,
    bits: shifted,
    ...(finalized ? { finalized } : {}),
  };
}

/**
 * Epoch processing: applies weighCheckpoints. The finalized checkpoint never moves back (a block may have
 * finalised it earlier in the epoch: processEarlyFinalization).
 */
export function weighJustificationAndFinalization(
  preset: Preset,
  state: BeaconStateView,
  stakes: TargetStakes,
): void {
  if (getCurrentEpoch(preset, state) <= GENESIS_EPOCH + 1) return;
  const w = weighCheckpoints(preset, state, stakes);
  state.previousJustifiedCheckpoint = Checkpoint.toViewDU(w.previousJustified);
  state.currentJustifiedCheckpoint = Checkpoint.toViewDU(w.currentJustified);
  for (let i = 0; i < 4; i++) state.justificationBits.set(i, w.bits[i] ?? false);
  if (w.finalized && w.finalized.epoch > state.finalizedCheckpoint.epoch)
    state.finalizedCheckpoint = Checkpoint.toViewDU(w.finalized);
}

export function processJustificationAndFinalization(preset: Preset, state: BeaconStateView): void {
  if (getCurrentEpoch(preset, state) <= GENESIS_EPOCH + 1) return;
  weighJustificationAndFinalization(preset, state, computeTargetStakes(preset, state));
}

/**
 * Finalisation as soon as a block puts the supermajority link on chain (packages/consensus/README.md,
 * "Additions to DESIGN.md"): after a block's operations, the finalisation rules are weighed on the votes
 * included so far, as epoch processing would weigh them if the epoch ended now, and a checkpoint they
 * finalise is finalised now. Justification (and so fork choice's root and attestation sources) still moves
 * only in epoch processing. Every committee member attests every slot (DESIGN.md §3), so the epoch's target
 * votes are all on chain one slot into the epoch; waiting for the epoch's end delayed finality by 7 slots.
 */
export function processEarlyFinalization(preset: Preset, state: BeaconStateView): void {
  const currentEpoch = getCurrentEpoch(preset, state);
  if (currentEpoch <= GENESIS_EPOCH + 1) return;
  // The epoch's first slot holds no vote for its target yet (and its block root is not in the state).
  if (state.slot % preset.SLOTS_PER_EPOCH === 0) return;
  // The rules finalise a justified checkpoint of an earlier epoch: at most the previous one.
  if (state.finalizedCheckpoint.epoch >= currentEpoch - 1) return;
  const w = weighCheckpoints(preset, state, computeTargetStakes(preset, state));
  if (w.finalized && w.finalized.epoch > state.finalizedCheckpoint.epoch)
    state.finalizedCheckpoint = Checkpoint.toViewDU(w.finalized);
}
