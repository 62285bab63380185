/**
 * Acknowledge only what is on disk (DESIGN.md §9.5): a block's events and the head the node reports wait
 * for the block's write batch; a block whose write fails is never acknowledged. The writes go to the
 * real LevelDB, held back by a gate in front of NodeDb.writeBatch.
 */
import { getBls, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { deferred } from "../src/chain/ackQueue.js";
import { ShardChain } from "../src/chain/shardChain.js";
import type { NodeDb } from "../src/db/nodeDb.js";
import { openBeacon, proposeAt, signedShardBlock, silentLog, tempDir } from "./helpers.js";

const bls = getBls();

/** Holds every write batch of `db` until the gate opens (then writes it for real) or fails. */
function gateWrites(db: NodeDb): { open: () => void; fail: (err: Error) => void } {
  const real = db.writeBatch.bind(db);
  const gate = deferred();
  db.writeBatch = (ops) => gate.promise.then(() => real(ops));
  return { open: gate.resolve, fail: gate.reject };
}

/** Lets every queued callback that can run, run (the gate keeps the held ones waiting). */
async function drain(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((res) => setImmediate(res));
}

describe("acknowledge only what is on disk", () => {
  it("a beacon block's events and the reported head wait for its write batch", async () => {
    const { db, beacon } = await openBeacon(tempDir("shardnet-ack-"));
    const events: string[] = [];
    beacon.onEvent((e) => events.push(e.type));
    const gate = gateWrites(db);
    const result = beacon.importBlock(proposeAt(beacon, 1));
    expect(result.status).toBe("imported");
    expect(beacon.head().slot).toBe(1);
    await drain();
    expect(events, "no event before the block is on disk").toEqual([]);
    expect(beacon.acknowledged().head.slot).toBe(0);
    gate.open();
    await (result as { persisted?: Promise<void> }).persisted;
    await beacon.settled();
    expect(events).toContain("head");
    expect(beacon.acknowledged().head.slot).toBe(1);
    await db.close();
  });

  it("nothing of a beacon block whose write fails is acknowledged; later blocks are", async () => {
    const { db, beacon } = await openBeacon(tempDir("shardnet-ack-"));
    const heads: number[] = [];
    beacon.onEvent((e) => {
      if (e.type === "head") heads.push(e.slot);
    });
    const real = db.writeBatch.bind(db);
    const gate = gateWrites(db);
    const first = beacon.importBlock(proposeAt(beacon, 1)) as { persisted?: Promise<void> };
    db.writeBatch = real;
    gate.fail(new Error("disk full"));
    await expect(first.persisted).rejects.toThrow("disk full");
    await beacon.settled();
    expect(heads).toEqual([]);
    expect(beacon.acknowledged().head.slot).toBe(0);
    const second = beacon.importBlock(proposeAt(beacon, 2)) as { persisted?: Promise<void> };
    await second.persisted;
    await beacon.settled();
    expect(heads).toEqual([2]);
    expect(beacon.acknowledged().head.slot).toBe(2);
    await db.close();
  });

  it("a shard block's head event and inclusions wait for its write batch", async () => {
    const { db, metrics, beacon } = await openBeacon(tempDir("shardnet-ack-"));
    const chain = await ShardChain.open(0, beacon, db, silentLog, metrics);
    const heads: number[] = [];
    chain.onEvent((e) => {
      if (e.type === "shard_head") heads.push(e.slot);
    });
    const context = beacon.contextOf(beacon.genesisRoot)!;
    const proposer = context.epochCtx.getShardProposer(0, 1);
    const { signed } = signedShardBlock(
      chain,
      1,
      proposer,
      bls.secretKeyFromBytes(interopSecretKey(proposer)),
      context,
    );
    const gate = gateWrites(db);
    const result = chain.importBlock(signed) as { status: string; persisted?: Promise<void> };
    expect(result.status).toBe("imported");
    expect(chain.head().slot).toBe(1);
    await drain();
    expect(heads).toEqual([]);
    expect(chain.acknowledgedHead().slot).toBe(0);
    gate.open();
    await result.persisted;
    await chain.settled();
    expect(heads).toEqual([1]);
    expect(chain.acknowledgedHead().slot).toBe(1);
    await db.close();
  });
});
