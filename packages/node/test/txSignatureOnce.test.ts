import {
  blockTxRoot,
  type SignedShardBlock,
  shardBlockRoot,
  shardOf,
  signTransaction,
  type Transaction,
  Transaction as TransactionType,
  transactionHash,
  VerifiedTxCache,
} from "@shardnet/consensus";
import * as crypto from "@shardnet/crypto";
import type { GossipTopic, P2pNode } from "@shardnet/p2p";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShardChain } from "../src/chain/shardChain.js";
import { TransactionGossipBatch, TxService } from "../src/tx/txService.js";
import { openBeacon, signedShardBlock, silentLog, tempDir } from "./helpers.js";

/** Every Ed25519 verification in this process, whichever path makes it. */
const verifications = vi.hoisted(() => ({ count: 0 }));
vi.mock("@shardnet/crypto", async (importOriginal) => {
  const original = await importOriginal<typeof crypto>();
  return {
    ...original,
    ed25519Verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => {
      verifications.count++;
      return original.ed25519Verify(publicKey, message, signature);
    },
  };
});

const SHARDS = 2;
const bls = crypto.getBls();

/** Dev accounts whose address lives on `shard`. */
function devAccountsOn(shard: number, n: number) {
  const out: Array<{ secretKey: Uint8Array; publicKey: Uint8Array; address: Uint8Array }> = [];
  for (let i = 0; out.length < n; i++) {
    const key = crypto.devAccountKey(i);
    const address = crypto.addressFromPubkey(key.publicKey);
    if (shardOf(address, SHARDS) === shard) out.push({ ...key, address });
  }
  return out;
}
const senders = devAccountsOn(0, 8);
const foreign = devAccountsOn(1, 1)[0]!;

function transfer(i: number, nonce = 0): Transaction {
  const from = senders[i]!;
  return signTransaction(
    { from: from.address, to: foreign.address, amount: 5n, nonce, fee: 1n, pubkey: from.publicKey },
    from.secretKey,
  );
}
const hashOf = (tx: Transaction) => crypto.bytesToHex(transactionHash(tx));

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** One node: a real beacon chain, a shard-0 chain (LevelDB), a TxService wired as ShardnetNode wires it. */
async function openNode(prefix: string) {
  const { db, metrics, beacon } = await openBeacon(tempDir(prefix), {
    shards: SHARDS,
    accounts: [...senders, foreign].map((a) => ({ address: a.address, balance: 1_000_000n })),
  });
  // One cache of verified transactions for the whole node, as ShardnetNode shares it.
  const signatures = new VerifiedTxCache();
  const chain = await ShardChain.open(0, beacon, db, silentLog, metrics, signatures);
  const shards = new Map([[0, chain]]);
  const published: Array<{ topic: GossipTopic; bytes: Uint8Array }> = [];
  const p2p = {
    publish: async (topic: GossipTopic, bytes: Uint8Array) => {
      published.push({ topic, bytes });
      return 3;
    },
  } as unknown as P2pNode;
  const txs = new TxService(
    beacon,
    () => shards,
    p2p,
    silentLog,
    () => 1,
    undefined,
    undefined,
    {
      signatures,
    },
  );
  chain.onEvent((e) => txs.onShardEvent(e));
  closers.push(async () => {
    txs.stopGossip();
    await chain.settled();
    await db.close();
  });
  const context = beacon.contextOf(beacon.genesisRoot)!;
  /** This node's shard-0 block at `slot` on its head, from its mempool, signed by the interop proposer. */
  const propose = (slot: number): SignedShardBlock => {
    const proposer = context.epochCtx.getShardProposer(0, slot);
    const sk = bls.secretKeyFromBytes(crypto.interopSecretKey(proposer));
    return signedShardBlock(chain, slot, proposer, sk, context).signed;
  };
  return { chain, txs, published, propose };
}

