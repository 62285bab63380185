import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeScaleReport } from "../../bench/scale/output.js";
import {
  goalRatios,
  markdownReport,
  type ScaleReport,
  type ScaleRow,
  TABLE_COLUMNS,
  textTable,
} from "../../bench/scale/report.js";
import { runScaleBench } from "../../bench/scale/run.js";
import { addressOnShard } from "../../bench/scale/shardWork.js";
import { shardOf } from "../../src/shard/index.js";

// Behaviour only: the bench's pieces run end to end on a tiny load (1 and 2 shards, committees of 4, 4 transfers).
describe("bench:scale", () => {
  let report: ScaleReport;
  const measure = () => {
    report ??= runScaleBench({
      shardCounts: [2, 1],
      transfers: 4,
      crossShardShare: 0.5,
      runs: 1,
      presetOverrides: { TARGET_COMMITTEE_SIZE: 4, SLOTS_PER_EPOCH: 4 },
    });
    return report;
  };

  it("measures one row per shard count: full committees, every transfer and receipt in the block", () => {
    const { rows } = measure();
    expect(rows.map((r) => r.shards)).toEqual([1, 2]);
    expect(rows.map((r) => r.validators)).toEqual([4, 8]);
    expect(rows.map((r) => r.committeeSize)).toEqual([4, 4]);
    expect(rows.map((r) => r.transfersPerBlock)).toEqual([4, 4]);
    // One shard has nobody to send to; with two, shard 0 receives as many receipts as it sends.
    expect(rows.map((r) => r.receiptsPerBlock)).toEqual([0, 2]);
    for (const row of rows) {
      expect(row.shardTotalMs).toBeGreaterThan(0);
      expect(row.beaconBlockMs).toBeGreaterThan(0);
      expect(row.capacityTps).toBeCloseTo(row.shards * row.capacityPerShardTps);
      expect(row.beaconShareOfSlot).toBeCloseTo(row.beaconPerSlotMs / 6000);
    }
  });

  it("writes the table, the JSON and the SVG with a row, a bar and a point per shard count", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-scale-"));
    try {
      writeScaleReport(measure(), dir);
      const markdown = readFileSync(join(dir, "scale.md"), "utf8");
      const tableLines = markdown.split("\n").filter((line) => line.startsWith("|"));
      expect(tableLines).toHaveLength(2 + 2);
      expect(tableLines[0]).toBe(`| ${TABLE_COLUMNS.join(" | ")} |`);
      for (const line of tableLines.slice(2)) expect(line.split("|").length - 2).toBe(TABLE_COLUMNS.length);
      expect(markdown).toContain("ratio to goal");
      const json = JSON.parse(readFileSync(join(dir, "scale.json"), "utf8")) as ScaleReport;
      expect(json.rows.map((r) => r.shards)).toEqual([1, 2]);
      const svg = readFileSync(join(dir, "scale.svg"), "utf8");
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg.match(/class="capacity"/g)).toHaveLength(2);
      expect(svg.match(/class="beacon-share"/g)).toHaveLength(2);
      expect(textTable(measure()).split("\n")).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("states the goals: shard work at the most shards against 4, beacon share at the most shards", () => {
    const row = (shards: number, shardTotalMs: number, beaconShareOfSlot: number) =>
      ({ ...measure().rows[0], shards, shardTotalMs, beaconShareOfSlot }) as ScaleRow;
    const goals = goalRatios([row(1, 90, 0.001), row(4, 100, 0.003), row(64, 110, 0.04)]);
    expect(goals.map((g) => g.name)).toEqual([
      "shard block work per slot, 64 vs 4 shards",
      "beacon work per slot at 64 shards, share of the slot",
    ]);
    expect(goals[0]?.ratioToGoal).toBeCloseTo(1.1 / 1.2);
    expect(goals[1]?.ratioToGoal).toBeCloseTo(0.8);
    expect(markdownReport({ ...measure(), goals })).toContain("64 vs 4 shards: 1.10× (goal ≤ 1.2×)");
  });

  it("finds a cross-shard recipient on every shard of 64, for many seeds", () => {
    for (let seed = 0; seed < 300; seed++) {
      const shard = 1 + (seed % 63);
      expect(shardOf(addressOnShard(shard, 64, seed), 64)).toBe(shard);
    }
  });
});
