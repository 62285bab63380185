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
    expect(pool.pruneStale(state)).toEqual([
      {
        txHash: hex(a0),
        reason: "nonce_replay",
        message: expect.stringMatching(/nonce 0 was used by another transaction.*next nonce is 1/),
      },
    ]);
    expect(pool.selectForBlock(state, 10)).toEqual([a1]);
  });

  it("expires what waited too long behind a nonce gap or past the balance, and keeps what can execute", () => {
    const state = genesisStates(3)[0];
    const pool = newPool();
    const a0 = transfer(alice, bob.address, 1n, 0);
    const a2 = transfer(alice, bob.address, 1n, 2); // nonce 1 never arrives
    const b0 = transfer(bob, alice.address, INITIAL_BALANCE - 4n, 0);
    const b1 = transfer(bob, alice.address, 5n, 1); // admitted on the state's balance, which b0 spends first
    const d0 = transfer(dave, alice.address, 1n, 0);
    expect(pool.add(a0, state, { slot: 1 }).ok).toBe(true);
    expect(pool.add(a2, state, { slot: 1 }).ok).toBe(true);
    expect(pool.add(b0, state, { slot: 1 }).ok).toBe(true);
    expect(pool.add(b1, state, { slot: 1 }).ok).toBe(true);
    expect(pool.add(d0, state, { slot: 20 }).ok).toBe(true);
    // Not yet waited long enough: nothing expires.
    expect(pool.expireStuck(state, 10, 16)).toEqual([]);
    const dropped = pool.expireStuck(state, 30, 16);
    expect(dropped.map((d) => [d.txHash, d.reason])).toEqual([
      [hex(a2), "nonce_gap"],
      [hex(b1), "expired"],
    ]);
    expect(dropped[0]?.message).toMatch(/nonce 1, which never arrived/);
    // a0 and b0 can execute and d0 is recent: they stay, however long blocks are full.
    expect(pool.size).toBe(3);
    expect(pool.expireStuck(state, 1000, 16)).toEqual([]);
    expect(pool.has(hex(a0)) && pool.has(hex(b0))).toBe(true);
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
