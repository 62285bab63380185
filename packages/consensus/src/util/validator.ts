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
