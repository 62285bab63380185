import {
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_SHARD_COMMITTEE,
  EPOCHS_PER_HISTORICAL_VECTOR,
  MIN_SEED_LOOKAHEAD,
} from "../params/constants.js";
import type { Preset } from "../params/presets.js";
import type { BeaconStateView } from "../types/index.js";
import { uint64ToBytes } from "../util/bytes.js";
import { sha256 } from "../util/hash.js";

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** RANDAO mix of `epoch` (final once the epoch has ended). Negative epochs wrap, holding the genesis mix. */
export function getRandaoMix(state: BeaconStateView, epoch: number): Uint8Array {
  return state.randaoMixes.get(mod(epoch, EPOCHS_PER_HISTORICAL_VECTOR));
}

/**
 * Committee seed for period `p` (DESIGN.md §3): sha256(DOMAIN_SHARD_COMMITTEE ‖ uint64(p) ‖ mix at the end of
 * period p-2). The mix is final once period p-1 starts: one full period of lookahead.
 */
export function getPeriodSeed(preset: Preset, state: BeaconStateView, period: number): Uint8Array {
  const lastEpochOfPeriodBeforeLast = (period - 1) * preset.SHARD_COMMITTEE_PERIOD - 1;
  return sha256(
    DOMAIN_SHARD_COMMITTEE,
    uint64ToBytes(period),
    getRandaoMix(state, lastEpochOfPeriodBeforeLast),
  );
}

/** Beacon proposer seed for `epoch` (phase 0 `get_seed` with the mix of epoch - MIN_SEED_LOOKAHEAD - 1). */
export function getBeaconProposerSeed(state: BeaconStateView, epoch: number): Uint8Array {
  return sha256(
    DOMAIN_BEACON_PROPOSER,
    uint64ToBytes(epoch),
    getRandaoMix(state, epoch - MIN_SEED_LOOKAHEAD - 1),
  );
}
