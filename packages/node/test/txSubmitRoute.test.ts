import { ListCompositeType } from "@chainsafe/ssz";
import {
  shardOf,
  signTransaction,
  TRANSACTION_SIZE,
  type Transaction,
  Transaction as TransactionType,
  transactionHash,
} from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey } from "@shardnet/crypto";
import type { GossipTopic, P2pNode } from "@shardnet/p2p";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { MAX_TX_BATCH, registerNodeRoutes } from "../src/api/nodeRoutes.js";
import { createApiServer } from "../src/api/server.js";
import { ShardChain } from "../src/chain/shardChain.js";
import type { ShardnetNode } from "../src/shardnetNode.js";
import { TxService } from "../src/tx/txService.js";
import { openBeacon, silentLog, tempDir } from "./helpers.js";

const SHARDS = 2;
const accounts = Array.from({ length: 40 }, (_, i) => {
  const key = devAccountKey(i);
  return { ...key, address: addressFromPubkey(key.publicKey) };
}).filter((a) => shardOf(a.address, SHARDS) === 0);
const SszBatch = new ListCompositeType(TransactionType, MAX_TX_BATCH);

function transfer(i: number, nonce = 0): Transaction {
  const from = accounts[i]!;
  const to = accounts[i + 1]!;
  return signTransaction(
    { from: from.address, to: to.address, amount: 7n, nonce, fee: 1n, pubkey: from.publicKey },
    from.secretKey,
  );
}

/** The real fastify route over a real TxService (beacon, shard-0 chain, LevelDB); gossip is recorded. */
async function openApi() {
  const { db, metrics, beacon } = await openBeacon(tempDir("shardnet-route-"), {
    shards: SHARDS,
    accounts: accounts.map((a) => ({ address: a.address, balance: 1_000_000n })),
  });
  const chain = await ShardChain.open(0, beacon, db, silentLog, metrics);
  const shardChains = new Map([[0, chain]]);
  const published: Uint8Array[] = [];
  const p2p = {
    publish: async (_topic: GossipTopic, bytes: Uint8Array) => {
      published.push(bytes);
      return 1;
    },
  } as unknown as P2pNode;
  const txs = new TxService(
    beacon,
    () => shardChains,
    p2p,
    silentLog,
    () => 1,
  );
  const app = createApiServer({ host: "127.0.0.1", port: 0, log: silentLog, registry: new Registry() });
  // Only what the transaction routes read of a node.
  registerNodeRoutes(app, { beacon, txs, shardChains } as unknown as ShardnetNode);
  await app.ready();
  const post = (payload: Buffer | string, contentType: string) =>
    app.inject({
      method: "POST",
      url: "/v1/transactions",
      payload,
      headers: { "content-type": contentType },
    });
  const close = async () => {
    txs.stopGossip();
    await app.close();
    await db.close();
  };
  return { app, chain, txs, post, published, close };
}

const json = (value: unknown) => JSON.stringify(value);
const ssz = (txs: Transaction[]) => Buffer.from(SszBatch.serialize(txs));

describe("POST /v1/transactions with SSZ bytes (application/octet-stream)", () => {
  it("gives a transaction the same hash as its JSON submission, and the same per-transaction results", async () => {
    const viaJson = await openApi();
    const viaSsz = await openApi();
    const txs = [transfer(0), transfer(1), transfer(2, 5_000)]; // the last: a nonce gap, rejected
    const hash = `0x${bytesToHex(transactionHash(txs[0]!))}`;

    const single = await viaJson.post(json(TransactionType.toJson(txs[0]!)), "application/json");
    expect(single.statusCode).toBe(202);
    expect(single.json()).toMatchObject({ hash, status: "pending" });
    const one = await viaSsz.post(ssz([txs[0]!]), "application/octet-stream");
    expect(one.statusCode).toBe(202);
    expect(one.json()).toMatchObject({ accepted: 1, rejected: 0, results: [{ hash, status: "pending" }] });

    const batchJson = await viaJson.post(
      json(txs.slice(1).map((tx) => TransactionType.toJson(tx))),
      "application/json",
    );
    const batchSsz = await viaSsz.post(ssz(txs.slice(1)), "application/octet-stream");
    expect(batchSsz.statusCode).toBe(batchJson.statusCode);
    expect(batchSsz.json()).toEqual(batchJson.json());
    expect(batchSsz.json()).toMatchObject({
      accepted: 1,
      rejected: 1,
      results: [
        { hash: `0x${bytesToHex(transactionHash(txs[1]!))}`, status: "pending" },
        { status: "rejected", code: "nonce_gap" },
      ],
    });
    expect(viaSsz.chain.mempool.has(hash.slice(2))).toBe(true);
    // SSZ submissions are gossiped like JSON ones.
    await viaSsz.txs.flushGossip();
    expect(viaSsz.published).toHaveLength(1);
    await viaJson.close();
    await viaSsz.close();
  });

  it("answers bytes that do not decode with 400 {code, message} and admits nothing of them", async () => {
    const { chain, post, close } = await openApi();
    const good = ssz([transfer(3), transfer(4)]);
    const truncated = good.subarray(0, good.length - 1);
    const cut = await post(truncated, "application/octet-stream");
    expect(cut.statusCode).toBe(400);
    expect(cut.json()).toEqual({
      code: "INVALID_SSZ",
      message: expect.stringMatching(/not a whole number of 160-byte/),
    });

    const empty = await post(Buffer.alloc(0), "application/octet-stream");
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });

    const tooMany = await post(
      Buffer.alloc((MAX_TX_BATCH + 1) * TRANSACTION_SIZE),
      "application/octet-stream",
    );
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(chain.mempool.size).toBe(0);

    // The whole body is decoded before anything is admitted: the intact batch still goes in afterwards.
    const ok = await post(good, "application/octet-stream");
    expect(ok.statusCode).toBe(202);
    expect(chain.mempool.size).toBe(2);
    await close();
  });
});
