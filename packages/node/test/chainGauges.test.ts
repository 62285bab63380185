import { TIMELY_SOURCE_FLAG, TIMELY_TARGET_FLAG } from "@shardnet/consensus";
import { describe, expect, it } from "vitest";
import {
  participationRatio,
  type ValidatorRecord,
  validatorStatus,
  validatorStatusCounts,
} from "../src/metrics/chainGauges.js";
import { NodeMetrics } from "../src/metrics/nodeMetrics.js";

const v = (stake: number, activationEpoch = 0, exitEpoch = Infinity, slashed = false): ValidatorRecord => ({
  stake: BigInt(stake) * 1_000_000_000n,
  activationEpoch,
  exitEpoch,
  slashed,
});

describe("participation ratio (previous epoch, by target-vote stake)", () => {
  it("weighs target votes by stake among the validators active in that epoch", () => {
    const validators = [v(32), v(32), v(64), v(32)];
    const flags = [TIMELY_TARGET_FLAG | TIMELY_SOURCE_FLAG, 0, TIMELY_TARGET_FLAG, TIMELY_SOURCE_FLAG];
    // 32 + 64 of 160
    expect(participationRatio(validators, flags, 3)).toBeCloseTo(0.6, 6);
  });

  it("leaves out validators not active in the epoch (queued, exited, slashed) from both sides", () => {
    const validators = [v(32), v(32, 5), v(32, 0, 2), v(32, 0, Infinity, true)];
    const all = [TIMELY_TARGET_FLAG, TIMELY_TARGET_FLAG, TIMELY_TARGET_FLAG, TIMELY_TARGET_FLAG];
    expect(participationRatio(validators, all, 3)).toBe(1);
    expect(participationRatio(validators, [0, ...all.slice(1)], 3)).toBe(0);
  });

  it("is 0 with no active stake, and treats missing flags as no vote", () => {
    expect(participationRatio([], [], 0)).toBe(0);
    expect(participationRatio([v(32, 9)], [TIMELY_TARGET_FLAG], 1)).toBe(0);
    expect(participationRatio([v(32), v(32)], [TIMELY_TARGET_FLAG], 1)).toBe(0.5);
  });
});

describe("validator status", () => {
  it("tells queued, active, exiting, exited and slashed apart", () => {
    expect(validatorStatus(v(32, 4), 3)).toBe("queued");
    expect(validatorStatus(v(32, 0), 3)).toBe("active");
    expect(validatorStatus(v(32, 0, 6), 3)).toBe("exiting");
    expect(validatorStatus(v(32, 0, 3), 3)).toBe("exited");
    expect(validatorStatus(v(32, 0, 6, true), 3)).toBe("slashed");
    expect(validatorStatusCounts([v(32), v(32), v(32, 9), v(32, 0, 1)], 3)).toEqual({
      queued: 1,
      active: 2,
      exiting: 0,
      exited: 1,
      slashed: 0,
    });
  });
});

describe("NodeMetrics", () => {
  it("names default metrics shardnet_process_* and nodejs_*, never shardnet_process_process_*", async () => {
    const text = await new NodeMetrics().registry.metrics();
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
    expect(names).toContain("shardnet_process_cpu_seconds_total");
    expect(names).toContain("shardnet_process_resident_memory_bytes");
    expect(names).toContain("nodejs_heap_size_used_bytes");
    expect(names).toContain("nodejs_eventloop_lag_seconds");
    expect(names.filter((n) => n.includes("process_process") || n.startsWith("shardnet_nodejs"))).toEqual([]);
    expect(names.filter((n) => !n.startsWith("shardnet_") && !n.startsWith("nodejs_"))).toEqual([]);
  });

  it("reads the chain view once per scrape and moves receipt counters up to the state's counts", async () => {
    const metrics = new NodeMetrics();
    let reads = 0;
    let outbox = [0, 3];
    metrics.watchChains(() => {
      reads++;
      return {
        shards: [
          {
            shard: 0,
            mempool: 7,
            accounts: 5,
            headSlot: 20,
            crosslinkedSlot: 16,
            outbox,
            inbox: [0, 2],
            pendingReceipts: 1,
          },
        ],
        participation: 0.75,
        validators: { queued: 1, active: 8, exiting: 0, exited: 0, slashed: 0 },
        dbSizeBytes: 1234,
      };
    });
    const value = async (name: string, labels: Record<string, string> = {}) => {
      const json = await metrics.registry.getSingleMetric(name)!.get();
      return json.values.find((x) => Object.entries(labels).every(([k, l]) => String(x.labels[k]) === l))
        ?.value;
    };
    await metrics.registry.metrics();
    expect(reads).toBe(1);
    expect(await value("shardnet_mempool_transactions", { shard: "0" })).toBe(7);
    expect(await value("shardnet_crosslink_lag_slots", { shard: "0" })).toBe(4);
    expect(await value("shardnet_receipts_sent_total", { source: "0", dest: "1" })).toBe(3);
    expect(await value("shardnet_receipts_credited_total", { source: "1", dest: "0" })).toBe(2);
    expect(await value("shardnet_validator_participation_ratio")).toBe(0.75);
    expect(await value("shardnet_validators", { status: "queued" })).toBe(1);
    expect(await value("shardnet_db_size_bytes")).toBe(1234);
    // A reorg to fewer receipts leaves the counter where it was; more moves it up by the difference.
    await new Promise((r) => setTimeout(r, 600));
    outbox = [0, 2];
    expect(await value("shardnet_receipts_sent_total", { source: "0", dest: "1" })).toBe(3);
    await new Promise((r) => setTimeout(r, 600));
    outbox = [0, 9];
    expect(await value("shardnet_receipts_sent_total", { source: "0", dest: "1" })).toBe(9);
  });

  it("a chain view that throws gives empty gauges, not a failed scrape", async () => {
    const metrics = new NodeMetrics();
    metrics.watchChains(() => {
      throw new Error("mid-change");
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain("shardnet_validator_participation_ratio 0");
  });

  it("counts transaction signature checks from the node's running totals, verified and cached", async () => {
    const metrics = new NodeMetrics();
    const totals = { verified: 0, cached: 0 };
    metrics.watchSignatureChecks(() => totals);
    const value = async (result: string) =>
      (
        await metrics.registry.getSingleMetric("shardnet_transaction_signature_checks_total")!.get()
      ).values.find((v) => v.labels.result === result)?.value;
    expect(await value("verified")).toBe(0);
    expect(await value("cached")).toBe(0);
    Object.assign(totals, { verified: 5, cached: 12 });
    expect(await value("verified")).toBe(5);
    expect(await value("cached")).toBe(12);
    totals.verified = 6;
    expect(await value("verified")).toBe(6);
    expect(await value("cached")).toBe(12);
  });
});
