import { createHash } from "node:crypto";
import { createShardGenesisState, shardOf } from "@shardnet/consensus";
import { createP2pNode, type P2pNode } from "@shardnet/p2p";
import { afterEach, describe, expect, it } from "vitest";
import {
  assembleSnapshot,
  type ExpectedSnapshot,
  fetchShardSnapshot,
  SNAPSHOT_CHUNK_BYTES,
  SnapshotRefused,
  snapshotChunks,
} from "../src/sync/shardSnapshot.js";

const SHARDS = 4;

/** A shard-0 state with `count` funded accounts (36 bytes each: 40,000 fill two chunks). */
function stateWith(count: number, balance = 1000n) {
  const allocations = [];
  for (let i = 0; allocations.length < count; i++) {
    const address = new Uint8Array(createHash("sha256").update(`account ${i}`).digest().subarray(0, 20));
    if (shardOf(address, SHARDS) === 0) allocations.push({ address, balance });
  }
  return createShardGenesisState(0, SHARDS, allocations);
}

function expectedOf(state: ReturnType<typeof stateWith>): ExpectedSnapshot {
  return { shard: 0, slot: state.slot, blockRoot: state.latestBlockRoot, stateRoot: state.hashTreeRoot() };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotRefused);
    return (err as SnapshotRefused).problem;
  }
  throw new Error("snapshot unexpectedly accepted");
}

describe("shard state snapshot", () => {
  const state = stateWith(40_000);
  const expected = expectedOf(state);
  const chunks = snapshotChunks(state);

  it("comes in bounded chunks and assembles into the crosslinked state", () => {
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(SNAPSHOT_CHUNK_BYTES);
    const { state: assembled } = assembleSnapshot(chunks, expected);
    expect(assembled.hashTreeRoot()).toEqual(expected.stateRoot);
    expect(assembled.totalBalance()).toBe(state.totalBalance());
  });

  it("refuses one flipped byte, one missing chunk, a cut chunk and a snapshot of another root", () => {
    const flipped = chunks.map((c) => c.slice());
    flipped[1]![12_345]! ^= 0x01;
    expect(refusal(() => assembleSnapshot(flipped, expected))).toBe("root_mismatch");
    const missing = [...chunks.slice(0, 1), ...chunks.slice(2)];
    expect(refusal(() => assembleSnapshot(missing, expected))).toBe("truncated");
    const cut = [...chunks.slice(0, -1), chunks.at(-1)!.subarray(1)];
    expect(refusal(() => assembleSnapshot(cut, expected))).toBe("truncated");
    const other = snapshotChunks(stateWith(40_000, 999n));
    expect(refusal(() => assembleSnapshot(other, expected))).toBe("different_root");
    // A header that claims the right root over another state's bytes is caught by the hash.
    expect(refusal(() => assembleSnapshot([chunks[0]!, ...other.slice(1)], expected))).toBe("root_mismatch");
  });

  describe("over real libp2p", () => {
    const nodes: P2pNode[] = [];
    afterEach(async () => {
      await Promise.all(nodes.splice(0).map((n) => n.stop()));
    });

    it("a peer that serves a tampered snapshot is refused and penalised; an honest one is not", async () => {
      const start = async (bootstrap: string[] = []) => {
        const node = await createP2pNode({
          listen: ["/ip4/127.0.0.1/tcp/0"],
          forkDigest: "a1b2c3d4",
          shardCount: SHARDS,
          targetPeers: 0,
          bootstrap,
        });
        nodes.push(node);
        return node;
      };
      const honest = await start();
      const rogue = await start();
      const client = await start([...honest.listenMultiaddrs(), ...rogue.listenMultiaddrs()]);
      await honest.handleRequests("shard_state_snapshot", async () => snapshotChunks(state), {
        maxChunkBytes: SNAPSHOT_CHUNK_BYTES,
      });
      await rogue.handleRequests(
        "shard_state_snapshot",
        async () => {
          const tampered = chunks.map((c) => c.slice());
          tampered[2]![7]! ^= 0x80;
          return tampered;
        },
        { maxChunkBytes: SNAPSHOT_CHUNK_BYTES },
      );
      for (let i = 0; i < 200 && client.connectedPeers().length < 2; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(client.connectedPeers()).toHaveLength(2);

      await expect(fetchShardSnapshot(client, rogue.peerId, expected, 10_000)).rejects.toThrow(
        SnapshotRefused,
      );
      expect(client.isBanned(rogue.peerId)).toBe(true);
      const { state: synced } = await fetchShardSnapshot(client, honest.peerId, expected, 10_000);
      expect(synced.hashTreeRoot()).toEqual(expected.stateRoot);
      expect(client.isBanned(honest.peerId)).toBe(false);
    });
  });
});
