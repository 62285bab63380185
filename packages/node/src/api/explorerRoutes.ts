import { bytesToHex } from "@shardnet/crypto";
import type { FastifyInstance } from "fastify";
import type { ShardChain } from "../chain/shardChain.js";
import type { ShardnetNode } from "../shardnetNode.js";
import {
  beaconBlockSummaries,
  finalizedBlockSlot,
  MAX_SUMMARY_COUNT,
  shardBlockSummaries,
} from "./chainSummaries.js";
import { badRequest } from "./errors.js";
import { search } from "./search.js";

/** What the explorer's routes read of a node. */
export type ExplorerNode = Pick<ShardnetNode, "beacon" | "shardChains" | "txs"> & {
  opts: { loaded: { genesis: { network: string; genesisTime: number } } };
};

const rangeQuery = {
  type: "object",
  additionalProperties: false,
  required: ["from"],
  properties: {
    from: { type: "integer", minimum: 0, maximum: 2 ** 40 },
    count: { type: "integer", minimum: 1, maximum: MAX_SUMMARY_COUNT, default: 32 },
  },
} as const;

/**
 * Read-only routes the explorer needs beyond the node API: the network's parameters, bounded ranges of beacon
 * and shard block summaries (for the chain view) and search. Bad input → 400 `{code, message}`.
 */
export function registerExplorerRoutes(
  app: FastifyInstance,
  node: ExplorerNode,
  shardChain: (shard: number) => ShardChain,
): void {
  const { beacon } = node;

  app.get("/v1/network", async () => {
    const { genesis } = node.opts.loaded;
    return {
      network: genesis.network,
      genesisTime: genesis.genesisTime,
      shardCount: beacon.preset.SHARD_COUNT,
      slotsPerEpoch: beacon.preset.SLOTS_PER_EPOCH,
      secondsPerSlot: beacon.preset.SECONDS_PER_SLOT,
    };
  });

  // `GET /v1/beacon/blocks?from=S&count=N` (N ≤ MAX_SUMMARY_COUNT): summaries of the blocks in [S, S+N).
  app.get<{ Querystring: { from: number; count: number } }>(
    "/v1/beacon/blocks",
    { schema: { querystring: rangeQuery } },
    async (req) => {
      const { from, count } = req.query;
      const f = beacon.finalizedCheckpoint();
      const finalizedState = beacon.get(bytesToHex(f.root))?.post.state;
      return {
        from,
        count,
        headSlot: beacon.head().slot,
        finalized: { epoch: f.epoch, slot: finalizedBlockSlot(beacon) },
        // Shard blocks up to these slots are final (DESIGN.md §4); null when that state left memory.
        finalizedCrosslinks:
          finalizedState?.currentCrosslinks
            .getAllReadonlyValues()
            .map((c) => ({ shard: c.shard, slot: c.slot })) ?? null,
        blocks: await beaconBlockSummaries(beacon, from, count),
      };
    },
  );

  // `GET /v1/shards/{shard}/blocks?from=S&count=N`: summaries of one shard's blocks in [S, S+N).
  app.get<{ Params: { shard: number }; Querystring: { from: number; count: number } }>(
    "/v1/shards/:shard/blocks",
    {
      schema: {
        params: {
          type: "object",
          required: ["shard"],
          properties: { shard: { type: "integer", minimum: 0, maximum: 1023 } },
        },
        querystring: rangeQuery,
      },
    },
    async (req) => {
      const chain = shardChain(req.params.shard);
      const { from, count } = req.query;
      return {
        shard: chain.shard,
        from,
        count,
        headSlot: chain.head().slot,
        crosslinkedSlot: chain.crosslinkedSlot(),
        blocks: await shardBlockSummaries(chain, from, count),
      };
    },
  );

  // `GET /v1/search?q=…`: a transaction hash, block root, address, slot or validator index.
  app.get<{ Querystring: { q?: string } }>(
    "/v1/search",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { q: { type: "string", maxLength: 200 } },
        },
      },
    },
    async (req) => {
      const q = req.query.q ?? "";
      if (q.trim() === "")
        throw badRequest("INVALID_QUERY", "q is empty: give a hash, address, slot or index");
      return { query: q.trim(), results: await search(node, q) };
    },
  );
}
