import { describe, expect, it } from "vitest";
import { histogramDelta, histogramOf, histogramQuantile, parsePrometheusText } from "../src/benchDevnet.js";

const TEXT = `# HELP shardnet_duty_seconds Time spent on validator duties in one slot phase
# TYPE shardnet_duty_seconds histogram
shardnet_duty_seconds_bucket{le="0.01",phase="propose"} 2
shardnet_duty_seconds_bucket{le="0.1",phase="propose"} 8
shardnet_duty_seconds_bucket{le="1",phase="propose"} 10
shardnet_duty_seconds_bucket{le="+Inf",phase="propose"} 10
shardnet_duty_seconds_sum{phase="propose"} 0.5
shardnet_duty_seconds_count{phase="propose"} 10
shardnet_duty_seconds_bucket{le="0.01",phase="attest"} 10
shardnet_duty_seconds_bucket{le="0.1",phase="attest"} 10
shardnet_duty_seconds_bucket{le="1",phase="attest"} 10
shardnet_duty_seconds_bucket{le="+Inf",phase="attest"} 10
shardnet_duty_seconds_sum{phase="attest"} 0.02
shardnet_duty_seconds_count{phase="attest"} 10
`;

describe("bench:devnet histogram quantiles (histogram_quantile semantics)", () => {
  const samples = parsePrometheusText(TEXT);

  it("parses buckets and sums label sets", () => {
    const all = histogramOf(samples, "shardnet_duty_seconds");
    expect(all.count).toBe(20);
    expect(all.sum).toBeCloseTo(0.52);
    expect(all.buckets.get(0.01)).toBe(12);
    expect(all.buckets.get(Number.POSITIVE_INFINITY)).toBe(20);
  });

  it("interpolates linearly inside the bucket that holds the rank", () => {
    const propose = histogramOf(samples, "shardnet_duty_seconds", (l) => l.phase === "propose");
    // rank 5 of 10: bucket (0.01, 0.1] holds ranks 3..8 → 0.01 + 0.09 * (5 - 2) / 6
    expect(histogramQuantile(0.5, propose)).toBeCloseTo(0.01 + (0.09 * 3) / 6);
    // rank 1 of 10 in the first bucket: lower bound 0
    expect(histogramQuantile(0.1, propose)).toBeCloseTo(0.005);
    // rank 9.9: bucket (0.1, 1] holds 9..10
    expect(histogramQuantile(0.99, propose)).toBeCloseTo(0.1 + (0.9 * 1.9) / 2);
  });

  it("returns the largest finite bound for a rank in +Inf and NaN without observations", () => {
    const h = {
      buckets: new Map([
        [1, 1],
        [Number.POSITIVE_INFINITY, 10],
      ]),
      count: 10,
      sum: 100,
    };
    expect(histogramQuantile(0.99, h)).toBe(1);
    expect(histogramQuantile(0.5, histogramOf([], "x"))).toBeNaN();
  });

  it("differences two scrapes bucket by bucket", () => {
    const after = histogramOf(samples, "shardnet_duty_seconds");
    const delta = histogramDelta(after, after);
    expect(delta.count).toBe(0);
    expect(histogramQuantile(0.5, delta)).toBeNaN();
  });
});
