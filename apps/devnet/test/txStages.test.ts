import { describe, expect, it } from "vitest";
import {
  type ChainTimeline,
  checkpointLag,
  coveringEpoch,
  finalityByEpochPosition,
  stageBreakdown,
  stageDurations,
} from "../src/txStages.js";

describe("bench:tx stage breakdown", () => {
  it("a beacon block is covered by the checkpoint of the next epoch boundary at or after it", () => {
    expect(coveringEpoch(16, 8)).toBe(2);
    expect(coveringEpoch(17, 8)).toBe(3);
    expect(coveringEpoch(23, 8)).toBe(3);
  });

  const chain: ChainTimeline = {
    crosslinks: [
      { shard: 1, slot: 9, beaconSlot: 10, at: 20_500 },
      { shard: 1, slot: 10, beaconSlot: 11, at: 22_400 },
      { shard: 0, slot: 10, beaconSlot: 11, at: 22_300 },
    ],
    justified: [
      { epoch: 1, at: 16_300 },
      { epoch: 2, at: 32_300 },
      { epoch: 3, at: 48_300 },
    ],
    finalized: [
      { epoch: 1, at: 32_300 },
      { epoch: 2, at: 48_300 },
    ],
  };

  it("splits one transfer's way to finality into its stages", () => {
    const d = stageDurations(
      {
        scheduled: 17_000,
        shard: 1,
        inclusionSlot: 10,
        included: 20_100,
        crosslinkedReported: 22_600,
        finalizedReported: 48_400,
        finalizedObserved: 48_450,
      },
      chain,
      8,
    );
    expect(d).toEqual({
      "send → included": 3100,
      // The shard's first crosslink at or above its block's slot (not shard 1's older one, nor shard 0's).
      "included → crosslinked in a beacon block": 2300,
      "crosslink → node status crosslinked": 200,
      // Beacon slot 11: epoch 2's checkpoint covers it.
      "crosslink → its epoch justified": 9900,
      "justified → finalized checkpoint covers it": 16_000,
      "finalized checkpoint → node status finalized": 100,
      "node status finalized → load generator sees it": 50,
    });
  });

  it("leaves out the stages whose ends are unknown and summarises the rest", () => {
    const rows = stageBreakdown(
      [
        { scheduled: 17_000, shard: 1, inclusionSlot: 10, included: 20_100 },
        { scheduled: 18_000, shard: 2 },
      ],
      chain,
      8,
    );
    const bySegment = Object.fromEntries(rows.map((r) => [r.segment, r]));
    expect(bySegment["send → included"]).toMatchObject({ count: 1, p50: 3100, p99: 3100 });
    expect(bySegment["crosslink → its epoch justified"]).toMatchObject({ count: 1, p50: 9900 });
    expect(bySegment["finalized checkpoint → node status finalized"]?.count).toBe(0);
  });

  it("groups finality latency by the crosslink's slot within its epoch window", () => {
    const rows = finalityByEpochPosition(
      [
        // Crosslinked at beacon slot 10: position 2 of epoch 2's window (slots 9..16).
        { scheduled: 17_000, shard: 1, inclusionSlot: 9, finalizedReported: 48_400 },
        { scheduled: 17_500, shard: 1, inclusionSlot: 9, finalizedReported: 48_400 },
        // Beacon slot 11: position 3.
        { scheduled: 18_000, shard: 0, inclusionSlot: 10, finalizedReported: 48_400 },
        // Not finalized: left out.
        { scheduled: 18_000, shard: 0, inclusionSlot: 10 },
      ],
      chain,
      8,
    );
    expect(rows.map((r) => r.count)).toEqual([0, 2, 1, 0, 0, 0, 0, 0]);
    expect(rows[1]).toMatchObject({ position: 2, finalizedP50: 30_900, finalizedMax: 31_400 });
  });

  it("times checkpoint events from the slot FFG can first produce them", () => {
    const clock = { genesisMs: 1000, slotMs: 2000, slotsPerEpoch: 8 };
    // Justified epoch 2 at the end of epoch 2 (slot 24 starts at 49 s); finalized epoch 2 at slot 25 (51 s).
    expect(checkpointLag([{ epoch: 2, at: 49_200 }], 8, clock)).toEqual([{ epoch: 2, lagMs: 200 }]);
    expect(checkpointLag([{ epoch: 2, at: 51_300 }], 9, clock)).toEqual([{ epoch: 2, lagMs: 300 }]);
  });
});
