/**
 * Regression (chaos equivocate, CI): the slot clock never overlaps ticks, and the aggregate tick awaited the
 * receipt pull, which asks peers for receipts of the shards this node does not track. A pull sent just
 * before a partition held the isolated node's ticks for 10.6 s, its beacon proposal among them. A peer that
 * never answers must not hold up the node's slot work.
 *
 * Real parts: a ShardnetNode (LevelDB in a temp dir, libp2p on 127.0.0.1) tracking shard 0 of 2, so it
 * pulls shard 1's receipts, and a peer built on @shardnet/p2p that answers `status` and never answers
 * `receipts_by_range`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { P2pNode } from "@shardnet/p2p";
import { afterAll, describe, expect, it } from "vitest";
import { NodeMetrics, type ShardnetNode } from "../src/index.js";
import { startNode, startScriptedPeer, writeSmallGenesis } from "./realNodes.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("slot ticks and a peer that never answers (real node on 127.0.0.1)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tick-isolation-"));
  let node: ShardnetNode | undefined;
  let peer: P2pNode | undefined;

  afterAll(async () => {
    await peer?.stop();
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps ticking every slot while a receipt request to a silent peer waits for its timeout", async () => {
    const loaded = writeSmallGenesis(dir, "tick-isolation", 4);
    const metrics = new NodeMetrics();
    node = await startNode(dir, loaded, "n", [], { shards: [0], metrics });
    const n = node;
    let receiptRequests = 0;
    peer = await startScriptedPeer(loaded, n, () => n.beacon.head());
    await peer.handleRequests("receipts_by_range", async () => {
      receiptRequests++;
      return new Promise<Uint8Array[]>(() => {}); // never answers: the requester's timeout ends it
    });
    // Sample the slot of the latest tick against the wall clock for 12 slots (the pull runs every second
    // slot and its request times out after 4 s).
    const wallSlot = () => Math.floor(Date.now() / 1000 - loaded.genesis.genesisTime); // 1-second slots
    let worstLag = 0;
    const until = Math.max(wallSlot(), 0) + 12;
    while (wallSlot() < until) {
      await sleep(200);
      const ticked = (await metrics.currentSlot.get()).values[0]?.value ?? -1;
      if (wallSlot() >= 1 && n.p2p.peerCount() > 0) worstLag = Math.max(worstLag, wallSlot() - ticked);
    }
    expect(receiptRequests, "the node asked the silent peer for receipts").toBeGreaterThan(0);
    // A held tick lags the clock by the request's 4 s; a tick that runs lags by less than a slot, plus one
    // slot of margin for a busy machine.
    expect(worstLag).toBeLessThanOrEqual(2);
  }, 60_000);
});
