import { EPOCHS_PER_SLASHINGS_VECTOR, FAR_FUTURE_EPOCH } from "../params/constants.js";
import type { Preset } from "../params/presets.js";
import type { ValidatorValue } from "../types/index.js";

interface ValidatorEpochs {
  activationEpoch: number;
  exitEpoch: number;
  slashed: boolean;
}

/** Active for stake and FFG: activated, not exited, not slashed (DESIGN.md §3). */
export function isActiveValidator(v: ValidatorEpochs, epoch: number): boolean {
  return v.activationEpoch <= epoch && epoch < v.exitEpoch && !v.slashed;
}

/**
 * Holds a committee seat at `epoch`: activated and not exited. Slashing does not remove the seat (its stake
 * stops counting) so that a period's committees stay fixed once the previous period has started.
 */
export function isCommitteeEligible(v: ValidatorEpochs, epoch: number): boolean {
  return v.activationEpoch <= epoch && epoch < v.exitEpoch;
}

export function validatorStake(v: Pick<ValidatorValue, "stake" | "slashed">): bigint {
  return v.slashed ? 0n : v.stake;
}

/**
 * The epoch from which `v`'s stake is sent back to its withdrawal address: MIN_VALIDATOR_WITHDRAWABILITY_DELAY
 * epochs after its exit, or EPOCHS_PER_SLASHINGS_VECTOR when slashed (whichever is longer); FAR_FUTURE_EPOCH
 * while no exit is scheduled. Derived, not stored: a slashing after the exit lengthens it.
 */
export function withdrawableEpoch(
  preset: Pick<Preset, "MIN_VALIDATOR_WITHDRAWABILITY_DELAY">,
  v: ValidatorEpochs,
): number {
  if (v.exitEpoch === FAR_FUTURE_EPOCH) return FAR_FUTURE_EPOCH;
  const delay = v.slashed
    ? Math.max(EPOCHS_PER_SLASHINGS_VECTOR, preset.MIN_VALIDATOR_WITHDRAWABILITY_DELAY)
    : preset.MIN_VALIDATOR_WITHDRAWABILITY_DELAY;
  return v.exitEpoch + delay;
}
