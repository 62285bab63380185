import { describe, expect, it } from "vitest";
import { assessHealth, type HealthInputs } from "../src/health.js";

const synced: HealthInputs = {
  peers: 4,
  currentSlot: 100,
  beaconHeadSlot: 99,
  bestPeerHeadSlot: 100,
  slotsPerEpoch: 8,
  shards: [{ shard: 1, headSlot: 99, crosslinkSlot: 97, state: "synced" }],
};

describe("node health", () => {
  it("is ok while connected and in step with the beacon chain and every tracked shard", () => {
    expect(assessHealth(synced)).toEqual({ status: "ok", syncing: false });
    // Empty slots (offline proposers) behind the clock are not being behind.
    expect(assessHealth({ ...synced, beaconHeadSlot: 90, bestPeerHeadSlot: 90 }).status).toBe("ok");
  });

  it("is isolated with no peers, whatever else holds", () => {
    const h = assessHealth({ ...synced, peers: 0 });
    expect(h).toMatchObject({ status: "isolated", syncing: false, reasons: ["no peers"] });
  });

  it("is syncing while a peer's head is ahead or its own head is far behind the clock", () => {
    const ahead = assessHealth({ ...synced, bestPeerHeadSlot: 110 });
    expect(ahead).toMatchObject({ status: "syncing", syncing: true });
    expect(JSON.stringify(ahead)).toContain("a peer's at 110");
    const stale = assessHealth({ ...synced, currentSlot: 500, bestPeerHeadSlot: 99 });
    expect(JSON.stringify(stale)).toContain("behind the clock");
  });

  it("is syncing while a tracked shard lacks the beacon head's crosslinked block", () => {
    const h = assessHealth({
      ...synced,
      shards: [
        { shard: 0, headSlot: 99, crosslinkSlot: 97, state: "synced" },
        { shard: 2, headSlot: 40, crosslinkSlot: 96, state: "syncing" },
      ],
    });
    expect(h).toMatchObject({ status: "syncing", syncing: true });
    expect(JSON.stringify(h)).toContain("shard 2 head at slot 40 lacks the crosslinked block of slot 96");
  });
});
