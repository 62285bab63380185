import { Writable } from "node:stream";
import {
  shardOf,
  signTransaction,
  type Transaction,
  Transaction as TransactionType,
  transactionHash,
} from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey, getBls } from "@shardnet/crypto";
import { createP2pNode, type GossipTopic, type P2pNode } from "@shardnet/p2p";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OperationPools } from "../src/chain/pools.js";
import { ShardChain } from "../src/chain/shardChain.js";
import { registerGossipHandlers } from "../src/network/gossipHandlers.js";
import { ReceiptRelay } from "../src/receipts/receiptRelay.js";
import { TransactionGossipBatch, TxService } from "../src/tx/txService.js";
import { openBeacon, silentLog, tempDir } from "./helpers.js";

const SHARDS = 2;
const TOPIC: GossipTopic = { kind: "shard_tx", shard: 0 };
const accounts = Array.from({ length: 60 }, (_, i) => {
  const key = devAccountKey(i);
  return { ...key, address: addressFromPubkey(key.publicKey) };
}).filter((a) => shardOf(a.address, SHARDS) === 0);

function transfer(i: number): Transaction {
  const from = accounts[i]!;
  return signTransaction(
    { from: from.address, to: accounts[0]!.address, amount: 2n, nonce: 0, fee: 1n, pubkey: from.publicKey },
    from.secretKey,
  );
}
const hashOf = (tx: Transaction) => bytesToHex(transactionHash(tx));

const started: P2pNode[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await Promise.all(started.splice(0).map((n) => n.stop()));
});

async function p2pNode(bootstrap: string[] = []): Promise<P2pNode> {
  const node = await createP2pNode({
    listen: ["/ip4/127.0.0.1/tcp/0"],
    forkDigest: "a1b2c3d4",
    shardCount: SHARDS,
    targetPeers: 0,
    bootstrap,
  });
  started.push(node);
  return node;
}

/**
 * A node's transaction path as ShardnetNode wires it: real libp2p, the real gossip handlers, a TxService
 * over a real beacon chain and shard-0 chain (LevelDB). Its warn logs are kept in `logs`.
 */
async function txNode(bootstrap: string[] = []) {
  const p2p = await p2pNode(bootstrap);
  const { db, metrics, beacon } = await openBeacon(tempDir("shardnet-txgossip-"), {
    shards: SHARDS,
    accounts: accounts.map((a) => ({ address: a.address, balance: 1_000_000n })),
  });
  const chain = await ShardChain.open(0, beacon, db, silentLog, metrics);
  const shards = new Map([[0, chain]]);
  const logs: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: "warn" },
    new Writable({
      write(line, _enc, done) {
        logs.push(JSON.parse(String(line)) as Record<string, unknown>);
        done();
      },
    }),
  );
  const txs = new TxService(
    beacon,
    () => shards,
    p2p,
    log,
    () => 1,
    undefined,
    undefined,
    {
      gossipWindowMs: 50,
    },
  );
  registerGossipHandlers({
    p2p,
    beacon,
    shards: () => shards,
    pools: new OperationPools(getBls(), 16),
    metrics,
    log,
    currentSlot: () => 1,
    requestSync: () => {},
    parkShardBlock: () => {},
    txs,
    receipts: new ReceiptRelay(beacon, () => shards, p2p, log),
    publishSlashing: () => {},
    addVoluntaryExit: () => null,
    addDeposit: () => ({
      kind: "invalid",
      code: "NOT_IN_THIS_TEST",
      message: "deposits are not part of this test",
    }),
  });
  p2p.setTrackedShards([0]);
  closers.push(async () => {
    txs.stopGossip();
    await db.close();
  });
  return { p2p, txs, chain, logs };
}

describe("shard_{s}_tx batches over real libp2p", () => {
  it("a batch with one bad signature: the others are admitted and travel on, the bad one is named, and nobody who relayed valid content is penalised", async () => {
    // author — relay — honest, in a line. `relay` is the node under test.
    const relay = await txNode();
    const author = await p2pNode(relay.p2p.listenMultiaddrs());
    const honest = await txNode(relay.p2p.listenMultiaddrs());
    author.setTrackedShards([0]);
    await vi.waitFor(
      () => {
        expect(relay.p2p.gossip.topicPeers(TOPIC)).toHaveLength(2);
        expect(author.gossip.topicPeers(TOPIC)).toEqual([relay.p2p.peerId]);
        expect(honest.p2p.gossip.topicPeers(TOPIC)).toEqual([relay.p2p.peerId]);
      },
      { timeout: 15_000, interval: 50 },
    );

    // The honest node's API admits transactions; its one coalesced message reaches `relay`.
    const honestTxs = [transfer(1), transfer(2), transfer(3)];
    const results = await honest.txs.submit(honestTxs.map((tx) => TransactionType.toJson(tx)));
    expect(results.every((r) => r.status === "pending")).toBe(true);
    await vi.waitFor(() => expect(honestTxs.every((tx) => relay.chain.mempool.has(hashOf(tx)))).toBe(true), {
      timeout: 10_000,
    });

    // The author's batch: three valid transactions around one whose signature covers another amount.
    const valid = [transfer(4), transfer(5), transfer(7)];
    const forged = { ...transfer(6), amount: 99n };
    const batch = [valid[0]!, valid[1]!, forged, valid[2]!];
    expect(await author.publish(TOPIC, TransactionGossipBatch.serialize(batch))).toBe(1);

    // `relay` admits the valid ones and names the bad one (hash, reason) in its log.
    await vi.waitFor(() => expect(valid.every((tx) => relay.chain.mempool.has(hashOf(tx)))).toBe(true), {
      timeout: 10_000,
    });
    expect(relay.chain.mempool.has(hashOf(forged))).toBe(false);
    expect(relay.txs.gossipInvalid).toBe(1);
    const named = relay.logs.find((l) => Array.isArray(l.rejected));
    expect(named).toMatchObject({
      shard: 0,
      from: author.peerId,
      admitted: 3,
      rejected: [{ index: 2, hash: hashOf(forged), reason: "bad_signature" }],
    });

    // The valid ones travel on in relay's own batch; the author's message itself is never forwarded.
    await vi.waitFor(() => expect(valid.every((tx) => honest.chain.mempool.has(hashOf(tx)))).toBe(true), {
      timeout: 10_000,
    });
    expect(honest.chain.mempool.has(hashOf(forged))).toBe(false);
    expect(honest.txs.gossipInvalid).toBe(0);

    // Rejection penalised the author only (the P4 penalty shows once gossipsub's score cache expires).
    await vi.waitFor(() => expect(relay.p2p.peerScore(author.peerId)).toBeLessThan(-900), {
      timeout: 10_000,
      interval: 100,
    });
    expect(relay.p2p.peerScore(honest.p2p.peerId)).toBeGreaterThanOrEqual(0);
    expect(honest.p2p.peerScore(relay.p2p.peerId)).toBeGreaterThanOrEqual(0);
    expect(honest.logs.filter((l) => Array.isArray(l.rejected))).toEqual([]);
  });
});
