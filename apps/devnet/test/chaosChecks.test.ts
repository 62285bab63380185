import { describe, expect, it } from "vitest";
import {
  type AnchorLedger,
  anchorReceiptViolations,
  anchorSupplyViolations,
  type ChainBlock,
  conflictingFinalChains,
  conflictingFinalizedCheckpoints,
  crosslinkedEveryEpoch,
  crosslinksPerEpoch,
  finalityReverted,
  finalityStallEpochs,
  finalizedTip,
  receiptViolations,
  type ShardSupply,
  type StoredNodeFacts,
  storedChainViolations,
  supplyViolation,
} from "../src/chaos/checks.js";

const block = (slot: number, root: string, crosslinks: Array<[number, number, string]> = []): ChainBlock => ({
  slot,
  root,
  crosslinks: crosslinks.map(([shard, s, r]) => ({ shard, slot: s, shardBlockRoot: r })),
  proposerSlashings: 0,
  attesterSlashings: 0,
});

/**
 * Two shards; shard 0 sent 3 receipts (30) to shard 1, which credited 2 (20), and paid a deposit of 100 to the
 * beacon chain; shard 1 credited a withdrawal of 50 from it. Genesis: 1000 each.
 */
function ledgers(): ShardSupply[] {
  return [
    {
      shard: 0,
      node: "a",
      balances: 1000n - 30n - 5n - 100n,
      feesBurned: 5n,
      depositsPaid: 100n,
      withdrawalsCredited: 0n,
      sent: [
        { count: 0, amount: 0n },
        { count: 3, amount: 30n },
      ],
      credited: [
        { count: 0, amount: 0n },
        { count: 0, amount: 0n },
      ],
    },
    {
      shard: 1,
      node: "b",
      balances: 1000n + 20n + 50n,
      feesBurned: 0n,
      depositsPaid: 0n,
      withdrawalsCredited: 50n,
      sent: [
        { count: 0, amount: 0n },
        { count: 0, amount: 0n },
      ],
      credited: [
        { count: 2, amount: 20n },
        { count: 0, amount: 0n },
      ],
    },
  ];
}

