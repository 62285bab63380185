import { afterEach, describe, expect, it, vi } from "vitest";
import { runSimulatorCli } from "../src/cli.js";

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

  it("exits 2 with usage on a bad flag", () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(" "));
    });
    expect(runSimulatorCli(["--offline", "7"])).toBe(2);
    expect(errors.join("\n")).toMatch(/--offline must be between 0 and 1[\s\S]*usage/);
  });
});
