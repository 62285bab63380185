import { SeededRandom } from "@shardnet/consensus";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dueCount, type Party, planTransfers, scheduledOffsetMs } from "../src/plan.js";

const random = (seed: number) => {
  const r = new SeededRandom(seed);
  return () => r.next();
};
const parties = (shards: number[]): Party[] => shards.map((shard, n) => ({ n, shard }));

describe("load plan", () => {
  it("is open loop: at any elapsed time, exactly the transfers scheduled up to then are due", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 5000, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 60_000, noNaN: true }),
        (rate, total, elapsed) => {
          const due = dueCount(elapsed, rate, total);
          expect(due).toBeLessThanOrEqual(total);
          // every due transfer was scheduled at or before `elapsed`, the next one after it
          if (due > 0) expect(scheduledOffsetMs(due - 1, rate)).toBeLessThanOrEqual(elapsed + 1e-6);
          if (due < total) expect(scheduledOffsetMs(due, rate)).toBeGreaterThan(elapsed - 1e-6);
        },
      ),
    );
    expect(dueCount(-1, 10, 100)).toBe(0);
    expect(dueCount(0, 10, 100)).toBe(1);
    expect(dueCount(999, 10, 100)).toBe(10);
  });

  it("takes senders in turn and sends the asked share across shards, never to the sender itself", () => {
    const senders = parties([0, 1, 2, 3, 0, 1, 2, 3]);
    const receivers = parties([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    for (const share of [0, 0.3, 1]) {
      const plan = planTransfers(4000, senders, receivers, share, random(7));
      plan.forEach((t, i) => {
        expect(t.sender).toBe(i % senders.length);
        expect(receivers[t.receiver]!.n === senders[t.sender]!.n && !t.cross).toBe(false);
        expect(t.cross).toBe(receivers[t.receiver]!.shard !== senders[t.sender]!.shard);
      });
      const cross = plan.filter((t) => t.cross).length / plan.length;
      expect(Math.abs(cross - share)).toBeLessThan(0.03);
    }
  });

  it("falls back to the other side when one side has no receiver, and refuses a plan with none", () => {
    const oneShard = planTransfers(10, parties([0]), parties([0, 0]), 1, random(1));
    expect(oneShard.every((t) => !t.cross && t.receiver === 1)).toBe(true);
    expect(() => planTransfers(1, parties([0]), [{ n: 0, shard: 0 }], 0, random(1))).toThrow(/itself/);
    expect(() => planTransfers(1, [], parties([0]), 0, random(1))).toThrow(/no senders/);
  });
});
