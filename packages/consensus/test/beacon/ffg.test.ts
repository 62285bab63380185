import { describe, expect, it } from "vitest";
import { type CachedBeaconState, cloneCachedState } from "../../src/cache/cachedState.js";
import { TIMELY_SOURCE_FLAG, TIMELY_TARGET_FLAG } from "../../src/params/constants.js";
import { Simulator } from "../../src/sim/simulator.js";
import { getBlockRoot } from "../../src/stateTransition/accessors.js";
import {
  computeTargetStakes,
  processJustificationAndFinalization,
  type TargetStakes,
  weighJustificationAndFinalization,
} from "../../src/stateTransition/epoch/justification.js";
import { processSlots } from "../../src/stateTransition/slots.js";
import { Checkpoint } from "../../src/types/beacon.js";
import { createTestChain } from "./harness.js";

const chain = createTestChain(64);
const preset = chain.genesis.preset;
// Last slot of epoch 5: epoch processing for epoch 5 runs on this state.
const atEpoch5End: CachedBeaconState = processSlots(
  chain.state,
  5 * preset.SLOTS_PER_EPOCH + preset.SLOTS_PER_EPOCH - 1,
);

function setup(prevJustified: number, currJustified: number, bits: boolean[]): CachedBeaconState {
  const cached = cloneCachedState(atEpoch5End);
  const { state } = cached;
  state.previousJustifiedCheckpoint = Checkpoint.toViewDU({
    epoch: prevJustified,
    root: getBlockRoot(preset, state, prevJustified),
  });
  state.currentJustifiedCheckpoint = Checkpoint.toViewDU({
    epoch: currJustified,
    root: getBlockRoot(preset, state, currJustified),
  });
  for (const [i, bit] of bits.entries()) state.justificationBits.set(i, bit);
  return cached;
}

const total = 300n;
const stakes = (previous: bigint, current: bigint): TargetStakes => ({
  totalActiveStake: total,
  previousTargetStake: previous,
  currentTargetStake: current,
});

describe("Casper FFG justification and finalisation (phase 0 rules)", () => {
  it("rule 1: epochs 4, 3, 2 justified, source 2 = current - 3 → finalise 2", () => {
    const { state } = setup(2, 3, [false, true, true, false]);
    weighJustificationAndFinalization(preset, state, stakes(200n, 0n));
    expect(state.currentJustifiedCheckpoint.epoch).toBe(4);
    expect(state.finalizedCheckpoint.epoch).toBe(2);
    expect(state.finalizedCheckpoint.root).toEqual(getBlockRoot(preset, state, 2));
  });

  it("rule 2: epochs 4, 3 justified, source 3 = current - 2 → finalise 3", () => {
    const { state } = setup(3, 3, [false, true, false, false]);
    weighJustificationAndFinalization(preset, state, stakes(200n, 0n));
    expect(state.finalizedCheckpoint.epoch).toBe(3);
  });

  it("rule 3: epochs 5, 4, 3 justified, source 3 = current - 2 → finalise 3", () => {
    const { state } = setup(2, 3, [false, true, false, false]);
    weighJustificationAndFinalization(preset, state, stakes(200n, 200n));
    expect(state.currentJustifiedCheckpoint.epoch).toBe(5);
    expect(state.finalizedCheckpoint.epoch).toBe(3);
  });

  it("rule 4: epochs 5, 4 justified, source 4 = current - 1 → finalise 4", () => {
    const { state } = setup(3, 4, [true, false, false, false]);
    weighJustificationAndFinalization(preset, state, stakes(200n, 200n));
    expect(state.finalizedCheckpoint.epoch).toBe(4);
    expect(state.justificationBits.toBoolArray()).toEqual([true, true, false, false]);
  });

  it("exactly 2/3 justifies; one unit less does not (and nothing finalises)", () => {
    const justified = setup(3, 4, [true, false, false, false]).state;
    weighJustificationAndFinalization(preset, justified, stakes(0n, 200n));
    expect(justified.currentJustifiedCheckpoint.epoch).toBe(5);

    const missed = setup(3, 4, [true, false, false, false]).state;
    weighJustificationAndFinalization(preset, missed, stakes(199n, 199n));
    expect(missed.currentJustifiedCheckpoint.epoch).toBe(4);
    expect(missed.finalizedCheckpoint.epoch).toBe(0);
    expect(missed.justificationBits.toBoolArray()).toEqual([false, true, false, false]);
  });
});

