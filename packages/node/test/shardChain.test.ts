import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInteropGenesis } from "@shardnet/consensus";
import { getBls, interopSecretKey } from "@shardnet/crypto";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { BeaconChain } from "../src/chain/beaconChain.js";
import { ShardChain } from "../src/chain/shardChain.js";
import { NodeDb } from "../src/db/nodeDb.js";
import { NodeMetrics } from "../src/metrics/nodeMetrics.js";

const log = pino({ level: "silent" });
const bls = getBls();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A real beacon chain at genesis and a shard-0 chain with blocks at slots 1..3 (LevelDB in a temp dir). */
async function shardChainWithBlocks() {
  const dir = mkdtempSync(join(tmpdir(), "shardnet-shard-"));
  dirs.push(dir);
  const genesis = createInteropGenesis({
    network: "test",
    validatorCount: 16,
    genesisTime: 0,
    presetName: "local",
    presetOverrides: { SHARD_COUNT: 2 },
    accounts: [],
  });
  const db = await NodeDb.open(join(dir, "db"), "test");
  const metrics = new NodeMetrics();
  const beacon = await BeaconChain.open(genesis, db, log, metrics, bls);
  const chain = await ShardChain.open(0, beacon, db, log, metrics);
  const context = beacon.contextOf(beacon.genesisRoot)!;
  const roots: string[] = [chain.head().root];
  for (const slot of [1, 2, 3]) {
    const proposer = context.epochCtx.getShardProposer(0, slot);
    const sk = bls.secretKeyFromBytes(interopSecretKey(proposer));
    const { signed, root } = chain.propose(slot, proposer, sk, context);
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
    expect(chain.hasCrosslinked(roots[2]!, 2)).toBe(true);
    expect(chain.hasCrosslinked("00".repeat(32), 0)).toBe(true);
    expect(chain.syncStartSlot(roots[2]!, 2)).toBe(4);
    chain.onCrosslinked(roots[2]!);
    expect(chain.crosslinkedSlot()).toBe(2);
    // Another block at or below the crosslinked slot (a fork the beacon chain left): not a gap.
    expect(chain.hasCrosslinked("ab".repeat(32), 2)).toBe(true);
    await close();
  });

  it("lacking the crosslinked block, its head is stale: sync starts after the last crosslinked block it has", async () => {
    const { chain, roots, close } = await shardChainWithBlocks();
    chain.onCrosslinked(roots[1]!);
    // The beacon head crosslinks a slot-5 block this chain never saw (say, it was down): its head (3) was
    // built on a stale parent, and range sync must refetch from slot 2, after the block crosslinked at 1.
    const unseen = "cd".repeat(32);
    expect(chain.hasCrosslinked(unseen, 5)).toBe(false);
    expect(chain.syncStartSlot(unseen, 5)).toBe(2);
    await close();
  });
});
