/**
 * Protocol presets (DESIGN.md §2). Every value can be overridden by name (flag / env / genesis file).
 * `local` drives the devnet and tests; `scale` drives the simulator and benchmarks.
 */
export interface Preset {
  SHARD_COUNT: number;
  SLOTS_PER_EPOCH: number;
  SECONDS_PER_SLOT: number;
  /** Epochs per shard committee period. */
  SHARD_COMMITTEE_PERIOD: number;
  TARGET_COMMITTEE_SIZE: number;
  SHUFFLE_ROUND_COUNT: number;
  MAX_TXS_PER_SHARD_BLOCK: number;
  /** Registry churn per epoch: max(MIN_PER_EPOCH_CHURN_LIMIT, active validators / CHURN_LIMIT_QUOTIENT). */
  MIN_PER_EPOCH_CHURN_LIMIT: number;
  CHURN_LIMIT_QUOTIENT: number;
  /** A validator may exit voluntarily only after this many committee periods of activity. */
  MIN_VALIDATOR_ACTIVE_PERIODS: number;
  /**
   * Epochs from a validator's exit to the epoch its stake is sent back to its withdrawal address (a slashed
   * validator waits EPOCHS_PER_SLASHINGS_VECTOR instead, when that is longer).
   */
  MIN_VALIDATOR_WITHDRAWABILITY_DELAY: number;
}

export type PresetName = "local" | "scale";

export const localPreset: Preset = {
  SHARD_COUNT: 4,
  SLOTS_PER_EPOCH: 8,
  SECONDS_PER_SLOT: 2,
  SHARD_COMMITTEE_PERIOD: 4,
  TARGET_COMMITTEE_SIZE: 16,
  SHUFFLE_ROUND_COUNT: 90,
  MAX_TXS_PER_SHARD_BLOCK: 16384,
  MIN_PER_EPOCH_CHURN_LIMIT: 4,
  CHURN_LIMIT_QUOTIENT: 65536,
  MIN_VALIDATOR_ACTIVE_PERIODS: 2,
  MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 4,
};

export const scalePreset: Preset = {
  SHARD_COUNT: 64,
  SLOTS_PER_EPOCH: 32,
  SECONDS_PER_SLOT: 6,
  SHARD_COMMITTEE_PERIOD: 256,
  TARGET_COMMITTEE_SIZE: 128,
  SHUFFLE_ROUND_COUNT: 90,
  MAX_TXS_PER_SHARD_BLOCK: 16384,
  MIN_PER_EPOCH_CHURN_LIMIT: 4,
  CHURN_LIMIT_QUOTIENT: 65536,
  MIN_VALIDATOR_ACTIVE_PERIODS: 1,
  MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 256,
};

export const presets: Record<PresetName, Preset> = { local: localPreset, scale: scalePreset };

export function isPresetName(name: string): name is PresetName {
  return name === "local" || name === "scale";
}

/** The preset `name` with `overrides` applied; throws on an unknown preset, key or a non-positive integer. */
export function resolvePreset(name: string, overrides: Partial<Record<string, number>> = {}): Preset {
  if (!isPresetName(name)) {
    throw new Error(`unknown preset "${name}": use one of ${Object.keys(presets).join(", ")}`);
  }
  const resolved: Preset = { ...presets[name] };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in resolved)) {
      throw new Error(`unknown preset value "${key}": valid names are ${Object.keys(resolved).join(", ")}`);
    }
    if (value === undefined || !Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`preset value ${key} must be a positive integer, got ${String(value)}`);
    }
    resolved[key as keyof Preset] = value;
  }
  return resolved;
}
