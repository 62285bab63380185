import { type CachedBeaconState, cloneCachedState } from "../cache/cachedState.js";
import { EpochContext } from "../cache/epochContext.js";
import { SLOTS_PER_HISTORICAL_ROOT } from "../params/constants.js";
import type { BeaconStateView } from "../types/index.js";
import { bytesEqual, ZERO_ROOT } from "../util/bytes.js";
import { processEpoch } from "./epoch/index.js";

/** Phase 0 `process_slot`: caches the previous state root and block root. */
export function processSlot(state: BeaconStateView): void {
  const previousStateRoot = state.hashTreeRoot();
  state.stateRoots.set(state.slot % SLOTS_PER_HISTORICAL_ROOT, previousStateRoot);
  if (bytesEqual(state.latestBlockHeader.stateRoot, ZERO_ROOT))
    state.latestBlockHeader.stateRoot = previousStateRoot;
  state.blockRoots.set(state.slot % SLOTS_PER_HISTORICAL_ROOT, state.latestBlockHeader.hashTreeRoot());
}

/** Advances `cached` to `slot` in place: empty slots, epoch processing, a new EpochContext per epoch. */
export function processSlotsInPlace(cached: CachedBeaconState, slot: number): void {
  const { preset } = cached.epochCtx;
  const state = cached.state;
  if (!(Number.isSafeInteger(slot) && slot > state.slot)) {
    throw new Error(`cannot process slots to ${slot}: the state is already at slot ${state.slot}`);
  }
  while (state.slot < slot) {
    processSlot(state);
    const endsEpoch = (state.slot + 1) % preset.SLOTS_PER_EPOCH === 0;
    if (endsEpoch) processEpoch(preset, state);
    state.slot += 1;
    if (endsEpoch) {
      state.commit();
      cached.epochCtx = new EpochContext(cached.epochCtx.caches, state);
    }
  }
}

/** Pure: a copy of `cached` advanced to `slot` (the input is untouched). */
export function processSlots(cached: CachedBeaconState, slot: number): CachedBeaconState {
  const next = cloneCachedState(cached);
  processSlotsInPlace(next, slot);
  return next;
}