describe("chaos invariant checks", () => {
  it("safety: two roots for one finalized epoch, on any nodes, is a violation; the same root twice is not", () => {
    expect(
      conflictingFinalizedCheckpoints([
        { node: "a", epoch: 3, root: "0xaa" },
        { node: "b", epoch: 3, root: "0xaa" },
      ]),
    ).toEqual([]);
    const v = conflictingFinalizedCheckpoints([
      { node: "a", epoch: 3, root: "0xaa" },
      { node: "b", epoch: 3, root: "0xbb" },
    ]);
    expect(v).toHaveLength(1);
    expect(v[0]).toContain("finalized epoch 3");
  });

  it("safety: a node's finalized epoch going back is a violation", () => {
    expect(
      finalityReverted([
        { node: "a", epoch: 2, slot: 20 },
        { node: "a", epoch: 3, slot: 28 },
        { node: "b", epoch: 1, slot: 28 },
      ]),
    ).toEqual([]);
    expect(
      finalityReverted([
        { node: "a", epoch: 3, slot: 28 },
        { node: "a", epoch: 2, slot: 30 },
      ]),
    ).toHaveLength(1);
  });

  it("safety: finalized chains that differ at a slot, or make two shard blocks final at one slot, conflict", () => {
    const agree = new Map([
      ["a", [block(1, "r1", [[0, 1, "s1"]]), block(2, "r2")]],
      ["b", [block(1, "r1", [[0, 1, "s1"]])]],
    ]);
    expect(conflictingFinalChains(agree)).toEqual([]);
    const forked = new Map([
      ["a", [block(1, "r1"), block(2, "r2")]],
      ["b", [block(1, "r1"), block(2, "x2")]],
    ]);
    expect(conflictingFinalChains(forked)[0]).toContain("finalized beacon slot 2");
    const shardFork = new Map([
      ["a", [block(1, "r1", [[0, 5, "s5"]])]],
      ["b", [block(3, "r3", [[0, 5, "t5"]])]],
    ]);
    expect(conflictingFinalChains(shardFork)[0]).toContain("final shard 0 block at slot 5");
  });

  it("supply: balances + fees + receipts in flight equal genesis; a minted unit is caught", () => {
    expect(supplyViolation(ledgers(), 2000n)).toBeUndefined();
    const minted = ledgers();
    minted[1]!.balances += 1n;
    expect(supplyViolation(minted, 2000n)).toContain("!= genesis supply 2000");
  });

  it("receipts: crediting more than the source sent (a replay) is a violation", () => {
    expect(receiptViolations(ledgers(), ledgers())).toEqual([]);
    const replayed = ledgers();
    replayed[1]!.credited[0] = { count: 4, amount: 40n };
    const v = receiptViolations(replayed, ledgers());
    expect(v).toHaveLength(1);
    expect(v[0]).toContain("credited 4 receipts");
  });

  it("liveness: crosslinks per epoch by including block, the longest gap, and the epochs a shard missed", () => {
    const chain = [
      block(1, "a", [
        [0, 0, "x"],
        [1, 0, "y"],
      ]),
      block(9, "b", [[0, 8, "x2"]]),
      block(20, "c", [[1, 19, "y2"]]),
    ];
    const { byEpoch, longestGapSlots, gapShard } = crosslinksPerEpoch(chain, 8, 2);
    expect([...(byEpoch.get(0) ?? [])].sort()).toEqual([0, 1]);
    expect([...(byEpoch.get(1) ?? [])]).toEqual([0]);
    expect(longestGapSlots).toBe(19);
    expect(gapShard).toBe(1);
    const every = crosslinkedEveryEpoch(
      Object.fromEntries([...byEpoch].map(([e, s]) => [e, [...s]])),
      0,
      2,
      2,
    );
    expect(every.ok).toBe(false);
    expect(every.missing).toEqual(["shard 1 epoch 1", "shard 0 epoch 2"]);
  });

  it("finality stall counts the epochs beyond the normal lag of two", () => {
    expect(finalityStallEpochs([{ wallEpoch: 5, finalized: 3 }])).toBe(0);
    expect(
      finalityStallEpochs([
        { wallEpoch: 5, finalized: 3 },
        { wallEpoch: 9, finalized: 3 },
      ]),
    ).toBe(4);
  });

  it("disk: the newest finalized checkpoint is the tip, a stored anchor before an API report of its epoch", () => {
    expect(finalizedTip([])).toBeUndefined();
    expect(
      finalizedTip([
        { epoch: 3, source: "api" as const, root: "a" },
        { epoch: 3, source: "disk" as const, root: "b" },
        { epoch: 2, source: "disk" as const, root: "c" },
      ])?.root,
    ).toBe("b");
  });

  it("disk: a gap in a stored chain is lost data, and checkpoints below it are not judged; an unstored checkpoint is lost data", () => {
    const stored = (slot: number, root: string, parentRoot: string) => ({
      slot,
      root,
      parentRoot,
      crosslinks: [],
      proposerSlashings: 0,
      attesterSlashings: 0,
    });
    const facts: StoredNodeFacts = {
      node: "n",
      genesisRoot: "00".repeat(32),
      storedHead: { root: "c".repeat(64), stored: true },
      chain: [stored(9, "c".repeat(64), "b".repeat(64)), stored(8, "b".repeat(64), "a".repeat(64))],
      chainFrom: "stored_head",
      chainEnd: "parent_missing",
      chainMissingRoot: "a".repeat(64),
      checkpoints: [
        { epoch: 1, root: "1".repeat(64), source: "disk", storedSlot: 4 },
        { epoch: 2, root: "b".repeat(64), source: "api", storedSlot: 8 },
        { epoch: 3, root: "d".repeat(64), source: "api", storedSlot: undefined },
      ],
      shardAnchors: [],
      acknowledged: { shardHeads: [], transfers: [] },
    };
    expect(storedChainViolations(facts)).toEqual([
      {
        invariant: "durability",
        message:
          "n: its stored beacon chain breaks below slot 8: the parent 0xaaaaaaaaaa of block 0xbbbbbbbbbb is not in its database",
      },
      {
        invariant: "durability",
        message: "n: finalized epoch 3 (block 0xdddddddddd, reported by its API) is not in its database",
      },
    ]);
    // Ending at the genesis block is no gap.
    expect(storedChainViolations({ ...facts, chainMissingRoot: facts.genesisRoot, checkpoints: [] })).toEqual(
      [],
    );
  });

  it("disk: each stored shard anchor keeps its shard's genesis allocation; credits are judged against a source anchor no older", () => {
    const [zero, one] = ledgers();
    const anchor = (l: ShardSupply, slot: number): AnchorLedger => ({ ...l, slot, root: "e".repeat(64) });
    // Shard 0 holds 1000 at genesis; shard 1 holds 1000 too (the ledgers' balances count what they received).
    const genesisByShard = [1000n, 1000n];
    expect(anchorSupplyViolations([anchor(zero!, 16), anchor(one!, 8)], genesisByShard)).toEqual([]);
    expect(anchorSupplyViolations([anchor({ ...zero!, feesBurned: 6n }, 16)], genesisByShard)).toEqual([
      "a's stored shard 0 anchor state (slot 16, block 0xeeeeeeeeee): balances + fees burned + deposits paid − withdrawals credited + sent − credited = 1001, not the shard's genesis allocation 1000",
    ]);
    // Shard 1 credited 2 of the 3 receipts shard 0 sent: fine. Crediting 4 is a violation against a source
    // anchor at the same or a later slot, and not judged against an older one (it may have sent more since).
    const overCredited = anchor({ ...one!, credited: [{ count: 4, amount: 40n }, one!.credited[1]!] }, 8);
    expect(anchorReceiptViolations([anchor(zero!, 16), anchor(one!, 8)])).toEqual([]);
    expect(anchorReceiptViolations([anchor(zero!, 8), overCredited])).toEqual([
      "shard 1 (b) credited 4 receipts (40) from shard 0, which sent 3 (30) (a), in stored anchor states at slots 8 and 8",
    ]);
    expect(anchorReceiptViolations([anchor(zero!, 7), overCredited])).toEqual([]);
  });
});
