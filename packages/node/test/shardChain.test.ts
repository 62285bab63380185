import { getBls, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { ShardChain } from "../src/chain/shardChain.js";
import { openBeacon, signedShardBlock, silentLog, tempDir } from "./helpers.js";

const bls = getBls();

/** A real beacon chain at genesis and a shard-0 chain with blocks at slots 1..3 (LevelDB in a temp dir). */
async function shardChainWithBlocks() {
  const { db, metrics, beacon } = await openBeacon(tempDir("shardnet-shard-"));
  const chain = await ShardChain.open(0, beacon, db, silentLog, metrics);
  const context = beacon.contextOf(beacon.genesisRoot)!;
  const roots: string[] = [chain.head().root];
  for (const slot of [1, 2, 3]) {
    const proposer = context.epochCtx.getShardProposer(0, slot);
    const sk = bls.secretKeyFromBytes(interopSecretKey(proposer));
    const { signed, root } = signedShardBlock(chain, slot, proposer, sk, context);
    const result = chain.importBlock(signed);
    expect(result.status).toBe("imported");
    await (result as { persisted?: Promise<void> }).persisted;
    roots.push(root);
  }
  return { chain, roots, close: () => db.close() };
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
});
