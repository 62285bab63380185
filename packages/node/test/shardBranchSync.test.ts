/**
 * Regression (chaos harness, partition-heal): after a 50|50 split healed, the side whose beacon branch lost
 * had switched to the winning branch before the other side ever exchanged status with it, so the winners
 * never fetched the losing beacon branch. The losers' shard branches build on it: the winners refused every
 * block of them as `unknown_beacon_block`, could not count the votes for them, and the shard committees
 * stayed split (no crosslink for up to 105 slots). Range sync now fetches the peer's beacon blocks, of every
 * fork, when its shard blocks build on beacon blocks this node lacks.
 *
 * Real parts: two producer nodes (ShardnetNode, LevelDB in temp dirs, libp2p on 127.0.0.1), four validators
 * each, run apart for two epochs, giving two beacon branches and two shard branches. A third node W, with no
 * validators, gets the first producer's beacon blocks only. A peer built on @shardnet/p2p then serves the
 * second producer's blocks by range and reports W's own head in `status`, as a peer that already switched
 * to W's branch does: W's beacon sync has nothing to fetch, and only its shard range sync meets the other
 * branch. W must end up holding that shard branch.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignedBeaconBlock, SignedShardBlock, shardBlockRoot } from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import type { P2pNode } from "@shardnet/p2p";
import { afterAll, describe, expect, it } from "vitest";
import { BeaconBlocksByRangeRequest, ShardBlocksByRangeRequest, type ShardnetNode } from "../src/index.js";
import { startNode, startScriptedPeer, until, writeSmallGenesis } from "./realNodes.js";

const SLOTS_PER_EPOCH = 4;

describe("shard range sync across a beacon branch this node never saw (real nodes on 127.0.0.1)", () => {
  const dir = mkdtempSync(join(tmpdir(), "shard-branch-sync-"));
  const nodes: ShardnetNode[] = [];
  let peer: P2pNode | undefined;

  afterAll(async () => {
    await peer?.stop();
    for (const node of nodes) await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports a peer's shard blocks built on beacon blocks it lacks, after fetching the peer's beacon blocks", async () => {
    const loaded = writeSmallGenesis(dir, "shard-branch-sync", SLOTS_PER_EPOCH);
    const start = (name: string, validators: number[]) => startNode(dir, loaded, name, validators);
    // p1 holds 5 of 8 validators, so its branch carries more votes: W's beacon head stays on it after W
    // fetches p2's branch (with 4|4 a tie could move W's head to a block of p2's below p2's shard blocks,
    // out of W's range; p2's peer here never reports its own head, so W would not fetch the rest).
    const p1 = await start("p1", [0, 1, 2, 3, 4]);
    const p2 = await start("p2", [5, 6, 7]);
    const w = await start("w", []);
    nodes.push(p1, p2, w);

    // Apart for two epochs: each producer proposes in its own validators' slots, on its own branches.
    const otherShardBlocks = () => Math.max(...[0, 1].map((s) => p2.shardChains.get(s)?.head().slot ?? 0));
    await until(
      () => p1.beacon.head().slot >= 2 * SLOTS_PER_EPOCH && otherShardBlocks() > 0,
      () => `both producers past slot ${2 * SLOTS_PER_EPOCH}, p2 with a shard block`,
      60_000,
    );
    const p1Blocks = await p1.beacon.blocksByRange(0, 1000);
    const p2Beacon = (await p2.beacon.blocksByRange(0, 1000)).map((bytes) => ({
      bytes,
      slot: SignedBeaconBlock.deserialize(bytes).message.slot,
    }));
    const p2Shard = (
      await Promise.all([0, 1].map((shard) => p2.shardChains.get(shard)!.blocksByRange(0, 1000)))
    )
      .flat()
      .map((bytes) => {
        const block = SignedShardBlock.deserialize(bytes);
        return {
          bytes,
          shard: block.message.header.shard,
          root: bytesToHex(shardBlockRoot(block.message)),
          slot: block.message.header.slot,
          beaconRoot: bytesToHex(block.message.header.beaconBlockRoot),
        };
      });
    await p1.stop();
    await p2.stop();
    nodes.splice(0, 2);

    // W learns p1's beacon branch only.
    for (const bytes of p1Blocks) {
      const result = w.beacon.importBlock(SignedBeaconBlock.deserialize(bytes));
      if (result.status === "imported") await result.persisted;
    }
    const wHead = w.beacon.head();
    expect(wHead.slot).toBeGreaterThanOrEqual(2 * SLOTS_PER_EPOCH);
    // And p1's validators' latest votes, for p1's head, as gossip would have brought them: W's beacon head
    // stays on p1's branch after W fetches p2's. Block-included votes alone vary with who proposed which
    // slot (one run: p2 proposed 5 of 8 slots, and its blocks carried more votes than p1's 3), and a head
    // moved to p2's branch below p2's shard blocks ends W's range (this peer never reports a higher head).
    for (let v = 0; v < 5; v++)
      w.beacon.onAttestation(v, wHead.root, Math.floor(wHead.slot / SLOTS_PER_EPOCH));
    w.beacon.updateHead();
    expect(w.beacon.head().root).toBe(wHead.root);
    // Only shard blocks up to W's beacon head slot are in reach of its range sync.
    const expected = p2Shard.filter((b) => b.slot > 0 && b.slot <= wHead.slot);
    const onUnknownBeacon = expected.filter((b) => !w.beacon.has(b.beaconRoot));
    expect(onUnknownBeacon.length).toBeGreaterThan(0);

    // The peer: W's own head in `status`, p2's blocks by range.
    const network = await startScriptedPeer(loaded, w, () => wHead);
    peer = network;
    await network.handleRequests("beacon_blocks_by_range", async (req) => {
      const { startSlot, count } = BeaconBlocksByRangeRequest.deserialize(req);
      return p2Beacon.filter((b) => b.slot >= startSlot && b.slot < startSlot + count).map((b) => b.bytes);
    });
    await network.handleRequests("shard_blocks_by_range", async (req) => {
      const { shard, startSlot, count } = ShardBlocksByRangeRequest.deserialize(req);
      return p2Shard
        .filter((b) => b.shard === shard && b.slot >= startSlot && b.slot < startSlot + count)
        .map((b) => b.bytes);
    });

    const missing = () => expected.filter((b) => !w.shardChains.get(b.shard)!.has(b.root));
    // W runs a sync round every 4 slots; generous: 6 epochs.
    await until(
      () => missing().length === 0,
      () =>
        `W to import p2's shard blocks (${missing().length} of ${expected.length} missing; W head ${w.beacon.head().slot}, peers ${w.p2p.peerCount()})`,
      6 * SLOTS_PER_EPOCH * 1000,
    );
    for (const b of onUnknownBeacon) expect(w.beacon.has(b.beaconRoot)).toBe(true);
  }, 90_000);
});
