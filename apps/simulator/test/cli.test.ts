import type { SimulationSummary } from "@shardnet/consensus";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatSummary, runSimulatorCli } from "../src/cli.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("simulate --json", () => {
  it("prints one JSON object with the summary fields on the last line", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
    const code = runSimulatorCli([
      "--validators",
      "32",
      "--epochs",
      "1",
      "--no-signatures",
      "--json",
      "--seed",
      "3",
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(lines.at(-1) ?? "") as Record<string, unknown>;
    for (const key of [
      "finalizedEpoch",
      "justifiedEpoch",
      "headSlot",
      "crosslinksPerShard",
      "safetyViolations",
      "stateRoot",
    ]) {
      expect(summary).toHaveProperty(key);
    }
    expect(summary.headSlot).toBe(8);
    expect(summary.crosslinksPerShard).toHaveLength(4);
    expect(summary.stateRoot).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("--deposits: the summary reports the deposits sent and registered", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
    const code = runSimulatorCli([
      "--validators",
      "32",
      "--epochs",
      "2",
      "--no-signatures",
      "--deposits",
      "2",
      "--deposit-every",
      "2",
      "--json",
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(lines.at(-1) ?? "") as { deposits?: Record<string, number> };
    expect(summary.deposits).toMatchObject({ sent: 2, included: 2, registered: 2, newValidators: 2 });
    expect(lines.join("\n")).toMatch(/deposits: 2 sent, 2 in shard blocks, 2 registered/);
  });

  it("prints the withdrawals line when the summary has withdrawals, and none without", () => {
    const base: SimulationSummary = {
      validators: 32,
      shards: 4,
      epochs: 1,
      offlineValidators: 0,
      headSlot: 8,
      justifiedEpoch: 0,
      finalizedEpoch: 0,
      blocksProposed: 8,
      slotsMissed: 0,
      crosslinksPerShard: [7, 7, 7, 7],
      epochsWithoutCrosslink: 0,
      safetyViolations: 0,
      stateRoot: `0x${"00".repeat(32)}`,
      committeeFingerprint: `0x${"00".repeat(32)}`,
      signatures: false,
      txsSubmitted: 10,
      txsIncluded: 9,
      receiptsSent: 4,
      receiptsCredited: 3,
      supplyConserved: true,
    };
    const withWithdrawals = formatSummary(
      {
        ...base,
        withdrawals: { sent: 3, sentGwei: "72000000000", credited: 2, creditedGwei: "52000000000" },
      },
      1,
    );
    expect(withWithdrawals).toMatch(/shard→shard receipts 3\/4 credited, supply conserved/);
    expect(withWithdrawals).toMatch(
      /^withdrawals: 3 sent \(72000000000 gwei\), 2 credited on shards \(52000000000 gwei\)$/m,
    );
    expect(formatSummary(base, 1)).not.toMatch(/withdrawals/);
  });

  it("exits 2 with usage on a bad flag", () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(" "));
    });
    expect(runSimulatorCli(["--offline", "7"])).toBe(2);
    expect(errors.join("\n")).toMatch(/--offline must be between 0 and 1[\s\S]*usage/);
  });
});
