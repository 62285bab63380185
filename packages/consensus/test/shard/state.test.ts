import { describe, expect, it } from "vitest";
import {
  AccountStore,
  Accounts,
  createShardGenesisState,
  genesisSupply,
  MAX_UINT64,
  OutboxAccumulator,
  processTransaction,
  ShardGenesisError,
  ShardState,
  ShardStateType,
  shardOf,
  shardStateFromBytes,
} from "../../src/shard/index.js";
import { accountsOnShard, genesisAllocations, genesisStates, SHARD_COUNT, transfer } from "./helpers.js";

describe("shard state", () => {
  it("shardOf reads the first 8 address bytes little-endian, mod SHARD_COUNT", () => {
    const address = new Uint8Array(20);
    address[0] = 6;
    expect(shardOf(address, 4)).toBe(2);
    address[1] = 1; // 262
    expect(shardOf(address, 4)).toBe(2);
    expect(shardOf(address, 3)).toBe(262 % 3);
    address[7] = 0x80; // 2^63 + 262
    expect(shardOf(address, 3)).toBe(Number(((1n << 63n) + 262n) % 3n));
  });

  it("genesis keeps only this shard's accounts and commits to them", () => {
    const states = genesisStates(2);
    for (const state of states) {
      expect(state.accountCount).toBe(2);
      for (let i = 0; i < state.accountCount; i++) {
        expect(shardOf(state.getAccountAt(i).address, SHARD_COUNT)).toBe(state.shard);
      }
      expect(state.hashTreeRoot()).toEqual(ShardStateType.hashTreeRoot(state.toValue()));
    }
  });

  it("refuses duplicate addresses and a supply over 2^64-1", () => {
    const allocations = genesisAllocations(1);
    expect(() => genesisSupply([...allocations, allocations[0]])).toThrow(ShardGenesisError);
    const huge = [
      { address: allocations[0].address, balance: MAX_UINT64 },
      { address: allocations[1].address, balance: 1n },
    ];
    expect(() => createShardGenesisState(0, SHARD_COUNT, huge)).toThrow(/2\^64-1/);
    const max = [{ address: allocations[0].address, balance: MAX_UINT64 }];
    expect(genesisSupply(max)).toBe(MAX_UINT64);
  });

  it("builds the accounts tree in bulk with the same root as the SSZ type", () => {
    const accounts = Array.from({ length: 37 }, (_, i) => ({
      address: new Uint8Array(20).fill(i + 1),
      balance: BigInt(i) * 1_000_003n,
      nonce: i * 7,
    }));
    expect(AccountStore.fromAccounts(accounts).root()).toEqual(Accounts.hashTreeRoot(accounts));
    expect(AccountStore.fromAccounts([]).root()).toEqual(Accounts.hashTreeRoot([]));
    expect(AccountStore.fromBytes(Accounts.serialize(accounts)).root()).toEqual(
      Accounts.hashTreeRoot(accounts),
    );
  });

  it("forks do not see each other's accounts, even at the same index or with colliding registry keys", () => {
    const base = genesisStates(1)[0];
    const [, x, y] = accountsOnShard(0, 3);
    const forkA = base.clone();
    const forkB = base.clone();
    forkA.credit(x.address, 5n);
    forkB.credit(y.address, 6n);
    expect(forkA.indexOf(x.address)).toBe(forkB.indexOf(y.address));
    expect(forkA.getAccount(y.address)).toBeUndefined();
    expect(forkB.getAccount(x.address)).toBeUndefined();
    expect(base.getAccount(x.address)).toBeUndefined();
    // Same registry fingerprint (bytes 8..11), different addresses.
    const state = ShardState.fromValue(
      {
        ...ShardStateType.defaultValue(),
        outboxes: [OutboxAccumulator.defaultValue()],
        inboxCursors: [0],
        creditedAmounts: [0n],
      },
      new Uint8Array(32),
    );
    const a = new Uint8Array(20).fill(1);
    const b = Uint8Array.from(a);
    b[19] = 2;
    state.credit(a, 1n);
    state.credit(b, 2n);
    expect(state.getAccount(a)?.balance).toBe(1n);
    expect(state.getAccount(b)?.balance).toBe(2n);
  });

  it("refuses a credit that would overflow uint64 without changing the state", () => {
    const state = genesisStates(1)[0];
    const [alice] = accountsOnShard(0, 1);
    const root = state.hashTreeRoot();
    expect(state.credit(alice.address, MAX_UINT64)).toBe(false);
    expect(state.hashTreeRoot()).toEqual(root);
  });

  it("round-trips through SSZ bytes (snapshot) with the same root and lookups", () => {
    const state = genesisStates(2)[0];
    const [alice, bob] = accountsOnShard(0, 2);
    expect(
      processTransaction(state, transfer(alice, bob.address, 3n, 0), { shardCount: SHARD_COUNT }).ok,
    ).toBe(true);
    const bytes = state.serialize();
    expect(bytes).toEqual(ShardStateType.serialize(state.toValue()));
    const copy = shardStateFromBytes(bytes, state.latestBlockRoot);
    expect(copy.hashTreeRoot()).toEqual(state.hashTreeRoot());
    expect(copy.getAccount(alice.address)).toEqual(state.getAccount(alice.address));
    expect(copy.toValue()).toEqual(state.toValue());
    expect(() => shardStateFromBytes(bytes.subarray(0, bytes.length - 3), state.latestBlockRoot)).toThrow();
  });

  it("keeps the incremental root equal to a from-scratch hash after mutations, clones and new accounts", () => {
    const state = genesisStates(2)[0];
    const [alice, bob, newcomer] = accountsOnShard(0, 3);
    const [remote] = accountsOnShard(1, 1);
    const options = { shardCount: SHARD_COUNT };
    expect(processTransaction(state, transfer(alice, bob.address, 3n, 0), options).ok).toBe(true);
    const fork = state.clone();
    expect(processTransaction(state, transfer(alice, newcomer.address, 4n, 1), options).ok).toBe(true);
    expect(processTransaction(fork, transfer(bob, remote.address, 5n, 0), options).ok).toBe(true);
    for (const s of [state, fork]) {
      const root = s.hashTreeRoot();
      expect(root).toEqual(ShardStateType.hashTreeRoot(s.toValue()));
    }
    expect(state.hashTreeRoot()).not.toEqual(fork.hashTreeRoot());
  });
});
