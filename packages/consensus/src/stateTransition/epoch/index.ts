import {
  EPOCHS_PER_HISTORICAL_VECTOR,
  EPOCHS_PER_SLASHINGS_VECTOR,
  FAR_FUTURE_EPOCH,
  MAX_STAKE,
} from "../../params/constants.js";
import type { Preset } from "../../params/presets.js";
import { BeaconState } from "../../types/beacon.js";
import type { BeaconStateView } from "../../types/index.js";
import { getCurrentEpoch, initiateValidatorExit } from "../accessors.js";
import { processJustificationAndFinalization } from "./justification.js";
import { processWithdrawals } from "./withdrawals.js";

/** Validators whose stake fell below this (slashing penalties) are ejected. */
export const EJECTION_STAKE = MAX_STAKE / 2n;

/**
 * Registry updates: activation and exit epochs are scheduled when deposits/exits/slashings are processed
 * (at a period boundary two periods ahead); here validators whose stake fell below EJECTION_STAKE are ejected.
 */
export function processRegistryUpdates(preset: Preset, state: BeaconStateView): void {
  const epoch = getCurrentEpoch(preset, state);
  state.commit(); // getAllReadonlyValues reads committed nodes only
  const validators = state.validators.getAllReadonlyValues();
  for (const [i, v] of validators.entries()) {
    if (
      v.activationEpoch <= epoch &&
      epoch < v.exitEpoch &&
      v.exitEpoch === FAR_FUTURE_EPOCH &&
      v.stake < EJECTION_STAKE
    ) {
      initiateValidatorExit(preset, state, i);
    }
  }
}

/** End-of-epoch resets: next slashings slot, next RANDAO mix (carried over), participation rotation. */
export function processEpochResets(preset: Preset, state: BeaconStateView): void {
  const epoch = getCurrentEpoch(preset, state);
  const next = epoch + 1;
  state.slashings.set(next % EPOCHS_PER_SLASHINGS_VECTOR, 0n);
  state.randaoMixes.set(
    next % EPOCHS_PER_HISTORICAL_VECTOR,
    state.randaoMixes.get(epoch % EPOCHS_PER_HISTORICAL_VECTOR),
  );
  state.previousEpochParticipation = state.currentEpochParticipation;
  state.currentEpochParticipation = BeaconState.fields.currentEpochParticipation.toViewDU(
    new Array<number>(state.validators.length).fill(0),
  );
}

/** Epoch processing at the last slot of an epoch (before the slot number advances). */
export function processEpoch(preset: Preset, state: BeaconStateView): void {
  processJustificationAndFinalization(preset, state);
  processRegistryUpdates(preset, state);
  processWithdrawals(preset, state);
  processEpochResets(preset, state);
}
