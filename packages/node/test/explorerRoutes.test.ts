/**
 * The explorer's routes over a real beacon chain (LevelDB, 16 interop validators, blocks at slots 1, 2, 4, 5),
 * a real shard chain and a real TxService: bounded block summaries, network parameters, search, and the
 * explorer's page and modules. Bad input gets a 400 that names the problem and changes nothing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { P2pNode } from "@shardnet/p2p";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_SUMMARY_COUNT } from "../src/api/chainSummaries.js";
import { explorerPackageDir, loadExplorerAssets, registerExplorerAssets } from "../src/api/explorerAssets.js";
import { registerNodeRoutes } from "../src/api/nodeRoutes.js";
import { createApiServer } from "../src/api/server.js";
import { ShardChain } from "../src/chain/shardChain.js";
import type { ShardnetNode } from "../src/shardnetNode.js";
import { TxService } from "../src/tx/txService.js";
import { openBeacon, proposeAt, silentLog, tempDir } from "./helpers.js";

async function openApi(assetsDir?: string) {
  const { db, metrics, beacon, genesis } = await openBeacon(tempDir("shardnet-explorer-"));
  for (const slot of [1, 2, 4, 5]) {
    const result = beacon.importBlock(proposeAt(beacon, slot)) as { persisted?: Promise<void> };
    await result.persisted;
  }
  await beacon.settled();
  const chain = await ShardChain.open(0, beacon, db, silentLog, metrics);
  const shardChains = new Map([[0, chain]]);
  const txs = new TxService(
    beacon,
    () => shardChains,
    {} as unknown as P2pNode,
    silentLog,
    () => 5,
  );
  const app = createApiServer({ host: "127.0.0.1", port: 0, log: silentLog, registry: new Registry() });
  const node = { beacon, txs, shardChains, opts: { loaded: { genesis } }, sync: { isSyncing: () => false } };
  registerNodeRoutes(app, node as unknown as ShardnetNode);
  registerExplorerAssets(app, loadExplorerAssets(assetsDir));
  await app.ready();
  const get = async (url: string) => {
    const res = await app.inject({ method: "GET", url });
    return { status: res.statusCode, json: () => res.json() as Record<string, unknown>, res };
  };
  const close = async () => {
    txs.stopGossip();
    await app.close();
    await db.close();
  };
  return { app, beacon, get, close };
}

type Api = Awaited<ReturnType<typeof openApi>>;

describe("explorer API routes", () => {
  let api: Api;
  beforeEach(async () => {
    api = await openApi();
  });
  afterEach(async () => {
    await api.close();
  });

  it("GET /v1/network gives the parameters the explorer computes with", async () => {
    const res = await api.get("/v1/network");
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ network: "test", shardCount: 2, slotsPerEpoch: 8, genesisTime: 0 });
  });

  it("GET /v1/beacon/blocks?from&count: the canonical blocks in the range, ascending, with their links", async () => {
    const res = await api.get("/v1/beacon/blocks?from=1&count=4");
    expect(res.status).toBe(200);
    const body = res.json() as {
      blocks: Array<{ slot: number; root: string; parentRoot: string; canonical: boolean }>;
    };
    expect(body.blocks.map((b) => b.slot)).toEqual([1, 2, 4]);
    expect(body.blocks.every((b) => b.canonical)).toBe(true);
    expect(body.blocks[1]!.parentRoot).toBe(body.blocks[0]!.root);
    expect(body.blocks[2]!.parentRoot).toBe(body.blocks[1]!.root);
    const all = (await api.get("/v1/beacon/blocks?from=0")).json() as { blocks: Array<{ slot: number }> };
    expect(all.blocks.map((b) => b.slot)).toEqual([0, 1, 2, 4, 5]);
    const beyond = (await api.get("/v1/beacon/blocks?from=100&count=3")).json() as { blocks: unknown[] };
    expect(beyond.blocks).toEqual([]);
  });

  it("GET /v1/shards/{shard}/blocks?from&count: the shard's blocks in the range", async () => {
    const res = await api.get("/v1/shards/0/blocks?from=0&count=8");
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ shard: 0, blocks: [{ slot: 0, canonical: true, transactions: 0 }] });
  });

  it("refuses bad ranges, shards and queries with a 400 that names the problem", async () => {
    const cases: Array<[string, RegExp, number]> = [
      [`/v1/beacon/blocks?from=0&count=${MAX_SUMMARY_COUNT + 1}`, /count/, 400],
      ["/v1/beacon/blocks?from=0&count=0", /count/, 400],
      ["/v1/beacon/blocks?count=5", /from/, 400],
      ["/v1/beacon/blocks?from=-1", /from/, 400],
      ["/v1/beacon/blocks?from=abc", /from/, 400],
      ["/v1/beacon/blocks?from=1&extra=2", /additional|extra/, 400],
      ["/v1/shards/9/blocks?from=0", /shard 9/, 400],
      ["/v1/shards/1/blocks?from=0", /does not track shard 1/, 404],
      ["/v1/shards/0/blocks?from=0&count=1000", /count/, 400],
      ["/v1/search?q=", /empty/, 400],
      ["/v1/search?q=hello", /not something to search for/, 400],
      ["/v1/search?q=0x1234", /not something to search for/, 400],
      [`/v1/search?q=${"1".repeat(201)}`, /q/, 400],
    ];
    for (const [url, names, status] of cases) {
      const res = await api.get(url);
      expect(res.status, url).toBe(status);
      const body = res.json();
      expect(typeof body.code, url).toBe("string");
      expect(body.message, url).toMatch(names);
    }
    expect((await api.get("/v1/beacon/blocks?from=0")).status).toBe(200);
  });

  it("GET /v1/search finds blocks by root and slot, validators, accounts", async () => {
    const block = (await api.get("/v1/beacon/blocks?from=2&count=1")).json() as {
      blocks: Array<{ root: string }>;
    };
    const root = block.blocks[0]!.root;
    expect((await api.get(`/v1/search?q=${root}`)).json()).toMatchObject({
      results: [{ kind: "beacon_block", root, slot: 2 }],
    });
    expect((await api.get("/v1/search?q=2")).json()).toMatchObject({
      results: [
        { kind: "beacon_block", root, slot: 2 },
        { kind: "validator", index: 2 },
      ],
    });
    // Slot 3 has no block; index 3 is a validator. 99: neither.
    expect((await api.get("/v1/search?q=3")).json()).toMatchObject({
      results: [{ kind: "validator", index: 3 }],
    });
    expect((await api.get("/v1/search?q=99")).json()).toMatchObject({ results: [] });
    const address = `0x${"ab".repeat(20)}`;
    const found = (await api.get(`/v1/search?q=${address}`)).json() as { results: Array<{ kind: string }> };
    expect(found.results).toEqual([{ kind: "account", address, shard: expect.any(Number) }]);
    expect((await api.get(`/v1/search?q=0x${"11".repeat(32)}`)).json()).toMatchObject({ results: [] });
  });
});

describe("explorer page", () => {
  it("serves the built page at / and its modules under /explorer/, nothing else", async () => {
    const dir = tempDir("shardnet-explorer-assets-");
    mkdirSync(join(dir, "static"));
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "static", "index.html"), "<!doctype html><title>x</title>");
    writeFileSync(join(dir, "dist", "main.js"), "export {};");
    writeFileSync(join(dir, "dist", "main.d.ts"), "export {};");
    const api = await openApi(dir);
    try {
      const page = await api.get("/");
      expect(page.status).toBe(200);
      expect(page.res.headers["content-type"]).toMatch(/text\/html/);
      expect(page.res.headers["content-security-policy"]).toMatch(/default-src 'self'/);
      const js = await api.get("/explorer/main.js");
      expect(js.status).toBe(200);
      expect(js.res.headers["content-type"]).toMatch(/javascript/);
      expect((await api.get("/explorer/main.d.ts")).status).toBe(400);
      expect((await api.get("/explorer/other.js")).status).toBe(404);
      expect((await api.get("/explorer/..%2Fpackage.json")).status).toBe(400);
    } finally {
      await api.close();
    }
  });

  it("answers 503 with what to do when the explorer is not built", async () => {
    const api = await openApi(tempDir("shardnet-explorer-empty-"));
    try {
      const res = await api.get("/");
      expect(res.status).toBe(503);
      expect(res.json()).toMatchObject({
        code: "EXPLORER_NOT_BUILT",
        message: expect.stringMatching(/npm run build/),
      });
    } finally {
      await api.close();
    }
  });

  it("finds the @shardnet/explorer package", () => {
    expect(explorerPackageDir()).toMatch(/packages[/\\]explorer$/);
  });
});
