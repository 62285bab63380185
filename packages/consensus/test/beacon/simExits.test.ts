import { describe, expect, it } from "vitest";
import { FAR_FUTURE_EPOCH } from "../../src/params/constants.js";
import { Simulator } from "../../src/sim/simulator.js";
import { computeRegistryChangeEpoch } from "../../src/stateTransition/accessors.js";
import { computeEpochAtSlot } from "../../src/util/epoch.js";

const EPOCHS = 10;

describe("simulator: voluntary exits (64 validators, 4 shards, local preset with 2-epoch periods, real BLS)", () => {
  it("a few validators exit as soon as allowed, leave committees at their exit epoch, and finality continues", () => {
    const sim = new Simulator({
      validators: 64,
      shards: 4,
      epochs: EPOCHS,
      offline: 0,
      seed: 5,
      preset: "local",
      // Exitable from epoch 2, exited at the period after next (epoch 6), so the run stays short.
      presetOverrides: { SHARD_COMMITTEE_PERIOD: 2, MIN_VALIDATOR_ACTIVE_PERIODS: 1 },
      exits: { count: 3 },
    });
    const { preset } = sim;
    const exiting = sim.exitingValidators;
    expect(exiting).toEqual([61, 62, 63]);
    const exitableFrom = preset.MIN_VALIDATOR_ACTIVE_PERIODS * preset.SHARD_COMMITTEE_PERIOD;
    const expectedExitEpoch = computeRegistryChangeEpoch(preset, exitableFrom);
    const scheduledAt = new Map<number, number>();
    let committeeSlotsChecked = 0;
    /** Committee seats the exiting validators held before their exit epoch (they did serve). */
    let seatsBeforeExit = 0;
    for (let slot = 1; slot <= EPOCHS * preset.SLOTS_PER_EPOCH; slot++) {
      sim.runSlot(slot);
      const head = sim.headState();
      const epoch = computeEpochAtSlot(preset, slot);
      for (const index of exiting) {
        const { exitEpoch } = head.state.validators.getReadonly(index);
        if (exitEpoch !== FAR_FUTURE_EPOCH && !scheduledAt.has(index)) scheduledAt.set(index, epoch);
      }
      if (epoch < expectedExitEpoch && head.state.slot === slot) {
        for (let shard = 0; shard < preset.SHARD_COUNT; shard++)
          for (const index of head.epochCtx.getShardCommittee(shard, slot))
            if (exiting.includes(index)) seatsBeforeExit++;
      }
      if (epoch >= expectedExitEpoch && head.state.slot === slot) {
        committeeSlotsChecked++;
        for (let shard = 0; shard < preset.SHARD_COUNT; shard++) {
          const committee = Array.from(head.epochCtx.getShardCommittee(shard, slot));
          for (const index of exiting) expect(committee, `slot ${slot} shard ${shard}`).not.toContain(index);
        }
        for (const index of exiting) expect(head.epochCtx.getBeaconProposer(slot)).not.toBe(index);
      }
    }
    expect(committeeSlotsChecked).toBeGreaterThan(preset.SLOTS_PER_EPOCH);
    expect(seatsBeforeExit).toBeGreaterThan(0);
    const head = sim.headState();
    for (const index of exiting) {
      expect(scheduledAt.get(index), `validator ${index} exit scheduled`).toBe(exitableFrom);
      const v = head.state.validators.getReadonly(index);
      expect(v.exitEpoch).toBe(expectedExitEpoch);
      expect(v.slashed).toBe(false);
    }
    // Validators that did not ask to exit did not.
    for (let i = 0; i < 61; i++)
      expect(head.state.validators.getReadonly(i).exitEpoch).toBe(FAR_FUTURE_EPOCH);
    const summary = sim.summary();
    expect(summary.exits).toEqual({ requested: 3, scheduled: 3, exited: 3 });
    expect(summary.finalizedEpoch).toBeGreaterThanOrEqual(EPOCHS - 2);
    expect(summary.safetyViolations).toBe(0);
    expect(summary.supplyConserved).toBe(true);
  });
});
