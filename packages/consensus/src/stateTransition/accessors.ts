import {
  EPOCHS_PER_SLASHINGS_VECTOR,
  FAR_FUTURE_EPOCH,
  MIN_SLASHING_PENALTY_QUOTIENT,
  SLOTS_PER_HISTORICAL_ROOT,
} from "../params/constants.js";
import type { Preset } from "../params/presets.js";
import type { BeaconStateView, CheckpointValue } from "../types/index.js";
import { bytesEqual } from "../util/bytes.js";
import {
  computeEpochAtSlot,
  computePeriodAtEpoch,
  computeStartEpochAtPeriod,
  computeStartSlotAtEpoch,
} from "../util/epoch.js";
import { computeQueuedChangeEpoch } from "./registryQueue.js";

export function getCurrentEpoch(preset: Preset, state: BeaconStateView): number {
  return computeEpochAtSlot(preset, state.slot);
}

export function getPreviousEpoch(preset: Preset, state: BeaconStateView): number {
  return Math.max(getCurrentEpoch(preset, state) - 1, 0);
}

/** Root of the block at `slot` (the latest block at or before it); `slot` must be in the past and in history. */
export function getBlockRootAtSlot(state: BeaconStateView, slot: number): Uint8Array {
  if (!(slot < state.slot && state.slot <= slot + SLOTS_PER_HISTORICAL_ROOT)) {
    throw new Error(`block root of slot ${slot} is not available at slot ${state.slot}`);
  }
  return state.blockRoots.get(slot % SLOTS_PER_HISTORICAL_ROOT);
}

/**
 * True when `root` is a block of this state's chain at or before `slot` (a slot before the state's), within the
 * last SLOTS_PER_HISTORICAL_ROOT slots: the roots in `block_roots`, newest first, stopping at the first match.
 */
export function isBlockRootOnChainAtOrBefore(
  state: BeaconStateView,
  root: Uint8Array,
  slot: number,
): boolean {
  const newest = Math.min(slot, state.slot - 1);
  const oldest = Math.max(0, state.slot - SLOTS_PER_HISTORICAL_ROOT);
  for (let s = newest; s >= oldest; s--) {
    if (bytesEqual(state.blockRoots.get(s % SLOTS_PER_HISTORICAL_ROOT), root)) return true;
  }
  return false;
}

/** Root of the block at the first slot of `epoch` (the FFG target / checkpoint root). */
export function getBlockRoot(preset: Preset, state: BeaconStateView, epoch: number): Uint8Array {
  return getBlockRootAtSlot(state, computeStartSlotAtEpoch(preset, epoch));
}

/**
 * Exits and activations take effect at the start of the period after next, so the committee set of a period
 * is fixed before that period's lookahead begins (DESIGN.md §3).
 */
export function computeRegistryChangeEpoch(preset: Preset, epoch: number): number {
  return computeStartEpochAtPeriod(preset, computePeriodAtEpoch(preset, epoch) + 2);
}

export function checkpointsEqual(a: CheckpointValue, b: CheckpointValue): boolean {
  if (a.epoch !== b.epoch) return false;
  for (let i = 0; i < 32; i++) if (a.root[i] !== b.root[i]) return false;
  return true;
}

/** Schedules the exit of `index` through the exit queue (no-op if already scheduled). */
export function initiateValidatorExit(preset: Preset, state: BeaconStateView, index: number): void {
  if (state.validators.getReadonly(index).exitEpoch !== FAR_FUTURE_EPOCH) return;
  const exitEpoch = computeQueuedChangeEpoch(preset, state, "exit");
  state.validators.get(index).exitEpoch = exitEpoch;
}

/** Slashes `index`: flag, stake penalty stake/32, exit scheduled; its stake stops counting immediately. */
export function slashValidator(preset: Preset, state: BeaconStateView, index: number): void {
  const epoch = getCurrentEpoch(preset, state);
  initiateValidatorExit(preset, state, index);
  const validator = state.validators.get(index);
  validator.slashed = true;
  const penalty = validator.stake / MIN_SLASHING_PENALTY_QUOTIENT;
  validator.stake -= penalty;
  const slot = epoch % EPOCHS_PER_SLASHINGS_VECTOR;
  state.slashings.set(slot, state.slashings.get(slot) + penalty);
  state.burnedStake += penalty;
}
