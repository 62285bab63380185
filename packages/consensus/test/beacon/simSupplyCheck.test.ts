import { describe, expect, it } from "vitest";
import { cloneCachedState } from "../../src/cache/cachedState.js";
import { shardOf } from "../../src/shard/address.js";
import { type SimulationConfig, Simulator } from "../../src/sim/simulator.js";

/** One genesis validator exits at epoch 3 and is withdrawn (to the zero account) at the end of epoch 3. */
const config: SimulationConfig = {
  validators: 16,
  shards: 4,
  epochs: 5,
  offline: 0,
  seed: 9,
  preset: "local",
  signatures: false,
  presetOverrides: {
    SHARD_COMMITTEE_PERIOD: 1,
    MIN_VALIDATOR_ACTIVE_PERIODS: 1,
    MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 1,
  },
  exits: { count: 1 },
};

describe("simulator: the supply check against the beacon head can fail", () => {
  it("reports shards crediting more withdrawals than the beacon head sent", () => {
    const sim = new Simulator(config);
    const slots = config.epochs * sim.preset.SLOTS_PER_EPOCH;
    for (let slot = 1; slot <= slots; slot++) sim.runSlot(slot);
    const workload = sim.shardTransactions!;
    expect(workload.supplyProblem).toBeUndefined();
    const dest = shardOf(new Uint8Array(20), sim.preset.SHARD_COUNT); // the zero account's shard
    expect(workload.shards.heads[dest]!.inboxCursor(sim.preset.SHARD_COUNT)).toBe(1);

    const tampered = cloneCachedState(sim.headState());
    tampered.state.withdrawnAmounts.set(dest, 0n);
    tampered.state.commit();
    workload.endSlot(slots, tampered.state.currentCrosslinks.getAllReadonlyValues(), tampered);
    expect(workload.supplyProblem).toMatch(
      new RegExp(
        `^slot ${slots}: shard ${dest} credited \\d+ gwei of withdrawals, the beacon chain sent it 0$`,
      ),
    );
    expect(sim.summary().supplyConserved).toBe(false);
  });

  it("reports a beacon head whose stake ledger is off by one gwei", () => {
    const sim = new Simulator(config);
    sim.runSlot(1);
    const workload = sim.shardTransactions!;
    const tampered = cloneCachedState(sim.headState());
    tampered.state.burnedStake += 1n;
    tampered.state.commit();
    workload.endSlot(1, tampered.state.currentCrosslinks.getAllReadonlyValues(), tampered);
    expect(workload.supplyProblem).toMatch(
      /^slot 1: stake held \d+ \+ burned 1 \+ withdrawn 0 ≠ genesis stake/,
    );
    expect(sim.summary().supplyConserved).toBe(false);
  });
});
