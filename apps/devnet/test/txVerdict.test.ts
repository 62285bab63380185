import { describe, expect, it } from "vitest";
import {
  highestSustained,
  judgeStep,
  type LatencyLimits,
  type StepLatencies,
  stageLatency,
} from "../src/txVerdict.js";

const limits: LatencyLimits = { slotMs: 2000, slotsPerEpoch: 8 };

/** A step in which every one of 100 sent transfers reached each stage after the same latency (ms). */
function step(
  includedMs: number,
  crosslinkedMs: number,
  finalizedMs: number,
  finalized = 100,
): StepLatencies {
  const sent = 100;
  const all = (ms: number, n = sent) =>
    stageLatency(
      Array.from({ length: n }, () => ms),
      sent,
    );
  return {
    sent,
    accepted: sent,
    stages: {
      included: all(includedMs),
      crosslinked: all(crosslinkedMs),
      finalized: all(finalizedMs, finalized),
    },
  };
}

const failed = (s: StepLatencies) =>
  judgeStep(s, limits)
    .lines.filter((l) => !l.ok)
    .map((l) => l.rule);

describe("bench:tx verdict (issue 17's lines)", () => {
  it("sustains a step that meets every line", () => {
    const verdict = judgeStep(step(3000, 6000, 40_000), limits);
    expect(verdict.sustained).toBe(true);
    expect(verdict.lines.map((l) => l.rule)).toEqual([
      "included p99 ≤ 2 slots",
      "crosslinked p99 ≤ included p99 + 2 slots",
      "finalized p99 ≤ 3 epochs",
      "every accepted transfer finalized",
    ]);
  });

  it("judges crosslinked p99 against inclusion p99 + 2 slots", () => {
    expect(failed(step(3000, 7000, 40_000))).toEqual([]);
    expect(failed(step(3000, 7001, 40_000))).toEqual(["crosslinked p99 ≤ included p99 + 2 slots"]);
  });

  it("judges finalized p99 against 3 epochs (48 s at 2-s slots and 8-slot epochs)", () => {
    expect(failed(step(3000, 6000, 48_000))).toEqual([]);
    expect(failed(step(3000, 6000, 51_130))).toEqual(["finalized p99 ≤ 3 epochs"]);
  });

  it("judges inclusion p99 against 2 slots", () => {
    expect(failed(step(4001, 6000, 40_000))).toEqual(["included p99 ≤ 2 slots"]);
  });

  it("fails a step in which an accepted transfer never finalized, even with p99 in bounds", () => {
    const s = step(3000, 6000, 40_000, 100);
    s.stages.finalized = stageLatency(
      Array.from({ length: 1000 }, () => 40_000),
      1001,
    );
    s.sent = 1001;
    s.accepted = 1001;
    expect(s.stages.finalized.p99).toBe(40_000);
    expect(failed(s)).toEqual(["every accepted transfer finalized"]);
  });

  it("counts a transfer that never reached a stage as infinitely late", () => {
    const l = stageLatency([1000, 2000], 4);
    expect(l.reached).toBe(2);
    expect(l.p50).toBe(2000);
    expect(l.p99).toBe(Number.POSITIVE_INFINITY);
    const s = step(3000, 6000, 40_000);
    s.stages.crosslinked = stageLatency(
      Array.from({ length: 98 }, () => 6000),
      100,
    );
    expect(failed(s)).toEqual(["crosslinked p99 ≤ included p99 + 2 slots"]);
  });

  it("does not sustain a step with nothing accepted", () => {
    const s = step(3000, 6000, 40_000, 0);
    s.accepted = 0;
    expect(judgeStep(s, limits).sustained).toBe(false);
  });

  it("picks the highest sustained rate, not the last one", () => {
    const judged = [
      { rate: 200, verdict: judgeStep(step(3000, 6000, 40_000), limits) },
      { rate: 400, verdict: judgeStep(step(3000, 6000, 40_000), limits) },
      { rate: 800, verdict: judgeStep(step(3000, 6000, 60_000), limits) },
    ];
    expect(highestSustained(judged)?.rate).toBe(400);
    expect(highestSustained(judged.slice(2))).toBeUndefined();
  });
});
