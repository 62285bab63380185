import { addressFromPubkey, devAccountKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { createShardGenesisState } from "../../src/shard/genesis.js";
import { Mempool } from "../../src/shard/mempool.js";
import { signTransaction, transactionFromJson } from "../../src/shard/transaction.js";
import { Transaction } from "../../src/shard/types.js";

const key = devAccountKey(1);
const from = addressFromPubkey(key.publicKey);
const to = addressFromPubkey(devAccountKey(2).publicKey);
const json = (overrides: Record<string, unknown>) => ({
  ...Transaction.toJson(
    signTransaction({ from, to, amount: 5n, nonce: 0, fee: 1n, pubkey: key.publicKey }, key.secretKey),
  ),
  ...overrides,
});

describe("transactionFromJson field checks", () => {
  it("accepts a well-formed transaction", () => {
    expect(transactionFromJson(json({})).ok).toBe(true);
  });

  it.each([
    ["amount", "-5", /amount must be a non-negative integer/],
    ["amount", "18446744073709551616", /amount .* does not fit in uint64/],
    ["fee", "ten", /fee must be a non-negative integer/],
    ["nonce", "1.5", /nonce must be a non-negative integer/],
    ["nonce", "9007199254740993", /nonce .* is above 2\^53-1/],
    ["from", "0x1234", /from must be 0x-prefixed hex of 20 bytes/],
    ["signature", 7, /signature must be 0x-prefixed hex of 64 bytes/],
  ])("refuses %s = %j naming the field", (field, value, message) => {
    const result = transactionFromJson(json({ [field]: value }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it("a validly signed negative amount (wrapped in SSZ) never enters the mempool", () => {
    const tx = signTransaction(
      { from, to, amount: -5n, nonce: 0, fee: 1n, pubkey: key.publicKey },
      key.secretKey,
    );
    const pool = new Mempool({ shard: 0, shardCount: 1, capacity: 10 });
    const state = createShardGenesisState(0, 1, [{ address: from, balance: 100n }]);
    const result = pool.add(tx, state);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe("malformed");
  });
});
