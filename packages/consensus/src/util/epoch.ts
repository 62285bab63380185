import type { Preset } from "../params/presets.js";

export function computeEpochAtSlot(preset: Preset, slot: number): number {
  return Math.floor(slot / preset.SLOTS_PER_EPOCH);
}

export function computeStartSlotAtEpoch(preset: Preset, epoch: number): number {
  return epoch * preset.SLOTS_PER_EPOCH;
}

/** Shard committee period of `epoch` (DESIGN.md §3). */
export function computePeriodAtEpoch(preset: Preset, epoch: number): number {
  return Math.floor(epoch / preset.SHARD_COMMITTEE_PERIOD);
}

export function computeStartEpochAtPeriod(preset: Preset, period: number): number {
  return period * preset.SHARD_COMMITTEE_PERIOD;
}

export function computePeriodAtSlot(preset: Preset, slot: number): number {
  return computePeriodAtEpoch(preset, computeEpochAtSlot(preset, slot));
}
