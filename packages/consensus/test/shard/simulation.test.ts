import { describe, expect, it } from "vitest";
import { ShardSimulation, TransferWorkload } from "../../src/shard/index.js";
import type { CrosslinkValue } from "../../src/types/index.js";
import { accountsOnShard, genesisAllocations, SHARD_COUNT } from "./helpers.js";

/** mulberry32 */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("multi-shard simulation", () => {
  it("moves value within and across shards, credits every receipt once after crosslinking, conserves supply", () => {
    const allocations = genesisAllocations(3);
    const sim = new ShardSimulation({ shardCount: SHARD_COUNT, maxTransactions: 8, allocations });
    const fundedKeys = Array.from({ length: SHARD_COUNT }, (_, shard) =>
      accountsOnShard(shard, 3).map((a) => a.keys),
    ).flat();
    const workload = new TransferWorkload({
      accounts: fundedKeys,
      shardCount: SHARD_COUNT,
      crossShardShare: 0.5,
      random: seeded(42),
    });
    // The beacon side: crosslink each shard's head of the previous slot.
    let crosslinks: CrosslinkValue[] = sim.heads.map((head) => ({
      shard: head.shard,
      slot: 0,
      shardBlockRoot: head.latestBlockRoot,
      stateRoot: head.hashTreeRoot(),
      outboxRoot: head.outboxRoot(),
      parentCrosslinkRoot: new Uint8Array(32),
    }));
    for (let slot = 1; slot <= 12; slot++) {
      if (slot <= 8) workload.submit(sim, 10);
      const next: CrosslinkValue[] = [];
      for (let shard = 0; shard < SHARD_COUNT; shard++) {
        const { blockRoot, header } = sim.produceBlock({
          shard,
          slot,
          proposerIndex: shard,
          beaconBlockRoot: new Uint8Array(32).fill(slot),
          crosslinks,
        });
        next.push({
          ...crosslinks[shard],
          slot,
          shardBlockRoot: blockRoot,
          stateRoot: header.stateRoot,
          outboxRoot: header.outboxRoot,
        });
      }
      crosslinks = next;
      sim.pruneStates(crosslinks);
      expect(sim.isSupplyConserved()).toBe(true);
    }
    expect(sim.stats.txsIncluded).toBeGreaterThan(40);
    expect(sim.stats.receiptsSent).toBeGreaterThan(10);
    expect(sim.stats.receiptsCredited).toBe(sim.stats.receiptsSent);
  });
});
