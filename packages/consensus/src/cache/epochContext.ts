import type { Preset } from "../params/presets.js";
import {
  computeBeaconProposerIndex,
  computeShardProposerIndex,
  type PeriodShuffling,
} from "../shuffling/committees.js";
import { getBeaconProposerSeed, getPeriodSeed } from "../shuffling/seed.js";
import type { BeaconStateView } from "../types/index.js";
import { uint64ToBytes } from "../util/bytes.js";
import {
  computeEpochAtSlot,
  computePeriodAtEpoch,
  computeStartEpochAtPeriod,
  computeStartSlotAtEpoch,
} from "../util/epoch.js";
import { sha256 } from "../util/hash.js";
import { isActiveValidator, isCommitteeEligible } from "../util/validator.js";
import { PubkeyCache, type PubkeyLookup } from "./pubkeyCache.js";
import { ShufflingCache } from "./shufflingCache.js";

/** Caches shared by every EpochContext of one chain (append-only pubkeys, memoised shufflings). */
export interface ChainCaches {
  preset: Preset;
  pubkeys: PubkeyCache;
  shufflings: ShufflingCache;
}

export function createChainCaches(preset: Preset, pubkeys: PubkeyCache = new PubkeyCache()): ChainCaches {
  return { preset, pubkeys, shufflings: new ShufflingCache() };
}

/**
 * What a state's current epoch needs, computed once at the epoch boundary (Lodestar's EpochContext):
 * committees of the current and next period (lookahead), beacon proposers, stakes and totals.
 * Immutable after creation, so state copies share it.
 */
export class EpochContext {
  readonly preset: Preset;
  readonly epoch: number;
  readonly period: number;
  /** Committees of the period of `epoch`. */
  readonly currentShuffling: PeriodShuffling;
  /** Committees of the next period (fixed from the start of the current period). */
  readonly nextShuffling: PeriodShuffling;
  /** Committees of the period of `epoch - 1` (attestations from the previous epoch). */
  readonly previousShuffling: PeriodShuffling;
  /** Beacon proposer per slot of `epoch`. */
  readonly proposers: number[];
  /** Stake per validator at the epoch start, 0 when slashed or inactive. */
  readonly stakes: bigint[];
  readonly totalActiveStake: bigint;
  readonly activeIndices: number[];
  /** Registry size at the epoch start (deposits later in the epoch append beyond it). */
  readonly validatorCount: number;
  /** Decoded keys of this state's registry (shared cache, or an overlay where forks disagree). */
  readonly pubkeys: PubkeyLookup;

  constructor(
    readonly caches: ChainCaches,
    state: BeaconStateView,
  ) {
    const preset = caches.preset;
    this.preset = preset;
    this.epoch = computeEpochAtSlot(preset, state.slot);
    this.period = computePeriodAtEpoch(preset, this.epoch);
    state.commit(); // getAllReadonlyValues reads committed nodes only
    const validators = state.validators.getAllReadonlyValues();
    this.validatorCount = validators.length;
    this.pubkeys = caches.pubkeys.forRegistry(validators);
    const stakes: bigint[] = new Array(validators.length);
    const active: number[] = [];
    let total = 0n;
    for (let i = 0; i < validators.length; i++) {
      const v = validators[i];
      if (v && isActiveValidator(v, this.epoch)) {
        stakes[i] = v.stake;
        total += v.stake;
        active.push(i);
      } else {
        stakes[i] = 0n;
      }
    }
    this.stakes = stakes;
    this.totalActiveStake = total;
    this.activeIndices = active;

    const shufflingFor = (period: number): PeriodShuffling => {
      const startEpoch = computeStartEpochAtPeriod(preset, Math.max(period, 0));
      const eligible: number[] = [];
      for (let i = 0; i < validators.length; i++) {
        const v = validators[i];
        if (v && isCommitteeEligible(v, startEpoch)) eligible.push(i);
      }
      const seed = getPeriodSeed(preset, state, period);
      return caches.shufflings.get(
        period,
        seed,
        Uint32Array.from(eligible),
        preset.SHARD_COUNT,
        preset.SHUFFLE_ROUND_COUNT,
      );
    };
    this.currentShuffling = shufflingFor(this.period);
    this.nextShuffling = shufflingFor(this.period + 1);
    const previousPeriod = computePeriodAtEpoch(preset, Math.max(this.epoch - 1, 0));
    this.previousShuffling =
      previousPeriod === this.period ? this.currentShuffling : shufflingFor(previousPeriod);

    const epochSeed = getBeaconProposerSeed(state, this.epoch);
    const startSlot = computeStartSlotAtEpoch(preset, this.epoch);
    this.proposers = [];
    for (let slot = startSlot; slot < startSlot + preset.SLOTS_PER_EPOCH; slot++) {
      const slotSeed = sha256(epochSeed, uint64ToBytes(slot));
      this.proposers.push(
        computeBeaconProposerIndex(active, (i) => stakes[i] ?? 0n, slotSeed, preset.SHUFFLE_ROUND_COUNT),
      );
    }
  }

  /** Shuffling serving `epoch` (previous, current or next period relative to this context). */
  getShufflingAtEpoch(epoch: number): PeriodShuffling {
    const period = computePeriodAtEpoch(this.preset, epoch);
    if (period === this.period) return this.currentShuffling;
    if (period === this.period + 1) return this.nextShuffling;
    if (period === this.previousShuffling.period) return this.previousShuffling;
    throw new Error(
      `committees for epoch ${epoch} (period ${period}) are not known at epoch ${this.epoch}: only periods ${this.previousShuffling.period}..${this.period + 1}`,
    );
  }

  getShardCommittee(shard: number, slot: number): Uint32Array {
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.preset.SHARD_COUNT) {
      throw new Error(`shard ${shard} does not exist: SHARD_COUNT is ${this.preset.SHARD_COUNT}`);
    }
    return this.getShufflingAtEpoch(computeEpochAtSlot(this.preset, slot)).committees[shard] as Uint32Array;
  }

  getShardProposer(shard: number, slot: number): number {
    return computeShardProposerIndex(
      this.getShufflingAtEpoch(computeEpochAtSlot(this.preset, slot)),
      shard,
      slot,
    );
  }

  getBeaconProposer(slot: number): number {
    const epoch = computeEpochAtSlot(this.preset, slot);
    if (epoch !== this.epoch) {
      throw new Error(
        `beacon proposer of slot ${slot} (epoch ${epoch}) is unknown at epoch ${this.epoch}: process slots first`,
      );
    }
    return this.proposers[slot - computeStartSlotAtEpoch(this.preset, epoch)] as number;
  }

  stakeOf(index: number): bigint {
    return this.stakes[index] ?? 0n;
  }
}
