import { describe, expect, it } from "vitest";
import { listBeaconAnchors } from "../src/chain/anchorStore.js";
import { DevnetDriver, DriverNode, driverGenesis } from "./devnetDriver.js";
import { tempDir } from "./helpers.js";

/**
 * Anchored restart (issue 14): two nodes follow the same chain; one restarts from its stored anchors and must
 * replay only the blocks above them, then agree with the other, including a shard block built on a beacon
 * block of a fork that lost (its context comes from disk, not from replay).
 */
describe("anchored restart", () => {
  it("replays only the blocks above the stored anchors and agrees with a peer that never stopped", async () => {
    const genesis = driverGenesis(4);
    const dirA = tempDir("shardnet-anchor-a-");
    const dirB = tempDir("shardnet-anchor-b-");
    let restarted = await DriverNode.open(dirA, genesis);
    const peer = await DriverNode.open(dirB, genesis);
    const driver = new DevnetDriver([peer, restarted]);
    const S = genesis.preset.SLOTS_PER_EPOCH;

    // A fork early on: block F at slot S on the parent of the head of slot S-1, after the committees voted
    // for that head. It loses, finality passes it, and it is pruned.
    let slot = 1;
    for (; slot < S; slot++) await driver.slot(slot);
    const forkParent = peer.beacon.get(peer.beacon.head().root)!.parentRoot;
    await driver.slot(S, { skipBeacon: true }); // the committees vote for the head, in epoch 1
    const fork = driver.importBeacon(driver.beaconBlock(forkParent, S, false));
    expect(peer.beacon.head().root).not.toBe(fork);
    for (slot = S + 1; slot <= 4 * S; slot++) await driver.slot(slot);
    // Shard 0's proposer still sees the fork (a stale beacon view) and builds on it. Then its committee
    // falls silent, so shard 0's anchor stays below that block while the beacon chain finalizes on.
    driver.silentShards.add(0);
    await driver.slot(slot, { shardBeaconRoot: { 0: fork } });
    const builtOnFork = { root: peer.shards[0]!.head().root, slot };
    for (slot++; slot <= 9 * S; slot++) await driver.slot(slot);

    // Finality moved on (the fork is pruned) and anchors are stored.
    expect(peer.beacon.has(fork)).toBe(false);
    expect(peer.beacon.finalizedCheckpoint().epoch).toBeGreaterThanOrEqual(5);
    expect((await listBeaconAnchors(restarted.db)).length).toBeGreaterThan(0);
    const stored = await restarted.db.range(
      "beaconBlockSlots",
      new Uint8Array(8),
      new Uint8Array(8).fill(0xff),
    );

    const shard0AnchorBeaconSlot = Number(await restarted.db.getMeta("shard_anchor_beacon_slot_0"));
    await restarted.close();
    restarted = await DriverNode.open(dirA, genesis);
    driver.nodes[1] = restarted;

    const { beacon } = restarted;
    expect(beacon.anchorSlot).toBeGreaterThan(0);
    const above = stored.filter(([key]) => Buffer.from(key).readBigUInt64BE(0) > BigInt(beacon.anchorSlot));
    expect(beacon.replayedBlocks).toBe(above.length);
    expect(beacon.replayedBlocks).toBeLessThan(stored.length);
    expect(beacon.head().root).toBe(peer.beacon.head().root);
    expect(beacon.finalizedCheckpoint().epoch).toBe(peer.beacon.finalizedCheckpoint().epoch);
    expect(beacon.has(fork)).toBe(false);
    expect(beacon.contextOf(fork)).toBeDefined();
    for (const chain of restarted.shards) {
      const other = peer.shards[chain.shard]!;
      expect(chain.head().root).toBe(other.head().root);
      expect(chain.head().state.hashTreeRoot()).toEqual(other.head().state.hashTreeRoot());
      expect(chain.replayedBlocks).toBeLessThan(chain.head().slot);
    }
    // The fork's parent lies below the beacon anchor, so replay cannot rebuild it: shard 0 was replayed through
    // the block built on it with the fork's context read from disk.
    expect(beacon.anchorSlot).toBeGreaterThan(S - 2);
    // The newest anchor that leaves every shard the beacon blocks (and a margin) its blocks above need.
    expect(beacon.anchorSlot).toBeLessThanOrEqual(shard0AnchorBeaconSlot - 2 * S);
    expect(restarted.shards[0]!.isCanonical(builtOnFork.root, builtOnFork.slot)).toBe(true);
    expect(restarted.shards[0]!.crosslinkedSlot()).toBeLessThan(builtOnFork.slot);

    // Both follow the same chain from here (shard 0's committee votes again, so it is crosslinked anew).
    driver.silentShards.delete(0);
    for (const end = slot + 2 * S; slot <= end; slot++) await driver.slot(slot);
    expect(restarted.beacon.head().root).toBe(peer.beacon.head().root);
    for (const chain of restarted.shards)
      expect(chain.head().root).toBe(peer.shards[chain.shard]!.head().root);
    expect(restarted.shards[0]!.crosslinkedSlot()).toBeGreaterThan(builtOnFork.slot);
    await restarted.close();
    await peer.close();
  });
});
