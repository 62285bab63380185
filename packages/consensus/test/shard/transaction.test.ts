import { describe, expect, it } from "vitest";
import {
  decodeTransaction,
  processTransaction,
  TRANSACTION_SIZE,
  Transaction,
  transactionFromJson,
} from "../../src/shard/index.js";
import { accountsOnShard, genesisStates, INITIAL_BALANCE, SHARD_COUNT, transfer } from "./helpers.js";

const options = { shardCount: SHARD_COUNT };

describe("transaction validation", () => {
  const [alice, bob] = accountsOnShard(0, 2);
  const [carol] = accountsOnShard(1, 1);

  it("executes an intra-shard transfer: debit, credit, nonce, fee burned", () => {
    const state = genesisStates(2)[0];
    const result = processTransaction(state, transfer(alice, bob.address, 100n, 0, 3n), options);
    expect(result.ok).toBe(true);
    expect(state.getAccount(alice.address)).toMatchObject({ balance: INITIAL_BALANCE - 103n, nonce: 1 });
    expect(state.getAccount(bob.address)).toMatchObject({ balance: INITIAL_BALANCE + 100n, nonce: 0 });
    expect(state.feesBurned).toBe(3n);
  });

  it("debits a cross-shard transfer and appends a receipt to outbox[dest]", () => {
    const state = genesisStates(2)[0];
    const tx = transfer(alice, carol.address, 50n, 0, 2n);
    const result = processTransaction(state, tx, options);
    expect(result.ok && result.receipt).toMatchObject({ source: 0, dest: 1, seq: 0, amount: 50n });
    expect(state.outboxLength(1)).toBe(1);
    expect(state.getAccount(carol.address)).toBeUndefined();
    expect(state.getAccount(alice.address)?.balance).toBe(INITIAL_BALANCE - 52n);
  });

  it("creates the recipient's account on first credit", () => {
    const state = genesisStates(1)[0];
    const [, , , newcomer] = accountsOnShard(0, 4);
    expect(state.getAccount(newcomer.address)).toBeUndefined();
    expect(processTransaction(state, transfer(alice, newcomer.address, 7n, 0), options).ok).toBe(true);
    expect(state.getAccount(newcomer.address)).toMatchObject({ balance: 7n, nonce: 0 });
  });

  const cases: [string, () => ReturnType<typeof transfer>, string][] = [
    [
      "bad_signature",
      () => {
        const tx = transfer(alice, bob.address, 1n, 0);
        const signature = Uint8Array.from(tx.signature);
        signature[5] ^= 1;
        return { ...tx, signature };
      },
      "bad signature",
    ],
    [
      "bad_signature",
      () => ({ ...transfer(alice, bob.address, 1n, 0), amount: 2n }),
      "amount changed after signing",
    ],
    ["wrong_shard", () => transfer(carol, bob.address, 1n, 0), "sender on shard 1"],
    [
      "pubkey_mismatch",
      () => ({ ...transfer(alice, bob.address, 1n, 0), from: bob.address }),
      "from ≠ address(pubkey)",
    ],
    ["nonce_gap", () => transfer(alice, bob.address, 1n, 1), "nonce ahead"],
    [
      "insufficient_balance",
      () => transfer(alice, bob.address, INITIAL_BALANCE, 0, 1n),
      "amount + fee > balance",
    ],
    ["zero_amount", () => transfer(alice, bob.address, 0n, 0), "zero amount"],
  ];
  for (const [reason, makeTx, what] of cases) {
    it(`rejects ${what} with ${reason} and leaves the state untouched`, () => {
      const state = genesisStates(2)[0];
      const rootBefore = state.hashTreeRoot();
      const result = processTransaction(state, makeTx(), options);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toBe(reason);
      expect(state.hashTreeRoot()).toEqual(rootBefore);
    });
  }

  it("rejects a replayed nonce", () => {
    const state = genesisStates(2)[0];
    const tx = transfer(alice, bob.address, 1n, 0);
    expect(processTransaction(state, tx, options).ok).toBe(true);
    const result = processTransaction(state, tx, options);
    expect(!result.ok && result.reason).toBe("nonce_replay");
  });

  it("skips the signature check only when told the bytes were verified", () => {
    const state = genesisStates(2)[0];
    const tx = { ...transfer(alice, bob.address, 1n, 0), signature: new Uint8Array(64) };
    expect(processTransaction(state.clone(), tx, options).ok).toBe(false);
    expect(processTransaction(state.clone(), tx, { ...options, signatureVerified: true }).ok).toBe(true);
  });
});

describe("transaction decoding", () => {
  const [alice, bob] = accountsOnShard(0, 2);
  const tx = transfer(alice, bob.address, 5n, 0);

  it("round-trips the fixed-size SSZ encoding", () => {
    const bytes = Transaction.serialize(tx);
    expect(bytes.length).toBe(TRANSACTION_SIZE);
    const decoded = decodeTransaction(bytes);
    expect(decoded.ok && Transaction.equals(decoded.tx, tx)).toBe(true);
  });

  it("rejects oversize and truncated bytes", () => {
    const bytes = Transaction.serialize(tx);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(decodeTransaction(longer)).toMatchObject({ ok: false, reason: "oversize" });
    expect(decodeTransaction(bytes.subarray(1))).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("rejects unknown and missing JSON fields", () => {
    const json = Transaction.toJson(tx) as Record<string, unknown>;
    expect(transactionFromJson(json).ok).toBe(true);
    expect(transactionFromJson({ ...json, memo: "hi" })).toMatchObject({
      ok: false,
      reason: "unknown_fields",
    });
    const { fee: _fee, ...withoutFee } = json;
    expect(transactionFromJson(withoutFee)).toMatchObject({ ok: false, reason: "malformed" });
  });
});
