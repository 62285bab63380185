import { getBls, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { ShardChain } from "../src/chain/shardChain.js";
import { openBeacon, signedShardBlock, silentLog, tempDir } from "./helpers.js";

const bls = getBls();

/** A real beacon chain at genesis and a shard-0 chain with blocks at slots 1..3 (LevelDB in a temp dir). */
async function shardChainWithBlocks(slots: readonly number[] = [1, 2, 3]) {
  const { db, metrics, beacon } = await openBeacon(tempDir("shardnet-shard-"));
  const chain = await ShardChain.open(0, beacon, db, silentLog, metrics);
  const context = beacon.contextOf(beacon.genesisRoot)!;
  const roots: string[] = [chain.head().root];
  for (const slot of slots) {
    const proposer = context.epochCtx.getShardProposer(0, slot);
    const sk = bls.secretKeyFromBytes(interopSecretKey(proposer));
    const { signed, root } = signedShardBlock(chain, slot, proposer, sk, context);
    const result = chain.importBlock(signed);
    expect(result.status).toBe("imported");
    await (result as { persisted?: Promise<void> }).persisted;
    roots.push(root);
  }
  return { chain, beacon, roots, close: () => db.close() };
}

describe("ShardChain against the beacon head's crosslink", () => {
  it("knows a crosslink it has, none, or one below its own; range sync then starts after its head", async () => {
    const { chain, roots, close } = await shardChainWithBlocks();
    expect(chain.head().slot).toBe(3);
    expect(chain.hasCrosslinked({ rootHex: roots[2]!, slot: 2 })).toBe(true);
    expect(chain.hasCrosslinked({ rootHex: "00".repeat(32), slot: 0 })).toBe(true);
    expect(chain.syncStartSlot({ rootHex: roots[2]!, slot: 2 })).toBe(4);
    chain.onCrosslinked(roots[2]!);
    expect(chain.crosslinkedSlot()).toBe(2);
    // Another block at or below the crosslinked slot (a fork the beacon chain left): not a gap.
    expect(chain.hasCrosslinked({ rootHex: "ab".repeat(32), slot: 2 })).toBe(true);
    await close();
  });

  it("lacking the crosslinked block, its head is stale: sync starts after the last crosslinked block it has", async () => {
    const { chain, roots, close } = await shardChainWithBlocks();
    chain.onCrosslinked(roots[1]!);
    // The beacon head crosslinks a slot-5 block this chain never saw (say, it was down): its head (3) was
    // built on a stale parent, and range sync must refetch from slot 2, after the block crosslinked at 1.
    const unseen = "cd".repeat(32);
    expect(chain.hasCrosslinked({ rootHex: unseen, slot: 5 })).toBe(false);
    expect(chain.syncStartSlot({ rootHex: unseen, slot: 5 })).toBe(2);
    await close();
  });

  it("a beacon reorg that replaces its crosslink with an older one takes it back there: its own blocks stay, the branch it refused imports", async () => {
    const { chain, beacon, roots, close } = await shardChainWithBlocks([1, 2, 3, 4]);
    // The other side of a partition: the same blocks up to 2, then its own block at 5 on top of 2.
    const other = await shardChainWithBlocks([1, 2]);
    expect(other.roots).toEqual(roots.slice(0, 3));
    const context = beacon.contextOf(beacon.genesisRoot)!;
    const proposer = context.epochCtx.getShardProposer(0, 5);
    const fork = signedShardBlock(
      other.chain,
      5,
      proposer,
      bls.secretKeyFromBytes(interopSecretKey(proposer)),
      context,
    );

    // Crosslinked at 2, then (on a beacon branch that will lose) at 4: the fork from 2 is refused.
    chain.onCrosslinked(roots[2]!);
    chain.onCrosslinked(roots[4]!);
    expect(chain.crosslinkedSlot()).toBe(4);
    expect(chain.importBlock(fork.signed).status).not.toBe("imported");

    chain.onCrosslinked(roots[2]!); // the reorg: the beacon head's crosslink is the slot-2 block again
    await chain.revertSettled();
    expect(chain.crosslinkedSlot()).toBe(2);
    expect(chain.head().root).toBe(roots[4]); // blocks 3 (from the database) and 4 (held) replayed
    expect(chain.hasCrosslinked({ rootHex: roots[2]!, slot: 2 })).toBe(true);
    const imported = chain.importBlock(fork.signed);
    expect(imported.status).toBe("imported");
    await (imported as { persisted?: Promise<void> }).persisted;
    expect(chain.get(fork.root)?.slot).toBe(5);
    await other.close();
    await close();
  });

  it("a beacon reorg back to no crosslink at all (zero root) takes it back to genesis, its blocks replayed", async () => {
    const { chain, roots, close } = await shardChainWithBlocks([1, 2, 3]);
    chain.onCrosslinked(roots[2]!);
    expect(chain.crosslinkedSlot()).toBe(2);
    chain.onCrosslinked("00".repeat(32));
    await chain.revertSettled();
    expect(chain.crosslinkedSlot()).toBe(0);
    expect(chain.head().root).toBe(roots[3]);
    expect(chain.anchorReverted()).toBe(false); // never asks a peer for the "zero" state
    await close();
  });
});
