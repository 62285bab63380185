import { addressFromPubkey, devAccountKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { FAR_FUTURE_EPOCH, MAX_STAKE } from "../../src/params/constants.js";
import { shardOf } from "../../src/shard/address.js";
import {
  depositsRegisteredProblem,
  isSupplyConserved,
  withdrawalsCreditedProblem,
} from "../../src/shard/receipts.js";
import { SIM_ACCOUNT_BALANCE, SIM_DEPOSIT_FEE } from "../../src/sim/shardTransactions.js";
import { type SimulationConfig, Simulator } from "../../src/sim/simulator.js";
import { stakeLedgerProblem } from "../../src/stateTransition/epoch/withdrawals.js";
import { toHex } from "../../src/util/bytes.js";

const GENESIS_VALIDATORS = 32;
const GENESIS_STAKE = MAX_STAKE * BigInt(GENESIS_VALIDATORS);
/** Not MAX_STAKE, so a credit of exactly this comes from a deposited validator's withdrawal. */
const AMOUNT = 20_000_000_000n;
const EPOCHS = 8;
/** Short periods: a deposit registered in epoch 1 is active at 3, exits at 6, is withdrawn at the end of 6. */
const SHORT_PERIODS = {
  SHARD_COMMITTEE_PERIOD: 1,
  MIN_VALIDATOR_ACTIVE_PERIODS: 1,
  MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 1,
};

const config: SimulationConfig = {
  validators: GENESIS_VALIDATORS,
  shards: 4,
  epochs: EPOCHS,
  offline: 0,
  seed: 7,
  preset: "local",
  presetOverrides: SHORT_PERIODS,
  deposits: { count: 3, everySlots: 2, amount: AMOUNT },
  // One genesis validator (zero withdrawal address) and the first two deposited validators exit.
  exits: { count: 1, deposited: 2 },
};

describe("simulator: withdrawals (32 genesis validators, 4 shards, local preset with 1-epoch periods)", () => {
  it("exited validators' stake is credited once to their withdrawal address on its shard; the whole supply invariant holds every slot", () => {
    const sim = new Simulator(config);
    const { preset } = sim;
    const workload = sim.shardTransactions!;
    const shards = workload.shards;
    let creditedBeforeEnd = 0;
    for (let slot = 1; slot <= EPOCHS * preset.SLOTS_PER_EPOCH; slot++) {
      sim.runSlot(slot);
      // Each part of the invariant, checked here too against the beacon head.
      const { state } = sim.headState();
      expect(isSupplyConserved(shards.heads, shards.genesisSupply), `slot ${slot}`).toBe(true);
      expect(depositsRegisteredProblem(shards.heads, state.depositedAmounts.getAll())).toBeNull();
      expect(withdrawalsCreditedProblem(shards.heads, state.withdrawnAmounts.getAll())).toBeNull();
      expect(stakeLedgerProblem(state, GENESIS_STAKE), `slot ${slot}`).toBeNull();
      expect(workload.supplyProblem, `slot ${slot}`).toBeUndefined();
      if (slot < EPOCHS * preset.SLOTS_PER_EPOCH)
        creditedBeforeEnd = shards.heads.reduce((n, h) => n + h.inboxCursor(h.beaconOutbox), 0);
    }
    expect(creditedBeforeEnd).toBe(3); // credited before the run's last slot, not just in it

    const head = sim.headState();
    const { state } = head;
    const summary = sim.summary();
    expect(summary.supplyConserved).toBe(true);
    expect(summary.exits).toEqual({ requested: 3, scheduled: 3, exited: 3 });
    expect(summary.withdrawals).toEqual({
      sent: 3,
      sentGwei: (MAX_STAKE + 2n * AMOUNT).toString(),
      credited: 3,
      creditedGwei: (MAX_STAKE + 2n * AMOUNT).toString(),
    });

    // The deposited validators that exited: stake 0, and the paying dev account has it back (it only lost the fee).
    const sent = workload.sentDeposits;
    expect(sent).toHaveLength(3);
    const indexOf = (pubkey: Uint8Array) => {
      for (let i = 0; i < state.validators.length; i++)
        if (toHex(state.validators.getReadonly(i).pubkey) === toHex(pubkey)) return i;
      throw new Error("not registered");
    };
    for (const [k, deposit] of sent.entries()) {
      const v = state.validators.getReadonly(indexOf(deposit.pubkey));
      const address = addressFromPubkey(devAccountKey(deposit.sender).publicKey);
      const balance = shards.heads[deposit.shard]!.getAccount(address)?.balance;
      if (k < 2) {
        expect(v.exitEpoch).not.toBe(FAR_FUTURE_EPOCH);
        expect(v.stake).toBe(0n);
        expect(balance, `deposit ${k} withdrawn to dev:${deposit.sender}`).toBe(
          SIM_ACCOUNT_BALANCE - SIM_DEPOSIT_FEE,
        );
      } else {
        expect(v.exitEpoch).toBe(FAR_FUTURE_EPOCH);
        expect(v.stake).toBe(AMOUNT);
        expect(balance).toBe(SIM_ACCOUNT_BALANCE - SIM_DEPOSIT_FEE - AMOUNT);
      }
    }
    // The genesis validator's stake went to the zero account, on its shard.
    const zero = new Uint8Array(20);
    expect(state.validators.getReadonly(sim.exitingValidators[0]!).stake).toBe(0n);
    expect(shards.heads[shardOf(zero, preset.SHARD_COUNT)]!.getAccount(zero)?.balance).toBe(MAX_STAKE);

    // receiptsSent / receiptsCredited count shard→shard receipts only: no deposit, no withdrawal.
    let shardToShardSent = 0;
    let shardToShardCredited = 0;
    for (const h of shards.heads)
      for (let other = 0; other < preset.SHARD_COUNT; other++) {
        shardToShardSent += h.outboxLength(other);
        if (other !== h.shard) shardToShardCredited += h.inboxCursor(other);
      }
    expect(summary.receiptsSent).toBe(shardToShardSent);
    expect(summary.receiptsCredited).toBe(shardToShardCredited);
    expect(summary.safetyViolations).toBe(0);
  });

  it("is deterministic: same seed, same summary with withdrawals", () => {
    const fast = { ...config, signatures: false };
    const a = new Simulator(fast).run();
    const b = new Simulator(fast).run();
    expect(a.withdrawals?.credited).toBe(3);
    expect(b).toEqual(a);
    // Only deposits the run sends can exit.
    expect(() => new Simulator({ ...fast, exits: { count: 0, deposited: 4 } })).toThrow(/exits.deposited/);
  });
});
