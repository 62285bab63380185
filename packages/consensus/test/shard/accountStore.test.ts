import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AccountMemory, maxCapacity } from "../../src/shard/accountMemory.js";
import { type Account, AccountStore, Accounts } from "../../src/shard/index.js";
import { isValidBranch } from "../../src/shard/merkle.js";

/** Distinct addresses; bytes 8..11 repeat every 4 so registry fingerprints collide and candidates must be confirmed. */
function address(n: number): Uint8Array {
  const bytes = new Uint8Array(20);
  new DataView(bytes.buffer).setUint32(0, n, true);
  bytes[8] = n % 4;
  return bytes;
}

/**
 * Reads `store` back through the shared arrays (which makes them hold its version and rehash what changed),
 * not through its cached root: its bytes, and a Merkle branch of `index` against the SSZ root of `model`.
 */
function expectHeldAs(store: AccountStore, model: readonly Account[], index: number): void {
  expect(store.serialize()).toEqual(Accounts.serialize(model as Account[]));
  const gindex = Accounts.getPathInfo([index]).gindex;
  const leaf = Accounts.elementType.hashTreeRoot(model[index]);
  const root = Accounts.hashTreeRoot(model as Account[]);
  expect(isValidBranch(leaf, store.branch(index), gindex, root)).toBe(true);
}

/** The reference: every version as a plain list, hashed with the SSZ type. */
function expectSameAs(store: AccountStore, model: readonly Account[]): void {
  expect(store.count).toBe(model.length);
  const root = store.root();
  expect(root).toEqual(Accounts.hashTreeRoot(model as Account[]));
  for (let index = 0; index < model.length; index++) {
    expect(store.get(index)).toEqual(model[index]);
    expect(store.indexOf(model[index].address)).toBe(index);
  }
  expect(store.serialize()).toEqual(Accounts.serialize(model as Account[]));
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    handle: fc.nat(),
    index: fc.nat(),
    balance: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    nonce: fc.nat(),
  }),
  fc.record({
    kind: fc.constant("append" as const),
    handle: fc.nat(),
    balance: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  }),
  fc.record({ kind: fc.constant("clone" as const), handle: fc.nat() }),
  fc.record({ kind: fc.constant("check" as const), handle: fc.nat() }),
  fc.record({ kind: fc.constant("proof" as const), handle: fc.nat(), index: fc.nat() }),
);

