import { addressFromPubkey, devAccountKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { MAX_STAKE, TIMELY_TARGET_FLAG } from "../../src/params/constants.js";
import { depositsRegisteredProblem, isSupplyConserved } from "../../src/shard/receipts.js";
import { Simulator } from "../../src/sim/simulator.js";
import { computeRegistryChangeEpoch } from "../../src/stateTransition/accessors.js";
import { toHex } from "../../src/util/bytes.js";
import { computeEpochAtSlot } from "../../src/util/epoch.js";

const GENESIS_VALIDATORS = 64;
const DEPOSITS = 6;
/** Not MAX_STAKE, so a stake equal to it comes from the deposit and nowhere else. */
const AMOUNT = 20_000_000_000n;

describe("simulator: validators join by deposit (64 genesis validators, 4 shards, local preset, real BLS)", () => {
  it("registers each deposit once from its shard's receipt, activates the new validators, which sit in committees and attest; supply holds every slot", () => {
    const sim = new Simulator({
      validators: GENESIS_VALIDATORS,
      shards: 4,
      epochs: 11,
      offline: 0,
      seed: 11,
      preset: "local",
      deposits: { count: DEPOSITS, everySlots: 3, amount: AMOUNT },
    });
    const { preset } = sim;
    const workload = sim.shardTransactions!;
    const shards = workload.shards;
    /** Epoch in which each new pubkey was first registered. */
    const registeredAt = new Map<string, number>();
    const lastSlot = 11 * preset.SLOTS_PER_EPOCH;
    for (let slot = 1; slot <= lastSlot; slot++) {
      sim.runSlot(slot);
      // Supply, checked here too (not only by the simulator): balances + in flight + fees + deposits paid.
      const { state } = sim.headState();
      expect(isSupplyConserved(shards.heads, shards.genesisSupply), `slot ${slot}`).toBe(true);
      expect(
        depositsRegisteredProblem(shards.heads, state.depositedAmounts.getAll()),
        `slot ${slot}`,
      ).toBeNull();
      for (let i = GENESIS_VALIDATORS; i < state.validators.length; i++) {
        const key = toHex(state.validators.getReadonly(i).pubkey);
        if (!registeredAt.has(key)) registeredAt.set(key, computeEpochAtSlot(preset, slot));
      }
    }
    const summary = sim.summary();
    expect(workload.supplyProblem).toBeUndefined();
    expect(summary.supplyConserved).toBe(true);

    // Every deposit sent, included in a shard block, and registered exactly once.
    const sent = workload.sentDeposits;
    expect(sent).toHaveLength(DEPOSITS);
    expect(new Set(sent.map((d) => d.shard)).size).toBeGreaterThan(1);
    const head = sim.headState();
    const { state } = head;
    expect(state.validators.length).toBe(GENESIS_VALIDATORS + DEPOSITS);
    const registry = Array.from({ length: state.validators.length }, (_, i) =>
      state.validators.getReadonly(i),
    );
    for (const deposit of sent) {
      const matches = registry.flatMap((v, i) => (toHex(v.pubkey) === toHex(deposit.pubkey) ? [i] : []));
      expect(matches).toHaveLength(1);
      const validator = registry[matches[0]!]!;
      expect(matches[0]).toBeGreaterThanOrEqual(GENESIS_VALIDATORS);
      expect(validator.stake).toBe(AMOUNT);
      expect(toHex(validator.withdrawalAddress)).toBe(
        toHex(addressFromPubkey(devAccountKey(deposit.sender).publicKey)),
      );
    }
    expect(state.depositCursors.getAll().reduce((a, b) => a + b, 0)).toBe(DEPOSITS);
    expect(state.depositedAmounts.getAll().reduce((a, b) => a + b, 0n)).toBe(BigInt(DEPOSITS) * AMOUNT);
    // What the shards paid equals what the beacon chain registered, per shard.
    for (const shardState of shards.heads)
      expect(shardState.sentAmount(shardState.beaconOutbox)).toBe(
        state.depositedAmounts.get(shardState.shard),
      );
    expect(summary.deposits).toMatchObject({
      sent: DEPOSITS,
      included: DEPOSITS,
      rejected: 0,
      registered: DEPOSITS,
    });

    // Each becomes active at the registry-change epoch of the epoch it was registered in (queue not full).
    const epoch = computeEpochAtSlot(preset, state.slot);
    for (let i = GENESIS_VALIDATORS; i < registry.length; i++) {
      const v = registry[i]!;
      const registered = registeredAt.get(toHex(v.pubkey))!;
      expect(v.activationEpoch).toBe(computeRegistryChangeEpoch(preset, registered));
      expect(v.activationEpoch).toBeLessThanOrEqual(epoch - 2);
      expect(epoch).toBeLessThan(v.exitEpoch);
    }
    expect(summary.deposits?.activated).toBe(DEPOSITS);

    // Once active they sit in shard committees, and their attestations are on chain (previous epoch's target).
    const inCommittee = new Set<number>();
    const firstSlot = epoch * preset.SLOTS_PER_EPOCH;
    for (let slot = firstSlot; slot < firstSlot + preset.SLOTS_PER_EPOCH; slot++)
      for (let shard = 0; shard < preset.SHARD_COUNT; shard++)
        for (const index of head.epochCtx.getShardCommittee(shard, slot)) inCommittee.add(index);
    for (let i = GENESIS_VALIDATORS; i < registry.length; i++) {
      expect(inCommittee.has(i), `validator ${i} in a committee of epoch ${epoch}`).toBe(true);
      expect(
        state.previousEpochParticipation.get(i) & TIMELY_TARGET_FLAG,
        `validator ${i} attested`,
      ).not.toBe(0);
      expect(sim.newValidatorAttestations.get(i) ?? 0).toBeGreaterThan(0);
    }
    expect(summary.deposits?.attested).toBe(DEPOSITS);

    // Finality continues with the larger registry; nothing conflicting was finalized.
    expect(summary.finalizedEpoch).toBeGreaterThanOrEqual(9);
    expect(summary.safetyViolations).toBe(0);
    expect(summary.epochsWithoutCrosslink).toBe(0);
    expect(MAX_STAKE).toBeGreaterThan(AMOUNT);
  });

  it("is deterministic with deposits and exits: same seed, same state root and summary", () => {
    const config = {
      validators: 32,
      shards: 4,
      epochs: 3,
      offline: 0.1,
      seed: 21,
      signatures: false,
      deposits: { count: 3, everySlots: 2 },
      exits: { count: 1 },
    };
    const a = new Simulator(config).run();
    const b = new Simulator(config).run();
    expect(a.deposits?.registered).toBe(3);
    expect(b).toEqual(a);
    expect(new Simulator({ ...config, seed: 22 }).run().stateRoot).not.toBe(a.stateRoot);
  });

  it("is off by default: no deposits summary, genesis registry only", () => {
    const sim = new Simulator({
      validators: 16,
      shards: 4,
      epochs: 1,
      offline: 0,
      seed: 3,
      signatures: false,
    });
    const summary = sim.run();
    expect(summary.deposits).toBeUndefined();
    expect(sim.headState().state.validators.length).toBe(16);
    expect(
      () => new Simulator({ ...sim.config, transactions: false, deposits: { count: 1, everySlots: 1 } }),
    ).toThrow(/transaction workload/);
  });
});
