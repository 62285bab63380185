import { describe, expect, it } from "vitest";
import { ShardSyncStall, STUCK_ROUNDS } from "../src/sync/shardSyncStall.js";

const SPE = 8;

describe("ShardSyncStall: when range sync gives up on a shard and fetches its crosslinked state", () => {
  it("a chain restarted a few slots behind, whose first rounds find nothing yet, is not stuck", () => {
    const stall = new ShardSyncStall();
    // the kill-loop case: two rounds within a slot of the restart, before any peer answered
    stall.record(0, { hasCrosslinked: false, imported: 0, slot: 91 });
    stall.record(0, { hasCrosslinked: false, imported: 0, slot: 92 });
    expect(stall.stuck(0, 92, SPE)).toBeUndefined();
    // the next round catches up
    stall.record(0, { hasCrosslinked: true, imported: 3, slot: 93 });
    expect(stall.stuck(0, 93 + SPE, SPE)).toBeUndefined();
  });

  it("rounds that import blocks are catching up: the count starts again", () => {
    const stall = new ShardSyncStall();
    for (let slot = 100; slot < 100 + 3 * SPE; slot++) {
      stall.record(1, { hasCrosslinked: false, imported: slot % 2, slot });
      expect(stall.stuck(1, slot, SPE)).toBeUndefined();
    }
  });

  it("rounds without progress that span an epoch make the chain stuck, per shard, until it is re-anchored", () => {
    const stall = new ShardSyncStall();
    for (let slot = 200; slot <= 200 + SPE; slot++)
      stall.record(2, { hasCrosslinked: false, imported: 0, slot });
    expect(stall.stuck(2, 200 + SPE, SPE)).toEqual({ rounds: SPE + 1, sinceSlot: 200 });
    expect(stall.stuck(3, 200 + SPE, SPE)).toBeUndefined();
    stall.forget(2);
    expect(stall.stuck(2, 200 + SPE, SPE)).toBeUndefined();
  });

  it("one round, however long ago, is not enough", () => {
    const stall = new ShardSyncStall();
    stall.record(0, { hasCrosslinked: false, imported: 0, slot: 10 });
    expect(STUCK_ROUNDS).toBeGreaterThan(1);
    expect(stall.stuck(0, 10 + 10 * SPE, SPE)).toBeUndefined();
  });
});
