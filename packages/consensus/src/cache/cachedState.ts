import type { BeaconStateView } from "../types/index.js";
import { type ChainCaches, EpochContext } from "./epochContext.js";

/**
 * A tree-backed state plus its epoch caches. Copying is O(1): the ViewDU is copy-on-write and the
 * EpochContext is immutable (a new one is made at each epoch boundary).
 */
export interface CachedBeaconState {
  state: BeaconStateView;
  epochCtx: EpochContext;
}

export function createCachedBeaconState(state: BeaconStateView, caches: ChainCaches): CachedBeaconState {
  return { state, epochCtx: new EpochContext(caches, state) };
}

/** O(1) copy. Commits pending changes first (a ViewDU clone only carries committed data). */
export function cloneCachedState(cached: CachedBeaconState): CachedBeaconState {
  cached.state.commit();
  return { state: cached.state.clone(), epochCtx: cached.epochCtx };
}
