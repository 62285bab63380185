import { MAX_MEMPOOL_NONCE_AHEAD, SeededRandom } from "@shardnet/consensus";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chooseSenderCount,
  dueCount,
  MIN_DEFAULT_SENDERS,
  maxRateFor,
  type Party,
  PENDING_MARGIN,
  PENDING_SLOTS,
  planTransfers,
  scheduledOffsetMs,
  sendersNeeded,
} from "../src/plan.js";

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

describe("sender choice", () => {
  const window = MAX_MEMPOOL_NONCE_AHEAD;
  const need = (rate: number, slotSeconds = 2) => ({ rate, slotSeconds, nonceWindow: window });

  it("chooses the fewest senders whose nonce windows hold every transfer in flight", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 12 }),
        (rate, slotSeconds) => {
          const senders = sendersNeeded(need(rate, slotSeconds));
          // Transfers in flight at once: each stays ahead of its account's nonce for the pending slots (with
          // the margin). Counted in transfers, so the comparison is exact integer arithmetic.
          const inFlight = rate * PENDING_SLOTS * PENDING_MARGIN * slotSeconds;
          expect(senders * window).toBeGreaterThanOrEqual(inFlight);
          if (senders > 1) expect((senders - 1) * window).toBeLessThan(inFlight);
          // maxRateFor is its inverse: the rate it names needs no more senders than were given.
          expect(
            sendersNeeded(need(maxRateFor(senders, slotSeconds, window), slotSeconds)),
          ).toBeLessThanOrEqual(senders);
        },
      ),
    );
  });

  it("picks enough senders for issue 17's rates on the default devnet (2-s slots, 1024 funded)", () => {
    // 1,500/s: each transfer ~4 s pending (2 slots), ×2 margin = 8 s → 12,000 in flight / 64 = 188.
    expect(chooseSenderCount(need(1500), 1024)).toEqual({ ok: true, count: 188, needed: 188 });
    // The 3× overload still fits, and the whole funded set carries 8,192/s.
    expect(chooseSenderCount(need(4500), 1024)).toEqual({ ok: true, count: 563, needed: 563 });
    expect(maxRateFor(1024, 2, window)).toBe(8192);
    expect(chooseSenderCount(need(8192), 1024)).toMatchObject({ ok: true, count: 1024 });
  });

  it("keeps at least the former 64 at low rates, within the funded accounts", () => {
    expect(chooseSenderCount(need(50), 1024)).toEqual({ ok: true, count: MIN_DEFAULT_SENDERS, needed: 7 });
    expect(chooseSenderCount(need(50), 16)).toEqual({ ok: true, count: 16, needed: 7 });
    // Without a genesis to count from, nothing caps the choice (the balance check guards the accounts).
    expect(chooseSenderCount(need(3000), undefined)).toEqual({ ok: true, count: 375, needed: 375 });
  });

  it("refuses a rate the funded accounts cannot carry, saying why and what to do", () => {
    const refused = chooseSenderCount(need(1500), 64);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.message).toContain("--rate 1500 needs at least 188 senders");
    expect(refused.message).toContain("the genesis funds 64 dev accounts");
    expect(refused.message).toContain(`at most ${window} transfers ahead`);
    expect(refused.message).toContain("Lower --rate to 512 or less");
    expect(refused.message).toContain("--accounts N");
    // Longer slots keep transfers pending longer: the same accounts carry less.
    expect(chooseSenderCount(need(8192, 4), 1024).ok).toBe(false);
    expect(chooseSenderCount(need(8193), 1024).ok).toBe(false);
  });
});
