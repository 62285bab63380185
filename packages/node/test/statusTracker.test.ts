import { describe, expect, it } from "vitest";
import type { TxInclusion } from "../src/chain/shardChain.js";
import { StatusTracker, type TrackedChain } from "../src/tx/statusTracker.js";

interface FakeBlock {
  root: string;
  slot: number;
  parentRoot: string;
  txs: string[];
}

/** A shard-0 chain of blocks in memory: `head` picks the canonical branch; `prune` drops blocks. */
class FakeChain implements TrackedChain {
  readonly shard = 0;
  readonly blocks = new Map<string, FakeBlock>();
  headRoot = "g";

  constructor() {
    this.blocks.set("g", { root: "g", slot: 0, parentRoot: "", txs: [] });
  }

  add(root: string, slot: number, parentRoot: string, txs: string[]): FakeBlock {
    const block = { root, slot, parentRoot, txs };
    this.blocks.set(root, block);
    return block;
  }

  has(root: string): boolean {
    return this.blocks.has(root);
  }

  get(root: string) {
    const b = this.blocks.get(root);
    return b && { root: b.root, slot: b.slot, parentRoot: b.parentRoot, receiptsSent: [] };
  }

  head(): { root: string } {
    return { root: this.headRoot };
  }

  isCanonical(root: string, slot: number): boolean {
    let e = this.blocks.get(this.headRoot);
    while (e && e.slot > slot) e = this.blocks.get(e.parentRoot);
    return !e || e.root === root;
  }
}

/** A tracker over a fake host that records what it is asked to derive and settle. */
function tracked(watched: Iterable<string>) {
  const open = new Set(watched);
  const touched: string[] = [];
  const settled = new Map<string, TxInclusion>();
  const tracker = new StatusTracker({
    watchedShard: (hash) => (open.has(hash) ? 0 : undefined),
    touch: (hashes) => {
      for (const h of hashes) touched.push(h);
    },
    settle: (hash, inclusion) => settled.set(hash, inclusion),
  });
  /** What was touched since the last call, sorted. */
  const take = () => touched.splice(0).sort();
  return { tracker, open, take, settled };
}

const txsOf = (slot: number) => [`t${slot}a`, `t${slot}b`];

describe("StatusTracker: only transactions under a watermark that moved are derived", () => {
  it("files inclusions, then crosslink and finality moves take only what lies below them; reorgs take only the flipped blocks", () => {
    const chain = new FakeChain();
    // b1..b10 on genesis, two watched transactions each; plus an unwatched transaction in every block.
    let parent = "g";
    for (let slot = 1; slot <= 10; slot++) {
      chain.add(`b${slot}`, slot, parent, [...txsOf(slot), `other${slot}`]);
      parent = `b${slot}`;
    }
    chain.headRoot = "b10";
    const all = Array.from({ length: 10 }, (_, i) => txsOf(i + 1)).flat();
    const { tracker, take, settled } = tracked([...all, "x9"]);
    for (let slot = 1; slot <= 10; slot++) {
      const b = chain.blocks.get(`b${slot}`)!;
      tracker.onShardBlock(chain, b.root, b.slot, b.txs);
      expect(take()).toEqual(txsOf(slot).sort()); // each import: its own watched transactions, nothing else
    }
    expect(tracker.sizes()).toMatchObject({ tx_index_blocks: 10, tx_index_placed: 20 });

    // A head event that changes nothing filed touches nothing.
    tracker.onShardHead(chain);
    expect(take()).toEqual([]);

    // The crosslink reaches b4: exactly the 8 transactions of b1..b4, settled in their blocks.
    tracker.onCrosslink(chain, { rootHex: "b4", slot: 4 });
    const below4 = [1, 2, 3, 4].flatMap(txsOf).sort();
    expect(take()).toEqual(below4);
    expect([...settled.keys()].sort()).toEqual(below4);
    expect(settled.get("t3a")).toEqual({ slot: 3, root: "b3" });
    // The same crosslink again: the watermark did not move, nothing is touched.
    tracker.onCrosslink(chain, { rootHex: "b4", slot: 4 });
    expect(take()).toEqual([]);

    // Their derivations found them crosslinked: finality at slot 2 takes exactly b1's and b2's.
    for (const slot of [1, 2, 3, 4])
      for (const hash of txsOf(slot))
        tracker.place(hash, 0, { status: "crosslinked", inclusion: { slot, root: `b${slot}` } });
    tracker.onFinalized(0, 2);
    expect(take()).toEqual([1, 2].flatMap(txsOf).sort());
    tracker.onFinalized(0, 2);
    expect(take()).toEqual([]);

    // A fork at slot 9 on b8 (with t9a again and x9) becomes the head: only b9's, b10's and f9's
    // transactions are derived again.
    chain.add("f9", 9, "b8", ["t9a", "x9"]);
    tracker.onShardBlock(chain, "f9", 9, ["t9a", "x9"]);
    expect(take()).toEqual(["t9a", "x9"]); // filed, not canonical yet
    chain.headRoot = "f9";
    tracker.onShardHead(chain);
    expect(take()).toEqual([...txsOf(9), ...txsOf(10), "t9a", "x9"].sort());

    // The crosslink reaches f9: b5..b8 and f9 settle; b9 is a fork below it, handed back unsettled.
    settled.clear();
    tracker.onCrosslink(chain, { rootHex: "f9", slot: 9 });
    expect(take()).toEqual([...[5, 6, 7, 8, 9].flatMap(txsOf), "t9a", "x9"].sort());
    expect(settled.get("t9a")).toEqual({ slot: 9, root: "f9" });
    expect(settled.has("t9b")).toBe(false);
    // Only b10 (above the crosslink) is still filed.
    expect(tracker.sizes()).toMatchObject({ tx_index_blocks: 1 });
  });

  it("a block pruned before the tracker saw the crosslink is handed back for a database read", () => {
    const chain = new FakeChain();
    chain.add("b1", 1, "g", ["t1"]);
    chain.add("b2", 2, "b1", ["t2"]);
    chain.headRoot = "b2";
    const touches: Array<{ hashes: string[]; readDb: boolean }> = [];
    const tracker = new StatusTracker({
      watchedShard: () => 0,
      touch: (hashes, readDb) => touches.push({ hashes: [...hashes], readDb }),
      settle: () => undefined,
    });
    tracker.onShardBlock(chain, "b1", 1, ["t1"]);
    chain.blocks.delete("b1"); // the chain crosslinked b2 first and pruned b1
    tracker.onCrosslink(chain, { rootHex: "b2", slot: 2 });
    expect(touches.at(-1)).toEqual({ hashes: ["t1"], readDb: true });
  });

  it("forgetting a transaction unfiles it everywhere: the index holds only open transactions", () => {
    const chain = new FakeChain();
    chain.add("b1", 1, "g", ["t1", "t2"]);
    chain.headRoot = "b1";
    const { tracker } = tracked(["t1", "t2"]);
    tracker.onShardBlock(chain, "b1", 1, ["t1", "t2"]);
    tracker.place("t2", 0, { status: "crosslinked", inclusion: { slot: 1, root: "b1" } });
    tracker.forget("t1");
    tracker.forget("t2");
    expect(tracker.sizes()).toMatchObject({
      tx_index_blocks: 0,
      tx_index_crosslinked: 0,
      tx_index_placed: 0,
    });
  });
});
