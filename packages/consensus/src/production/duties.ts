import type { CachedBeaconState } from "../cache/cachedState.js";
import { computePeriodAtEpoch, computeStartSlotAtEpoch } from "../util/epoch.js";

/** What one validator does in one epoch. */
export interface ValidatorDuty {
  validatorIndex: number;
  epoch: number;
  period: number;
  /** Shard whose committee the validator sits in this period, or null when it holds no seat. */
  shard: number | null;
  /** Position in that committee (its aggregation bit) and the committee size. */
  committeePosition: number | null;
  committeeSize: number;
  /** Slots of `epoch` where it proposes the shard block of `shard`. */
  shardProposerSlots: number[];
  /** Slots of `epoch` where it proposes the beacon block (only known for the state's current epoch). */
  beaconProposerSlots: number[];
}

/**
 * Duties of `validatorIndices` in `epoch`: the state's current epoch, or any epoch of the current or next
 * period (committees have one period of lookahead; beacon proposers are known only for the current epoch).
 */
export function getDuties(
  cached: CachedBeaconState,
  validatorIndices: readonly number[],
  epoch: number,
): ValidatorDuty[] {
  const { epochCtx } = cached;
  const preset = epochCtx.preset;
  const shuffling = epochCtx.getShufflingAtEpoch(epoch);
  const startSlot = computeStartSlotAtEpoch(preset, epoch);
  const slots = Array.from({ length: preset.SLOTS_PER_EPOCH }, (_, i) => startSlot + i);
  const beaconProposers = epoch === epochCtx.epoch ? epochCtx.proposers : [];
  return validatorIndices.map((validatorIndex) => {
    const shard = shuffling.shardOfValidator.get(validatorIndex);
    const committee = shard === undefined ? undefined : shuffling.committees[shard];
    const position = committee ? committee.indexOf(validatorIndex) : -1;
    return {
      validatorIndex,
      epoch,
      period: computePeriodAtEpoch(preset, epoch),
      shard: shard ?? null,
      committeePosition: position >= 0 ? position : null,
      committeeSize: committee?.length ?? 0,
      shardProposerSlots:
        shard === undefined
          ? []
          : slots.filter((slot) => epochCtx.getShardProposer(shard, slot) === validatorIndex),
      beaconProposerSlots: slots.filter((_, i) => beaconProposers[i] === validatorIndex),
    };
  });
}