describe("target stake from participation flags", () => {
  // 63 validators × 30 gwei-units: 2/3 of the stake is exactly 42 validators.
  const unit = 30_000_000_000n;
  function runWith(flagged: number, firstStake: bigint): CachedBeaconState {
    const stakesList = Array.from({ length: 63 }, (_, i) => (i === 0 ? firstStake : unit));
    const c = createTestChain(63, {}, stakesList);
    const cached = processSlots(c.state, 2 * preset.SLOTS_PER_EPOCH + preset.SLOTS_PER_EPOCH - 1);
    for (let i = 0; i < flagged; i++)
      cached.state.currentEpochParticipation.set(i, TIMELY_SOURCE_FLAG | TIMELY_TARGET_FLAG);
    // A source-only vote never counts towards the target.
    cached.state.currentEpochParticipation.set(62, TIMELY_SOURCE_FLAG);
    processJustificationAndFinalization(preset, cached.state);
    return cached;
  }

  it("counts distinct flagged validators' stake; 2/3 by exactly one gwei short fails", () => {
    const exact = runWith(42, unit);
    expect(computeTargetStakes(preset, exact.state).currentTargetStake).toBe(42n * unit);
    expect(exact.state.currentJustifiedCheckpoint.epoch).toBe(2);
    const short = runWith(42, unit - 1n);
    expect(short.state.currentJustifiedCheckpoint.epoch).toBe(0);
  });
});

describe("finalisation as soon as the supermajority link is on chain (Additions to DESIGN.md)", () => {
  it("a block one slot into epoch e finalises epoch e - 1, and finality never moves back in epoch processing", () => {
    const sim = new Simulator({
      validators: 64,
      shards: 4,
      epochs: 6,
      offline: 0,
      seed: 3,
      preset: "local",
      signatures: false,
      transactions: false,
    });
    const E = sim.preset.SLOTS_PER_EPOCH;
    const finalizedAfter: number[] = [];
    for (let slot = 1; slot <= 6 * E; slot++) {
      sim.runSlot(slot);
      finalizedAfter[slot] = sim.headState().state.finalizedCheckpoint.epoch;
    }
    // From epoch 4 on: epoch 2 is the first justified, so epoch 3 finalises epoch 2 at its second slot.
    expect(finalizedAfter[3 * E + 1]).toBe(2);
    for (const epoch of [4, 5]) {
      // Every committee member attests every slot: the first slot's votes, included at the second, are
      // the whole epoch's target votes, with the previous epoch as source.
      expect(finalizedAfter[epoch * E]).toBe(epoch - 2);
      expect(finalizedAfter[epoch * E + 1]).toBe(epoch - 1);
      // Epoch processing (at the end of the epoch) finalises the same checkpoint, not an older one.
      expect(finalizedAfter[epoch * E + E - 1]).toBe(epoch - 1);
      expect(finalizedAfter[(epoch + 1) * E]).toBe(epoch - 1);
    }
    // Justification still moves only in epoch processing.
    expect(sim.headState().state.currentJustifiedCheckpoint.epoch).toBe(5);
  });

  it("epoch processing keeps a finalised checkpoint newer than the one its rules would pick", () => {
    // Rule 2 would finalise 3; epoch 4 was already finalised by a block of this epoch.
    const { state } = setup(3, 3, [false, true, false, false]);
    state.finalizedCheckpoint = Checkpoint.toViewDU({ epoch: 4, root: getBlockRoot(preset, state, 4) });
    weighJustificationAndFinalization(preset, state, stakes(200n, 0n));
    expect(state.finalizedCheckpoint.epoch).toBe(4);
  });
});
