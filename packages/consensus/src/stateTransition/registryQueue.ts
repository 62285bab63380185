import { FAR_FUTURE_EPOCH } from "../params/constants.js";
import type { Preset } from "../params/presets.js";
import type { BeaconStateView } from "../types/index.js";
import { computePeriodAtEpoch, computeStartEpochAtPeriod } from "../util/epoch.js";
import { computeRegistryChangeEpoch, getCurrentEpoch } from "./accessors.js";

/** Registry changes of one kind allowed per epoch: max(MIN_PER_EPOCH_CHURN_LIMIT, active / CHURN_LIMIT_QUOTIENT). */
export function getChurnLimit(preset: Preset, activeCount: number): number {
  return Math.max(preset.MIN_PER_EPOCH_CHURN_LIMIT, Math.floor(activeCount / preset.CHURN_LIMIT_QUOTIENT));
}

export type RegistryChange = "activation" | "exit";

/**
 * The epoch at which one more activation (or exit) takes effect: the first period start, from the period after
 * next (so committees keep their one period of lookahead, DESIGN.md §3), that has fewer than the per-epoch churn
 * limit times SHARD_COMMITTEE_PERIOD changes of that kind already scheduled. Registry changes only take effect at
 * period starts, so a period's churn is batched at its first epoch.
 */
export function computeQueuedChangeEpoch(
  preset: Preset,
  state: BeaconStateView,
  kind: RegistryChange,
): number {
  const epoch = getCurrentEpoch(preset, state);
  const earliest = computeRegistryChangeEpoch(preset, epoch);
  const scheduled = new Map<number, number>();
  let active = 0;
  for (let i = 0; i < state.validators.length; i++) {
    const v = state.validators.getReadonly(i);
    if (v.activationEpoch <= epoch && epoch < v.exitEpoch && !v.slashed) active++;
    const at = kind === "activation" ? v.activationEpoch : v.exitEpoch;
    if (at !== FAR_FUTURE_EPOCH && at >= earliest) scheduled.set(at, (scheduled.get(at) ?? 0) + 1);
  }
  const perPeriod = getChurnLimit(preset, active) * preset.SHARD_COMMITTEE_PERIOD;
  let at = earliest;
  while ((scheduled.get(at) ?? 0) >= perPeriod) {
    at = computeStartEpochAtPeriod(preset, computePeriodAtEpoch(preset, at) + 1);
  }
  return at;
}
