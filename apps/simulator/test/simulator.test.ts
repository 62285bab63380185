import { runSimulation } from "@shardnet/consensus";
import { describe, expect, it } from "vitest";
import { parseSimulatorArgs } from "../src/cli.js";

const base = { validators: 64, shards: 4, seed: 7, preset: "local" as const };

describe("simulator (64 validators, 4 shards, local preset, real BLS)", () => {
  it("all online: finalised by epoch 3 and every shard crosslinked every epoch", () => {
    const s = runSimulation({ ...base, epochs: 4, offline: 0 });
    expect(s.finalizedEpoch).toBeGreaterThanOrEqual(2);
    expect(s.justifiedEpoch).toBe(3);
    expect(s.epochsWithoutCrosslink).toBe(0);
    expect(s.crosslinksPerShard.every((n) => n >= 4)).toBe(true);
    expect(s.safetyViolations).toBe(0);
    // Shard transactions: the default workload (16 transfers per slot, half cross-shard) flows end to end.
    expect(s.txsIncluded).toBeGreaterThan(s.txsSubmitted / 2);
    expect(s.receiptsSent).toBeGreaterThan(0);
    expect(s.receiptsCredited).toBeGreaterThan(s.receiptsSent / 2);
    expect(s.receiptsCredited).toBeLessThanOrEqual(s.receiptsSent);
    expect(s.supplyConserved).toBe(true);
  });

  it("25% offline: still finalises", () => {
    const s = runSimulation({ ...base, epochs: 5, offline: 0.25 });
    expect(s.offlineValidators).toBe(16);
    expect(s.finalizedEpoch).toBeGreaterThanOrEqual(2);
    expect(s.safetyViolations).toBe(0);
  });

  it("40% offline: no finality and no safety violation", () => {
    const s = runSimulation({ ...base, epochs: 5, offline: 0.4 });
    expect(s.justifiedEpoch).toBe(0);
    expect(s.finalizedEpoch).toBe(0);
    expect(s.safetyViolations).toBe(0);
  });
});

describe("simulator determinism (signatures off)", () => {
  it("same seed → same state root; different seed → different committees", () => {
    const a = runSimulation({ ...base, epochs: 2, offline: 0.1, signatures: false });
    const b = runSimulation({ ...base, epochs: 2, offline: 0.1, signatures: false });
    const c = runSimulation({ ...base, seed: 8, epochs: 2, offline: 0.1, signatures: false });
    expect(a.stateRoot).toBe(b.stateRoot);
    expect(a.committeeFingerprint).toBe(b.committeeFingerprint);
    expect(c.committeeFingerprint).not.toBe(a.committeeFingerprint);
    expect(c.stateRoot).not.toBe(a.stateRoot);
  });
});

describe("simulator CLI flags", () => {
  it("parses flags and rejects bad values with a message", () => {
    expect(
      parseSimulatorArgs(["--validators", "128", "--offline", "0.25", "--json", "--no-signatures"]),
    ).toMatchObject({
      validators: 128,
      offline: 0.25,
      json: true,
      signatures: false,
    });
    expect(() => parseSimulatorArgs(["--offline", "2"])).toThrow(/between 0 and 1/);
    expect(() => parseSimulatorArgs(["--preset", "huge"])).toThrow(/local or scale/);
    expect(
      parseSimulatorArgs(["--txs-per-slot", "40", "--cross-shard", "0.2", "--accounts", "10"]),
    ).toMatchObject({
      transactions: { txsPerSlot: 40, crossShardShare: 0.2, accounts: 10 },
    });
    expect(parseSimulatorArgs(["--no-transactions"])).toMatchObject({ transactions: false });
    expect(() => parseSimulatorArgs(["--cross-shard", "1.5"])).toThrow(/between 0 and 1/);
    expect(parseSimulatorArgs([])).toMatchObject({ deposits: undefined, exits: 0 });
    expect(parseSimulatorArgs(["--deposits", "3", "--deposit-every", "2", "--exits", "2"])).toMatchObject({
      deposits: { count: 3, everySlots: 2 },
      exits: 2,
    });
    expect(() => parseSimulatorArgs(["--deposits", "1", "--no-transactions"])).toThrow(
      /transaction workload/,
    );
    expect(() => parseSimulatorArgs(["--deposit-every", "0"])).toThrow(/at least 1/);
    expect(parseSimulatorArgs(["--deposits", "3", "--exit-deposited", "2"])).toMatchObject({
      exits: 0,
      exitDeposited: 2,
    });
    expect(() => parseSimulatorArgs(["--deposits", "1", "--exit-deposited", "2"])).toThrow(
      /--exit-deposited must be between 0 and --deposits \(1\)/,
    );
    expect(parseSimulatorArgs([])).toMatchObject({ presetOverrides: {} });
    expect(
      parseSimulatorArgs([
        "--preset-value",
        "SHARD_COMMITTEE_PERIOD=1",
        "--preset-value",
        "MIN_VALIDATOR_WITHDRAWABILITY_DELAY=2",
      ]),
    ).toMatchObject({
      presetOverrides: { SHARD_COMMITTEE_PERIOD: 1, MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 2 },
    });
    expect(() => parseSimulatorArgs(["--preset-value", "SHARD_COMMITTEE_PERIOD"])).toThrow(/NAME=N/);
    expect(() => parseSimulatorArgs(["--preset-value", "NOT_A_VALUE=1"])).toThrow(
      /unknown preset value "NOT_A_VALUE"/,
    );
    expect(() => parseSimulatorArgs(["--preset-value", "SHARD_COMMITTEE_PERIOD=0"])).toThrow(
      /positive integer/,
    );
    expect(() => parseSimulatorArgs(["--preset-value", "SHARD_COUNT=2"])).toThrow(/use --shards/);
  });
});
