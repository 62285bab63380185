/**
 * Regression (chaos harness, partition-heal): two halves of the validators that ran apart for more than an
 * epoch never joined again after the partition healed. Range sync asked the peer for its blocks from one
 * epoch below our head, whose parents (on a branch that left ours further back) were unknown, so nothing was
 * imported and every later gossip block was an orphan too: no finality ever again. Sync now retries from the
 * finalized slot, which both branches share.
 *
 * Two real nodes in this process (LevelDB in temp dirs, libp2p on 127.0.0.1), four validators each, 1-second
 * slots, 4-slot epochs. They start unconnected, so each builds its own branch; after three epochs one dials
 * the other, and within a few epochs both must hold both branches and agree on one head.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ShardnetNode } from "../src/index.js";
import { startNode, until, writeSmallGenesis } from "./realNodes.js";

const SLOTS_PER_EPOCH = 4;

describe("sync after a partition (real nodes on 127.0.0.1)", () => {
  const dir = mkdtempSync(join(tmpdir(), "fork-sync-"));
  const nodes: ShardnetNode[] = [];

  afterAll(async () => {
    for (const node of nodes) await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("nodes on branches that split more than an epoch ago agree on a head (the losing half imports the winning branch) and crosslink every shard again", async () => {
    const loaded = writeSmallGenesis(dir, "fork-sync", SLOTS_PER_EPOCH);
    nodes.push(await startNode(dir, loaded, "half-0", [0, 1, 2, 3]));
    nodes.push(await startNode(dir, loaded, "half-1", [4, 5, 6, 7]));
    const [a, b] = nodes as [ShardnetNode, ShardnetNode];
    // Apart for three epochs: each half proposes in its own slots, on its own branch.
    await until(
      () => a.beacon.head().slot >= 3 * SLOTS_PER_EPOCH && b.beacon.head().slot >= 3 * SLOTS_PER_EPOCH,
      "both halves past slot 12 on their own",
      60_000,
    );
    const headA = a.beacon.head().root;
    const headB = b.beacon.head().root;
    expect(headA).not.toBe(headB);
    expect(b.beacon.has(headA)).toBe(false);

    await b.p2p.dial(a.p2p.listenMultiaddrs()[0] as string);
    // Generous: sync rounds run on status exchange and on orphaned gossip; agreement within 10 epochs.
    await until(
      // One half's branch wins; the other half must import it (contextOf: it may be left below finality
      // and pruned from the live blocks by now). The winner need not import the loser's branch: when the
      // loser switches before the winner's next status exchange, it never asks for it.
      () =>
        (a.beacon.contextOf(headB) !== undefined || b.beacon.contextOf(headA) !== undefined) &&
        a.beacon.head().root === b.beacon.head().root,
      () =>
        `both halves to agree on the head (a: head ${a.beacon.head().slot}:${a.beacon.head().root.slice(0, 8)}, peers ${a.p2p.peerCount()}; b: head ${b.beacon.head().slot}:${b.beacon.head().root.slice(0, 8)}, peers ${b.p2p.peerCount()})`,
      10 * SLOTS_PER_EPOCH * 1000,
    );
    // Each half built its own shard branches on the last crosslinked block; no crosslink was possible apart
    // (half of each committee). Joined, both shards must be crosslinked again above the join.
    const joinedAt = a.beacon.head().slot;
    const crosslinkSlots = () =>
      a.beacon
        .head()
        .state.state.currentCrosslinks.getAllReadonlyValues()
        .map((c) => c.slot);
    await until(
      () => crosslinkSlots().every((slot) => slot > joinedAt),
      `every shard crosslinked above slot ${joinedAt} (crosslinks at ${crosslinkSlots().join(",")})`,
      8 * SLOTS_PER_EPOCH * 1000,
    );
  }, 120_000);
});
