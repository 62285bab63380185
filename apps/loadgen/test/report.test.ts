import { describe, expect, it } from "vitest";
import { buildReport, formatSummary, latencyChartSvg, reportJson } from "../src/report.js";
import {
  applyStatus,
  latencySummary,
  percentile,
  settleInclusion,
  type TransferRecord,
} from "../src/tracker.js";

const START = Date.parse("2026-11-25T12:00:00Z");
const at = (ms: number) => new Date(START + ms).toISOString();

function record(i: number, extra: Partial<TransferRecord> = {}): TransferRecord {
  return {
    hash: `h${i}`,
    scheduledMs: START + i * 100,
    shard: 0,
    cross: i % 2 === 0,
    accepted: true,
    ...extra,
  };
}

const config = {
  rate: 10,
  durationSeconds: 2,
  crossShare: 0.5,
  senders: 4,
  receivers: 8,
  nodes: ["http://x"],
  seed: 1,
};

describe("load report", () => {
  it("keeps the earliest time any node reports for each status, and never a time in the future", () => {
    const r = record(0);
    applyStatus(r, { hash: "h0", status: "included", included: { time: at(2000) } }, START + 5000);
    applyStatus(r, { hash: "h0", status: "included", included: { time: at(1500) } }, START + 5000);
    applyStatus(r, { hash: "h0", status: "included", included: { time: at(1800) } }, START + 5000);
    applyStatus(
      r,
      { hash: "h0", status: "finalized", included: { time: at(1500) }, finalized: { time: at(9000) } },
      START + 6000,
    );
    expect(r.includedMs).toBe(START + 1500);
    expect(r.finalizedMs).toBe(START + 6000);
  });

  it("times inclusion by the first head announcement of the including block when that came before the node's report", () => {
    const r = record(0);
    applyStatus(
      r,
      { hash: "h0", status: "included", included: { time: at(1900), blockRoot: "0xaa" } },
      START + 5000,
    );
    settleInclusion(r, new Map([["0xbb", START + 100]]));
    expect(r.includedMs).toBe(START + 1900);
    settleInclusion(r, new Map([["0xaa", START + 1100]]));
    expect(r.includedMs).toBe(START + 1100);
    settleInclusion(r, new Map([["0xaa", START + 1500]]));
    expect(r.includedMs).toBe(START + 1100);
  });

  it("measures latency from the scheduled send and counts transfers that never arrived as never", () => {
    expect(percentile([3, 1, 2, 4], 50)).toBe(2);
    expect(percentile([1, 2, Number.POSITIVE_INFINITY], 99)).toBe(Number.POSITIVE_INFINITY);
    const records = [
      record(0, { includedMs: START + 1000, finalizedMs: START + 20_000 }),
      record(1, { includedMs: START + 2100 }),
      record(2, { accepted: false, rejection: "nonce_gap: ahead" }),
    ];
    const included = latencySummary(records, "included");
    expect(included.count).toBe(2);
    expect(included.p50).toBeCloseTo(1.0);
    expect(included.p99).toBeCloseTo(2.0);
    const finalized = latencySummary(records, "finalized");
    expect(finalized.count).toBe(1);
    expect(finalized.p99).toBe(Number.POSITIVE_INFINITY);
  });

  it("counts transfers a node dropped after accepting them apart from those not yet finalized", () => {
    const dropped = record(1, {});
    applyStatus(
      dropped,
      {
        hash: "0x01",
        status: "dropped",
        reason: { code: "nonce_gap", message: "waited 40 slots for nonce 3" },
      },
      START + 5000,
    );
    expect(dropped.dropped).toBe("nonce_gap: waited 40 slots for nonce 3");
    const report = buildReport(
      config,
      [
        record(0, { finalizedMs: START + 9000 }),
        dropped,
        record(2, {}),
        record(3, { accepted: false, reached: false, rejection: "request failed: ECONNREFUSED" }),
      ],
      START,
      1,
    );
    expect(report.notFinalized).toBe(1);
    expect(report.dropped).toBe(1);
    expect(report.drops).toEqual({ nonce_gap: 1 });
    expect(report.unreached).toBe(1);
    expect(report.rejected).toBe(0);
    expect(formatSummary(report)).toContain("never reached a node 1");
    expect(formatSummary(report)).toContain("1 accepted transfers were dropped by the node");
  });

  it("writes JSON, a summary that names every rejection reason, and an SVG chart with a line per series", () => {
    const records = [
      ...Array.from({ length: 20 }, (_, i) =>
        record(i, {
          includedMs: START + i * 100 + 1200,
          crosslinkedMs: START + i * 100 + 3000,
          finalizedMs: START + i * 100 + 20_000,
        }),
      ),
      record(20, { accepted: false, rejection: "insufficient_balance: balance 0 < amount 1 + fee 1" }),
    ];
    const report = buildReport(config, records, START, 2.05);
    expect(report.sent).toBe(21);
    expect(report.accepted).toBe(20);
    expect(report.rejections).toEqual({ "insufficient_balance: balance 0 < amount 1 + fee 1": 1 });
    expect(report.notFinalized).toBe(0);
    expect(report.timeline.map((p) => p.sent)).toEqual([10, 10]);
    expect(report.timeline[0]!.includedP99).toBeCloseTo(1.2);
    const json = JSON.parse(reportJson(report));
    expect(json.latency.finalized.p50).toBeCloseTo(20);
    const summary = formatSummary(report);
    expect(summary).toContain("insufficient_balance");
    expect(summary).toContain("every accepted transfer reached finalized");
    const svg = latencyChartSvg(report);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    // every series has a point per second of the run
    for (const points of svg.matchAll(/<polyline[^>]* points="([^"]*)"/g))
      expect(points[1]!.split(" ")).toHaveLength(2);
  });
});
