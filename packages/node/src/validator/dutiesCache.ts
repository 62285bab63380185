import {
  type CachedBeaconState,
  computeStartSlotAtEpoch,
  type Preset,
  SLOTS_PER_HISTORICAL_ROOT,
} from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";

/**
 * The root duties of `epoch` depend on, as `state` (at or after the epoch's first slot) sees it: its chain's last
 * block before the epoch's first slot ("genesis" for epoch 0). Committees, shard and beacon proposers of the
 * epoch are fixed by that block's chain, so two branches with different dependent roots may assign different duties.
 */
export function dutiesDependentRoot(state: CachedBeaconState, preset: Preset, epoch: number): string {
  const start = computeStartSlotAtEpoch(preset, epoch);
  if (start === 0) return "genesis";
  return bytesToHex(state.state.blockRoots.get((start - 1) % SLOTS_PER_HISTORICAL_ROOT));
}

/** One epoch's duties, kept while the epoch and its dependent root stay the same; recomputed after a reorg. */
export class EpochDutiesCache<T> {
  private epoch = -1;
  private dependentRoot = "";
  private value: T | undefined;

  get(epoch: number, dependentRoot: string, compute: () => T): T {
    if (this.value === undefined || epoch !== this.epoch || dependentRoot !== this.dependentRoot) {
      this.value = compute();
      this.epoch = epoch;
      this.dependentRoot = dependentRoot;
    }
    return this.value;
  }
}
