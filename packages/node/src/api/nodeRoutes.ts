import { bytesToHex } from "@shardnet/crypto";
import type { FastifyInstance } from "fastify";
import type { ShardnetNode } from "../shardnetNode.js";

/** Read API for tests, the devnet and people: health, status, latest crosslinks. */
export function registerNodeRoutes(app: FastifyInstance, node: ShardnetNode): void {
  app.get("/v1/node/health", async () => ({ status: "ok", syncing: node.sync.isSyncing() }));

  app.get("/v1/node/status", async () => node.status());

  app.get("/v1/beacon/crosslinks", async () => {
    const state = node.beacon.head().state.state;
    return {
      headSlot: node.beacon.head().slot,
      crosslinks: state.currentCrosslinks.getAllReadonlyValues().map((c) => ({
        shard: c.shard,
        slot: c.slot,
        shardBlockRoot: `0x${bytesToHex(c.shardBlockRoot)}`,
        stateRoot: `0x${bytesToHex(c.stateRoot)}`,
        outboxRoot: `0x${bytesToHex(c.outboxRoot)}`,
        parentCrosslinkRoot: `0x${bytesToHex(c.parentCrosslinkRoot)}`,
      })),
    };
  });
}