/** Imports `block` on `node` and waits for its events; the import must succeed. */
async function importOn(node: Awaited<ReturnType<typeof openNode>>, block: SignedShardBlock) {
  const result = node.chain.importBlock(block);
  expect(result.status).toBe("imported");
  await node.chain.settled();
}

/** Ed25519 verifications `run` makes. */
async function counted(run: () => unknown): Promise<number> {
  const before = verifications.count;
  await run();
  return verifications.count - before;
}

describe("each transaction's signature is verified once per node", () => {
  it("received by gossip, then in an imported block: verified once", async () => {
    const producer = await openNode("shardnet-sig-producer-");
    const node = await openNode("shardnet-sig-node-");
    const tx = transfer(0);
    expect(producer.chain.mempool.add(tx, producer.chain.head().state, { slot: 1 }).ok).toBe(true);
    const block = producer.propose(1);
    const n = await counted(async () => {
      expect(node.txs.onGossip(TransactionGossipBatch.serialize([tx]), 0)).toBe("accept");
      await importOn(node, block);
    });
    expect(node.chain.head().txHashes).toEqual([hashOf(tx)]);
    expect(n).toBe(1);
  });

  it("in an imported block first, then received by gossip: verified once", async () => {
    const producer = await openNode("shardnet-sig-producer-");
    const node = await openNode("shardnet-sig-node-");
    const tx = transfer(0);
    expect(producer.chain.mempool.add(tx, producer.chain.head().state, { slot: 1 }).ok).toBe(true);
    const block = producer.propose(1);
    const n = await counted(async () => {
      await importOn(node, block);
      node.txs.onGossip(TransactionGossipBatch.serialize([tx]), 0);
    });
    expect(node.chain.mempool.has(hashOf(tx))).toBe(false);
    expect(n).toBe(1);
  });

  it("received in two different gossip batches: verified once", async () => {
    const node = await openNode("shardnet-sig-node-");
    const [a, b] = [transfer(0), transfer(1)];
    const n = await counted(() => {
      expect(node.txs.onGossip(TransactionGossipBatch.serialize([a]), 0)).toBe("accept");
      expect(node.txs.onGossip(TransactionGossipBatch.serialize([a, b]), 0)).toBe("accept");
    });
    expect(n).toBe(2);
  });

  it("submitted to this node's API, put in its own block and imported: verified once", async () => {
    const node = await openNode("shardnet-sig-node-");
    const tx = transfer(0);
    const n = await counted(async () => {
      const [result] = await node.txs.submit([TransactionType.toJson(tx)]);
      expect(result?.status).toBe("pending");
      const block = node.propose(1);
      expect(node.chain.importOwnBlock(block).status).toBe("imported");
      await node.chain.settled();
      // The same transaction submitted again, and gossiped back by a peer.
      await node.txs.submit([TransactionType.toJson(tx)]);
      node.txs.onGossip(TransactionGossipBatch.serialize([tx]), 0);
    });
    expect(node.chain.head().txHashes).toEqual([hashOf(tx)]);
    expect(n).toBe(1);
  });

  it("included by two competing blocks: verified once", async () => {
    // Two producers include the same transaction on two branches from genesis: slot 1 and slot 2.
    const left = await openNode("shardnet-sig-left-");
    const right = await openNode("shardnet-sig-right-");
    const node = await openNode("shardnet-sig-node-");
    const tx = transfer(0);
    expect(left.chain.mempool.add(tx, left.chain.head().state, { slot: 1 }).ok).toBe(true);
    expect(right.chain.mempool.add(tx, right.chain.head().state, { slot: 1 }).ok).toBe(true);
    const leftBlock = left.propose(1);
    const rightBlock = right.propose(2);
    const n = await counted(async () => {
      node.txs.onGossip(TransactionGossipBatch.serialize([tx]), 0);
      await importOn(node, leftBlock);
      await importOn(node, rightBlock);
    });
    for (const block of [leftBlock, rightBlock])
      expect(node.chain.get(crypto.bytesToHex(shardBlockRoot(block.message)))?.txHashes).toEqual([
        hashOf(tx),
      ]);
    expect(n).toBe(1);
  });

  it("back in the mempool after a reorg, then in this node's block and a peer's: verified once", async () => {
    const left = await openNode("shardnet-sig-left-");
    const right = await openNode("shardnet-sig-right-");
    const node = await openNode("shardnet-sig-node-");
    const tx = transfer(0);
    expect(left.chain.mempool.add(tx, left.chain.head().state, { slot: 1 }).ok).toBe(true);
    const leftBlock = left.propose(1);
    const emptyRight = right.propose(2);
    await importOn(right, emptyRight);
    expect(right.chain.mempool.add(tx, right.chain.head().state, { slot: 3 }).ok).toBe(true);
    const peerBlock = right.propose(4);
    const n = await counted(async () => {
      node.txs.onGossip(TransactionGossipBatch.serialize([tx]), 0);
      await importOn(node, leftBlock);
      expect(node.chain.head().txHashes).toEqual([hashOf(tx)]);
      // A vote moves the head to the empty branch: the transaction goes back into the mempool.
      await importOn(node, emptyRight);
      node.chain.onAttestation(0, crypto.bytesToHex(shardBlockRoot(emptyRight.message)), 32_000_000_000n, 2);
      node.chain.updateHead();
      await node.chain.settled();
      expect(node.chain.head().slot).toBe(2);
      expect(node.chain.mempool.has(hashOf(tx))).toBe(true);
      // This node includes it again; a peer on the same branch does too.
      const own = node.propose(3);
      expect(own.message.body.transactions).toHaveLength(1);
      expect(node.chain.importOwnBlock(own).status).toBe("imported");
      await importOn(node, peerBlock);
    });
    expect(n).toBe(1);
  });

  it("a badly signed transaction is never remembered: refused by gossip every time, and a block with it is rejected", async () => {
    const producer = await openNode("shardnet-sig-producer-");
    const node = await openNode("shardnet-sig-node-");
    const tx = transfer(0);
    const forged = { ...tx, signature: new Uint8Array(64).fill(1) };
    expect(producer.chain.mempool.add(tx, producer.chain.head().state, { slot: 1 }).ok).toBe(true);
    const good = producer.propose(1);
    // The producer's block with the forged transaction in its place, signed again by its proposer.
    const message = {
      header: {
        ...good.message.header,
        txRoot: blockTxRoot([transactionHash(forged)], good.message.body.deposits),
      },
      body: { ...good.message.body, transactions: [forged] },
    };
    const proposer = message.header.proposerIndex;
    const sk = bls.secretKeyFromBytes(crypto.interopSecretKey(proposer));
    const bad = { message, signature: sk.sign(producer.chain.signingRoot(message)).toBytes() };
    const n = await counted(async () => {
      for (let i = 0; i < 2; i++) {
        expect(node.txs.onGossip(TransactionGossipBatch.serialize([forged]), 0)).toBe("reject");
        expect(node.chain.importBlock(bad)).toMatchObject({
          status: "invalid",
          reason: "invalid_transaction",
        });
      }
    });
    expect(n).toBe(4);
    expect(node.chain.signatures.has(hashOf(forged))).toBe(false);
    expect(node.chain.mempool.has(hashOf(forged))).toBe(false);
    await importOn(node, good);
  });
});

describe("a gossiped transaction is hashed once on its way into the mempool", () => {
  it("the batch check's hash is the mempool's key", async () => {
    const node = await openNode("shardnet-sig-node-");
    const txs = [transfer(0), transfer(1)];
    const bytes = TransactionGossipBatch.serialize(txs);
    const hashes = vi.spyOn(TransactionType, "hashTreeRoot");
    try {
      expect(node.txs.onGossip(bytes, 0)).toBe("accept");
      expect(hashes).toHaveBeenCalledTimes(txs.length);
    } finally {
      hashes.mockRestore();
    }
    for (const tx of txs) expect(node.chain.mempool.has(hashOf(tx))).toBe(true);
  });
});
