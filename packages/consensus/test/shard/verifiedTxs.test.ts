import { describe, expect, it } from "vitest";
import {
  addressKey,
  blockTxRoot,
  crosslinkLookupFromList,
  Mempool,
  processShardBlock,
  produceShardBlock,
  type ShardBlock,
  ShardBlockError,
  type Transaction,
  transactionHash,
  VerifiedTxCache,
  verifyTransactionSignature,
} from "../../src/shard/index.js";
import { accountsOnShard, genesisStates, SHARD_COUNT, transfer } from "./helpers.js";

const hex = (tx: Transaction) => addressKey(transactionHash(tx));

/** A cache whose verifications are counted (the real Ed25519 check underneath). */
function countingCache(capacity?: number) {
  const verified: string[] = [];
  const cache = new VerifiedTxCache({
    ...(capacity === undefined ? {} : { capacity }),
    verifySignature: (tx) => {
      verified.push(hex(tx));
      return verifyTransactionSignature(tx);
    },
  });
  return { cache, verified };
}

describe("VerifiedTxCache", () => {
  const [alice, bob, dave] = accountsOnShard(0, 3);

  it("verifies a transaction once, then answers from its hash", () => {
    const { cache, verified } = countingCache();
    const tx = transfer(alice, bob.address, 5n, 0);
    expect(cache.has(hex(tx))).toBe(false);
    expect(cache.verify(tx, hex(tx))).toBe(true);
    expect(cache.verify(tx, hex(tx))).toBe(true);
    expect(cache.verify(tx, hex(tx))).toBe(true);
    expect(verified).toEqual([hex(tx)]);
    expect(cache.has(hex(tx))).toBe(true);
    expect({ verifications: cache.verifications, hits: cache.hits }).toEqual({ verifications: 1, hits: 2 });
  });

  it("never holds a transaction whose signature does not verify, nor a forgery of one that did", () => {
    const { cache, verified } = countingCache();
    const tx = transfer(alice, bob.address, 5n, 0);
    const forged = { ...tx, amount: 6n }; // the signature covers amount 5
    const badSignature = { ...tx, signature: new Uint8Array(64).fill(1) };
    expect(cache.verify(tx, hex(tx))).toBe(true);
    for (const bad of [forged, badSignature, forged]) {
      expect(cache.verify(bad, hex(bad))).toBe(false);
      expect(cache.has(hex(bad))).toBe(false);
    }
    // Each refusal was a real verification: nothing about a bad transaction is remembered.
    expect(verified).toEqual([hex(tx), hex(forged), hex(badSignature), hex(forged)]);
    expect(cache.size).toBe(1);
  });

  it("holds at most `capacity` hashes, dropping the least recently used", () => {
    const { cache, verified } = countingCache(2);
    const [a, b, c] = [alice, bob, dave].map((from) => transfer(from, alice.address, 5n, 0)) as [
      Transaction,
      Transaction,
      Transaction,
    ];
    cache.verify(a, hex(a));
    cache.verify(b, hex(b));
    cache.verify(a, hex(a)); // a is now the most recently used
    cache.verify(c, hex(c)); // b leaves
    expect(cache.size).toBe(2);
    expect([a, b, c].map((tx) => cache.has(hex(tx)))).toEqual([true, false, true]);
    for (let nonce = 1; nonce < 20; nonce++) {
      const tx = transfer(alice, bob.address, 5n, nonce);
      cache.verify(tx, hex(tx));
      expect(cache.size).toBeLessThanOrEqual(2);
    }
    // A hash that left is verified again when it comes back.
    const before = verified.length;
    cache.verify(b, hex(b));
    expect(verified.length).toBe(before + 1);
  });

  it("refuses a capacity that is not a positive integer", () => {
    for (const capacity of [0, -1, 1.5, Number.NaN])
      expect(() => new VerifiedTxCache({ capacity })).toThrow();
  });
});

describe("one VerifiedTxCache across mempool, block production and block import", () => {
  const [alice, bob] = accountsOnShard(0, 2);
  const ctx = { shardCount: SHARD_COUNT, maxTransactions: 16, crosslinks: crosslinkLookupFromList([]) };
  const beaconBlockRoot = new Uint8Array(32).fill(9);

  it("a transaction admitted by the mempool is not verified again by production nor by import elsewhere", () => {
    const state = genesisStates(2)[0]!;
    const { cache, verified } = countingCache();
    const pool = new Mempool({ shard: 0, shardCount: SHARD_COUNT, capacity: 10, signatures: cache });
    const txs = [transfer(alice, bob.address, 5n, 0), transfer(bob, alice.address, 7n, 0)];
    for (const tx of txs) expect(pool.add(tx, state).ok).toBe(true);
    const produced = produceShardBlock(
      state,
      { slot: 1, proposerIndex: 0, beaconBlockRoot, transactions: txs, pendingReceipts: [] },
      { ...ctx, signatures: cache },
    );
    expect(produced.txHashes).toEqual(txs.map(hex));
    // Imported without the mempool's set (as after the mempool dropped them): the cache answers.
    processShardBlock(state, produced.block, { ...ctx, signatures: cache });
    expect(verified).toEqual(txs.map(hex));
  });

  it("import records what it verified; a block with a badly signed transaction is rejected every time and records nothing of it", () => {
    const state = genesisStates(2)[0]!;
    const good = transfer(alice, bob.address, 5n, 0);
    const { block } = produceShardBlock(
      state,
      { slot: 1, proposerIndex: 0, beaconBlockRoot, transactions: [good], pendingReceipts: [] },
      ctx,
    );
    const { cache, verified } = countingCache();
    processShardBlock(state, block, { ...ctx, signatures: cache });
    processShardBlock(state, block, { ...ctx, signatures: cache });
    expect(verified).toEqual([hex(good)]);

    const forged = { ...good, signature: new Uint8Array(64).fill(1) };
    const bad: ShardBlock = {
      header: { ...block.header, txRoot: blockTxRoot([transactionHash(forged)], block.body.deposits) },
      body: { ...block.body, transactions: [forged] },
    };
    for (let i = 0; i < 2; i++) {
      expect(() => processShardBlock(state, bad, { ...ctx, signatures: cache })).toThrow(ShardBlockError);
      expect(cache.has(hex(forged))).toBe(false);
    }
    expect(verified).toEqual([hex(good), hex(forged), hex(forged)]);
    // Production skips it too, with its reason.
    const produced = produceShardBlock(
      state,
      { slot: 1, proposerIndex: 0, beaconBlockRoot, transactions: [forged], pendingReceipts: [] },
      { ...ctx, signatures: cache },
    );
    expect(produced.skippedTransactions.map((s) => s.reason)).toEqual(["bad_signature"]);
    expect(cache.has(hex(forged))).toBe(false);
  });
});