describe("AccountStore", () => {
  it("keeps every version equal to its own SSZ list under random writes, appends, clones and reads", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.array(op, { maxLength: 60 }), (initial, ops) => {
        let nextAddress = 0;
        const genesis: Account[] = Array.from({ length: initial }, () => ({
          address: address(nextAddress++),
          balance: 1000n,
          nonce: 0,
        }));
        const handles: AccountStore[] = [AccountStore.fromAccounts(genesis)];
        const models: Account[][] = [genesis.map((a) => ({ ...a }))];
        for (const o of ops) {
          const h = o.handle % handles.length;
          const store = handles[h];
          const model = models[h];
          if (o.kind === "set") {
            if (model.length === 0) continue;
            const index = o.index % model.length;
            store.setBalanceAndNonce(index, o.balance, o.nonce);
            model[index] = { ...model[index], balance: o.balance, nonce: o.nonce };
          } else if (o.kind === "append") {
            const a = address(nextAddress++);
            expect(store.append(a, o.balance)).toBe(model.length);
            model.push({ address: a, balance: o.balance, nonce: 0 });
          } else if (o.kind === "clone") {
            handles.push(store.clone());
            models.push(model.map((a) => ({ ...a })));
          } else if (o.kind === "check") {
            expectSameAs(store, model);
          } else if (model.length > 0) {
            const index = o.index % model.length;
            const root = store.root();
            const gindex = Accounts.getPathInfo([index]).gindex;
            const leaf = Accounts.elementType.hashTreeRoot(model[index]);
            expect(isValidBranch(leaf, store.branch(index), gindex, root)).toBe(true);
            const tampered = { ...model[index], balance: model[index].balance ^ 1n };
            expect(
              isValidBranch(Accounts.elementType.hashTreeRoot(tampered), store.branch(index), gindex, root),
            ).toBe(false);
          }
        }
        // Finally every version, visited in an order that forces rerooting back and forth.
        handles.forEach((store, i) => {
          expectSameAs(store, models[i]);
        });
        [...handles].reverse().forEach((store, i) => {
          expectSameAs(store, models[handles.length - 1 - i]);
        });
      }),
      { numRuns: 150 },
    );
  });

  it("grows past its capacity and the list's power-of-two boundaries with the SSZ root at every step", () => {
    const store = AccountStore.fromAccounts([]);
    const model: Account[] = [];
    for (let n = 0; n < 70; n++) {
      const a = address(n);
      store.append(a, BigInt(n));
      model.push({ address: a, balance: BigInt(n), nonce: 0 });
      expect(store.root()).toEqual(Accounts.hashTreeRoot(model));
    }
    const fork = store.clone();
    fork.setBalanceAndNonce(64, 7n, 3);
    expect(store.root()).toEqual(Accounts.hashTreeRoot(model));
    expectHeldAs(store, model, 64);
    expectHeldAs(
      fork,
      model.map((a, i) => (i === 64 ? { ...a, balance: 7n, nonce: 3 } : a)),
      64,
    );
  });

  it("rehashes blocks that change hundreds of accounts at once", () => {
    const genesis: Account[] = Array.from({ length: 1000 }, (_, n) => ({
      address: address(n),
      balance: BigInt(n),
      nonce: 0,
    }));
    const head = AccountStore.fromAccounts(genesis);
    expect(head.root()).toEqual(Accounts.hashTreeRoot(genesis));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 0, max: 40 }),
        (indices, appends) => {
          const store = head.clone();
          const model = genesis.map((a) => ({ ...a }));
          for (const index of indices) {
            store.setBalanceAndNonce(index, BigInt(index) * 3n + 1n, 1);
            model[index] = { ...model[index], balance: BigInt(index) * 3n + 1n, nonce: 1 };
          }
          for (let n = 0; n < appends; n++) {
            const a = address(1000 + n);
            store.append(a, 1n);
            model.push({ address: a, balance: 1n, nonce: 0 });
          }
          expect(store.root()).toEqual(Accounts.hashTreeRoot(model));
          expect(head.root()).toEqual(Accounts.hashTreeRoot(genesis));
          expectHeldAs(head, genesis, indices[0]!);
          expectHeldAs(store, model, indices[indices.length - 1]!);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("rehashes more changed accounts than one batch holds, with parents shared across batches", () => {
    // Batches are 16,384 accounts: 2 batches here, whose paths share every ancestor from level 14 up.
    const count = 20_000;
    const genesis: Account[] = Array.from({ length: count }, (_, n) => ({
      address: address(n),
      balance: BigInt(n),
      nonce: 0,
    }));
    const genesisRoot = Accounts.hashTreeRoot(genesis);
    const head = AccountStore.fromAccounts(genesis);
    expect(head.root()).toEqual(genesisRoot);
    const store = head.clone();
    const model = genesis.map((a) => ({ ...a }));
    for (let index = 1; index < count; index += index % 5 === 0 ? 2 : 1) {
      store.setBalanceAndNonce(index, BigInt(index) + 7n, 2);
      model[index] = { ...model[index], balance: BigInt(index) + 7n, nonce: 2 };
    }
    const modelRoot = Accounts.hashTreeRoot(model);
    expect(store.root()).toEqual(modelRoot);
    // Branches read the levels themselves, on both sides of the batch boundary and at the right edge.
    for (const index of [16_383, 16_384, count - 1]) {
      const { gindex } = Accounts.getPathInfo([index]);
      const leaf = Accounts.elementType.hashTreeRoot(model[index]);
      expect(isValidBranch(leaf, store.branch(index), gindex, modelRoot)).toBe(true);
    }
    expect(head.root()).toEqual(genesisRoot);
    expect(head.get(16_384)).toEqual(genesis[16_384]);
  });

  it("refuses more accounts than one 4 GiB WebAssembly memory holds, with the limit in the error", () => {
    // 36 bytes per account, about 64 of Merkle nodes, and the fixed scratch space.
    expect(maxCapacity()).toBeGreaterThan(40_000_000);
    expect(maxCapacity()).toBeLessThan(2 ** 32 / 100);
    expect(() => new AccountMemory(maxCapacity() + 1)).toThrow(
      new RegExp(`at most ${maxCapacity()} accounts .* not ${maxCapacity() + 1}`),
    );
  });

  it("refuses out-of-range indices and malformed bytes without changing anything", () => {
    const store = AccountStore.fromAccounts([{ address: address(1), balance: 5n, nonce: 0 }]);
    const root = store.root();
    expect(() => store.get(1)).toThrow(/out of range/);
    expect(() => store.setBalanceAndNonce(-1, 1n, 0)).toThrow(/out of range/);
    expect(() => AccountStore.fromBytes(new Uint8Array(37))).toThrow(/multiple of 36/);
    expect(store.root()).toEqual(root);
  });
});
