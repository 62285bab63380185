import { describe, expect, it } from "vitest";
import { addressKey, Mempool, transactionHash } from "../../src/shard/index.js";
import { accountsOnShard, genesisStates, INITIAL_BALANCE, SHARD_COUNT, transfer } from "./helpers.js";

const hex = (tx: Parameters<typeof transactionHash>[0]) => addressKey(transactionHash(tx));

describe("mempool", () => {
  const [alice, bob, dave] = accountsOnShard(0, 3);
  const [carol] = accountsOnShard(1, 1);
  const newPool = (capacity = 100) => new Mempool({ shard: 0, shardCount: SHARD_COUNT, capacity });

  it("admits valid transactions and refuses duplicates with a reason", () => {
    const state = genesisStates(3)[0];
    const pool = newPool();
    const tx = transfer(alice, bob.address, 5n, 0);
    expect(pool.add(tx, state)).toMatchObject({ ok: true, txHash: hex(tx) });
    expect(pool.add(tx, state)).toMatchObject({ ok: false, reason: "duplicate" });
    expect(pool.size).toBe(1);
    expect(pool.verifiedTxHashes.has(hex(tx))).toBe(true);
  });

  it("refuses invalid transactions with their reason", () => {
    const state = genesisStates(3)[0];
    const pool = newPool();
    const badSig = { ...transfer(alice, bob.address, 5n, 0), fee: 2n };
    expect(pool.add(badSig, state)).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(pool.add(transfer(carol, bob.address, 5n, 0), state)).toMatchObject({
      ok: false,
      reason: "wrong_shard",
    });
    expect(pool.add(transfer(alice, bob.address, 0n, 0), state)).toMatchObject({
      ok: false,
      reason: "zero_amount",
    });
    expect(pool.add(transfer(alice, bob.address, INITIAL_BALANCE, 0), state)).toMatchObject({
      ok: false,
      reason: "insufficient_balance",
    });
    expect(pool.add(transfer(alice, bob.address, 5n, 65), state)).toMatchObject({
      ok: false,
      reason: "nonce_gap",
    });
    expect(pool.size).toBe(0);
  });

  it("replaces same sender + nonce only for a higher fee", () => {
    const state = genesisStates(3)[0];
    const pool = newPool();
    const low = transfer(alice, bob.address, 5n, 0, 2n);
    const same = transfer(alice, dave.address, 5n, 0, 2n);
    const high = transfer(alice, dave.address, 5n, 0, 3n);
    expect(pool.add(low, state).ok).toBe(true);
    expect(pool.add(same, state)).toMatchObject({ ok: false, reason: "underpriced_replacement" });
    expect(pool.add(high, state)).toMatchObject({ ok: true, replaced: hex(low) });
    expect(pool.has(hex(low))).toBe(false);
    expect(pool.selectForBlock(state, 10)).toEqual([high]);
  });

  it("evicts the lowest fee when full and refuses a fee that does not beat it", () => {
    const state = genesisStates(3)[0];
    const pool = newPool(2);
    const a = transfer(alice, bob.address, 1n, 0, 5n);
    const b = transfer(bob, alice.address, 1n, 0, 2n);
    expect(pool.add(a, state).ok).toBe(true);
    expect(pool.add(b, state).ok).toBe(true);
    expect(pool.add(transfer(dave, alice.address, 1n, 0, 2n), state)).toMatchObject({
      ok: false,
      reason: "mempool_full",
    });
    const c = transfer(dave, alice.address, 1n, 0, 3n);
    expect(pool.add(c, state)).toMatchObject({ ok: true, evicted: hex(b) });
    expect(pool.size).toBe(2);
    expect(pool.has(hex(b))).toBe(false);
  });

  it("selects per-sender nonce order, fee priority, within balance and max", () => {
    const state = genesisStates(3)[0];
    const pool = newPool();
    const a0 = transfer(alice, bob.address, 1n, 0, 1n);
    const a1 = transfer(alice, bob.address, 1n, 1, 9n);
    const b0 = transfer(bob, alice.address, 1n, 0, 5n);
    const d1 = transfer(dave, alice.address, 1n, 1, 50n); // gap: dave's nonce 0 is missing
    for (const tx of [a1, a0, b0, d1]) expect(pool.add(tx, state).ok).toBe(true);
    expect(pool.selectForBlock(state, 10)).toEqual([b0, a0, a1]);
    expect(pool.selectForBlock(state, 2)).toEqual([b0, a0]);
    const rich = transfer(alice, bob.address, INITIAL_BALANCE - 10n, 2, 1n); // fits alone, not after a0 + a1
    expect(pool.add(rich, state).ok).toBe(true);
    expect(pool.selectForBlock(state, 10)).toEqual([b0, a0, a1]);
  });

  it("removes included and stale transactions", () => {
    const state = genesisStates(3)[0];
    const pool = newPool();
    const a0 = transfer(alice, bob.address, 1n, 0);
    const a1 = transfer(alice, bob.address, 1n, 1);
    const b0 = transfer(bob, alice.address, 1n, 0);
    for (const tx of [a0, a1, b0]) pool.add(tx, state);
    pool.removeIncluded([hex(b0)]);
    expect(pool.size).toBe(2);
    state.debitAndBumpNonce(state.indexOf(alice.address) as number, 2n);
    expect(pool.pruneStale(state)).toBe(1);
    expect(pool.selectForBlock(state, 10)).toEqual([a1]);
  });

  it("reports the pending nonce past the queued run", () => {
    const state = genesisStates(3)[0];
    const pool = newPool();
    expect(pool.pendingNonce(state, alice.address)).toBe(0);
    pool.add(transfer(alice, bob.address, 1n, 0), state);
    pool.add(transfer(alice, bob.address, 1n, 1), state);
    pool.add(transfer(alice, bob.address, 1n, 3), state);
    expect(pool.pendingNonce(state, alice.address)).toBe(2);
  });
});
