/** The chaos report: one row per scenario (table for people, JSON for tools). */
import type { ScenarioResult } from "./runner.js";

export function formatTable(results: readonly ScenarioResult[]): string {
  const header = [
    "scenario",
    "faults",
    "duration",
    "finality stall",
    "longest crosslink gap",
    "transfers lost",
    "invariants",
    "result",
  ];
  const rows = results.map((r) => [
    r.scenario,
    r.faults.join("; ") || "-",
    `${r.durationSeconds} s`,
    `${r.finalityStallEpochs} epochs`,
    `${r.longestCrosslinkGapSlots} slots`,
    String(r.transfersLost),
    Object.entries(r.invariants)
      .map(([name, v]) => `${name} ${v}`)
      .join(", "),
    r.pass ? "PASS" : "FAIL",
  ]);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((row) => row[i]!.length))));
  const cell = (text: string, i: number) =>
    text.length > widths[i]! ? `${text.slice(0, widths[i]! - 1)}…` : text.padEnd(widths[i]!);
  const line = (cells: string[]) => cells.map(cell).join(" | ");
  const details = results.flatMap((r) => [
    ...r.expectations
      .filter((e) => !e.ok)
      .map((e) => `  ${r.scenario}: expectation failed: ${e.name}: ${e.detail}`),
    ...r.violations.map((v) => `  ${r.scenario}: ${v.invariant} violated at slot ${v.slot}: ${v.message}`),
  ]);
  return [line(header), widths.map((w) => "-".repeat(w)).join("-+-"), ...rows.map(line), ...details].join(
    "\n",
  );
}

/** A row for a scenario that could not run to its end (the devnet failed to start, a harness error). */
export function erroredResult(
  scenario: string,
  seed: number,
  short: boolean,
  err: Error,
  startedMs: number,
): ScenarioResult {
  return {
    scenario,
    seed,
    short,
    faults: [],
    durationSeconds: Math.round((Date.now() - startedMs) / 1000),
    finalityStallEpochs: -1,
    longestCrosslinkGapSlots: -1,
    transfersLost: -1,
    load: null,
    invariants: { safety: "fail", supply: "fail", receipts: "fail", liveness: "fail", durability: "fail" },
    expectations: [{ name: "the scenario ran to its end", ok: false, detail: err.message }],
    violations: [],
    finalizedEpoch: -1,
    crosslinkedEpochs: {},
    supplyChecks: 0,
    diskAudit: [],
    pass: false,
    devnetDir: "",
  };
}
