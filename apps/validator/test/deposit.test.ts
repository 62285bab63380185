/**
 * `deposit`: the transaction the command builds is one a node accepts (validateDepositTransaction on a shard
 * genesis state funding the sender, also after its JSON round trip, the form POST /v1/deposits takes), and the
 * refusals before anything is sent: an amount outside MIN_DEPOSIT_STAKE..MAX_STAKE, a wrong keystore password,
 * a bad --from-key. The command against a node that accepts deposits is left to the end-to-end test.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createShardGenesisState,
  DepositTransaction,
  MAX_STAKE,
  MIN_DEPOSIT_STAKE,
  shardOf,
  validateDepositTransaction,
} from "@shardnet/consensus";
import {
  addressFromPubkey,
  bytesToHex,
  devAccountKey,
  ed25519KeyPairFromSeed,
  encryptKeystore,
  getBls,
  interopSecretKey,
} from "@shardnet/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildDepositTransaction,
  type DepositInput,
  describeDeposit,
  parseGwei,
  parseWithdrawalAddress,
  sendDeposit,
} from "../src/deposit.js";
import { parseSenderKey } from "../src/senderKey.js";
import { readValidatorKey } from "../src/validatorKey.js";

const SHARD_COUNT = 4;
const bls = getBls();
const genesisRoot = new Uint8Array(32).fill(7);
const validatorKey = bls.secretKeyFromBytes(interopSecretKey(3));
const senderSeed = new Uint8Array(32).fill(0x42);
const sender = ed25519KeyPairFromSeed(senderSeed);
const senderAddress = addressFromPubkey(sender.publicKey);
const withdrawalAddress = new Uint8Array(20).fill(0xab);

const dir = mkdtempSync(join(tmpdir(), "validator-deposit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The sender's shard at genesis, holding `balance` for it (and another account of another shard). */
function senderShardState(balance: bigint) {
  const shard = shardOf(senderAddress, SHARD_COUNT);
  return createShardGenesisState(shard, SHARD_COUNT, [
    { address: senderAddress, balance },
    { address: new Uint8Array(20).fill(1), balance: 5n },
  ]);
}

const input = (over: Partial<DepositInput> = {}): DepositInput => ({
  validatorKey,
  senderSeed,
  nonce: 0,
  amount: MAX_STAKE,
  fee: 3n,
  withdrawalAddress,
  genesisRoot,
  ...over,
});

describe("buildDepositTransaction", () => {
  const context = { shardCount: SHARD_COUNT, genesisRoot, bls };

  it("builds a deposit a node accepts: the sender pays, the validator's key and withdrawal address inside, also after JSON", () => {
    const state = senderShardState(MAX_STAKE + 3n);
    const tx = buildDepositTransaction(input());
    expect(tx.from).toEqual(senderAddress);
    expect(tx.pubkey).toEqual(sender.publicKey);
    expect(tx.nonce).toBe(0);
    expect(tx.fee).toBe(3n);
    expect(tx.deposit.pubkey).toEqual(validatorKey.toPublicKey().toBytes());
    expect(tx.deposit.withdrawalAddress).toEqual(withdrawalAddress);
    expect(tx.deposit.amount).toBe(MAX_STAKE);
    expect(validateDepositTransaction(tx, state, context)).toEqual({ ok: true });
    const wire = DepositTransaction.fromJson(JSON.parse(JSON.stringify(DepositTransaction.toJson(tx))));
    expect(validateDepositTransaction(wire, state, context)).toEqual({ ok: true });
  });

  it("signs the nonce it is given and binds both signatures to the genesis root", () => {
    const state = senderShardState(MAX_STAKE + 3n);
    const minimum = buildDepositTransaction(input({ amount: MIN_DEPOSIT_STAKE, fee: 0n }));
    expect(validateDepositTransaction(minimum, state, context)).toEqual({ ok: true });
    expect(
      validateDepositTransaction(buildDepositTransaction(input({ nonce: 1 })), state, context),
    ).toMatchObject({ ok: false, reason: "nonce_gap" });
    const otherNetwork = buildDepositTransaction(input({ genesisRoot: new Uint8Array(32).fill(8) }));
    expect(validateDepositTransaction(otherNetwork, state, context)).toMatchObject({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("refuses an amount below the minimum or above the maximum, naming both bounds", () => {
    const bounds = new RegExp(`from ${MIN_DEPOSIT_STAKE} gwei .* to ${MAX_STAKE} gwei`);
    for (const amount of [0n, MIN_DEPOSIT_STAKE - 1n, MAX_STAKE + 1n]) {
      let error: unknown;
      try {
        buildDepositTransaction(input({ amount }));
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({ code: "DEPOSIT_AMOUNT", message: expect.stringMatching(bounds) });
    }
    expect(() => buildDepositTransaction(input({ amount: MIN_DEPOSIT_STAKE - 1n }))).toThrow(
      `deposit amount ${MIN_DEPOSIT_STAKE - 1n} is below the minimum ${MIN_DEPOSIT_STAKE} gwei`,
    );
  });
});

describe("sendDeposit refusals before anything reaches a node", () => {
  /** Nothing listens there: reaching the node would be NODE_UNREACHABLE. */
  const node = "http://127.0.0.1:1";
  const keystoreFile = join(dir, "keystore.json");
  const passwordFile = file("password.txt", "correct horse\n");
  const options = {
    node,
    keystoreFile,
    passwordFile,
    fromKey: "dev:0",
    amount: MAX_STAKE.toString(),
    fee: "1",
  };
  beforeAll(async () => {
    const keystore = await encryptKeystore(interopSecretKey(3), "correct horse", {
      kdf: { function: "pbkdf2", c: 2 },
    });
    writeFileSync(keystoreFile, JSON.stringify(keystore));
  });

  it("a wrong keystore password (the right one gives the validator's key)", async () => {
    expect(await readValidatorKey(keystoreFile, passwordFile)).toMatchObject({
      pubkey: `0x${bytesToHex(validatorKey.toPublicKey().toBytes())}`,
    });
    const wrong = file("wrong.txt", "wrong horse\n");
    await expect(readValidatorKey(keystoreFile, wrong)).rejects.toMatchObject({
      code: "WRONG_PASSWORD",
      message: expect.stringContaining(`${keystoreFile}: wrong password`),
    });
    await expect(sendDeposit({ ...options, passwordFile: wrong })).rejects.toMatchObject({
      code: "WRONG_PASSWORD",
    });
  });

  it("an amount outside the bounds, a bad fee or withdrawal address, a bad --from-key", async () => {
    await expect(sendDeposit({ ...options, amount: "999999999" })).rejects.toMatchObject({
      code: "DEPOSIT_AMOUNT",
      message: expect.stringContaining("is below the minimum 1000000000 gwei"),
    });
    await expect(sendDeposit({ ...options, amount: "32000000001" })).rejects.toMatchObject({
      code: "DEPOSIT_AMOUNT",
      message: expect.stringContaining("is above the maximum stake 32000000000 gwei"),
    });
    await expect(sendDeposit({ ...options, amount: "1e9" })).rejects.toMatchObject({ code: "BAD_ARGUMENTS" });
    await expect(sendDeposit({ ...options, fee: "-1" })).rejects.toMatchObject({ code: "BAD_ARGUMENTS" });
    await expect(sendDeposit({ ...options, withdrawalAddress: "0x1234" })).rejects.toMatchObject({
      code: "BAD_ARGUMENTS",
    });
    await expect(sendDeposit({ ...options, fromKey: "dev:one" })).rejects.toMatchObject({
      code: "BAD_FROM_KEY",
    });
  });

  it("with good input, the first thing that fails is reaching the node", async () => {
    await expect(sendDeposit(options)).rejects.toMatchObject({ code: "NODE_UNREACHABLE" });
  });
});

describe("--from-key", () => {
  const seedHex = bytesToHex(senderSeed);

  it("dev:N is dev account N, with its address", () => {
    const key = parseSenderKey("dev:5");
    expect(key.secretKey).toEqual(devAccountKey(5).secretKey);
    expect(key.publicKey).toEqual(devAccountKey(5).publicKey);
    expect(key.address).toEqual(addressFromPubkey(devAccountKey(5).publicKey));
  });

  it("a file holding the 32-byte Ed25519 seed: 0x-hex, bare hex, or JSON {secretKey}", () => {
    for (const [name, text] of [
      ["seed-0x.txt", `0x${seedHex}\n`],
      ["seed-bare.txt", seedHex],
      ["seed.json", JSON.stringify({ secretKey: `0x${seedHex}` })],
    ] as const) {
      const key = parseSenderKey(file(name, text));
      expect(key.secretKey).toEqual(senderSeed);
      expect(key.publicKey).toEqual(sender.publicKey);
      expect(key.address).toEqual(senderAddress);
    }
  });

  it.each([
    ["a dev account that is not a number", "dev:x", /a dev account is dev:N with N a number/],
    ["a negative dev account", "dev:-1", /a dev account is dev:N/],
    ["a dev account past uint64", `dev:${2n ** 64n}`, /below 2\^64/],
    ["a missing file", "/nonexistent/seed.txt", /cannot read --from-key .*; use dev:N for a dev account/],
  ])("refuses %s", (_name, spec, message) => {
    expect(() => parseSenderKey(spec)).toThrow(message);
    expect(() => parseSenderKey(spec)).toThrow(expect.objectContaining({ code: "BAD_FROM_KEY" }));
  });

  it.each([
    ["a short seed", `0x${seedHex.slice(2)}`, /32-byte Ed25519 seed as 64 hex digits/],
    ["non-hex", `0x${"zz".repeat(32)}`, /32-byte Ed25519 seed/],
    ["an empty file", "", /32-byte Ed25519 seed/],
    ["JSON without secretKey", '{"seed": "0x00"}', /JSON must hold "secretKey"/],
    ["broken JSON", "{secretKey", /is not JSON/],
  ])("refuses a file with %s", (name, text, message) => {
    const path = file(`bad-${name.replace(/\W/g, "-")}.txt`, text);
    expect(() => parseSenderKey(path)).toThrow(message);
    expect(() => parseSenderKey(path)).toThrow(expect.objectContaining({ code: "BAD_FROM_KEY" }));
  });
});

describe("amount, fee and withdrawal address", () => {
  it("parses gwei as decimal uint64 and a withdrawal address as 0x + 40 hex", () => {
    expect(parseGwei("fee", "0")).toBe(0n);
    expect(parseGwei("amount", "32000000000")).toBe(32_000_000_000n);
    for (const bad of ["", "-1", "1.5", "1e9", "0x10", `${2n ** 64n}`])
      expect(() => parseGwei("amount", bad)).toThrow(/--amount must be a whole number of gwei/);
    expect(parseWithdrawalAddress(`0x${"Ab".repeat(20)}`)).toEqual(new Uint8Array(20).fill(0xab));
    for (const bad of ["ab".repeat(20), `0x${"ab".repeat(19)}`, `0x${"ab".repeat(21)}`, "dev:1"])
      expect(() => parseWithdrawalAddress(bad)).toThrow(/--withdrawal-address must be 0x followed by 40 hex/);
  });
});

describe("describeDeposit", () => {
  it("names the transaction, the validator, both addresses, and how to follow the validator", () => {
    const pubkey = `0x${"a1".repeat(48)}`;
    const text = describeDeposit(
      {
        hash: `0x${"11".repeat(32)}`,
        status: "pooled",
        pubkey,
        from: `0x${"22".repeat(20)}`,
        shard: 1,
        nonce: 4,
        withdrawalAddress: `0x${"33".repeat(20)}`,
        amount: "32000000000",
        fee: "1",
      },
      "http://127.0.0.1:9001",
    );
    expect(text).toContain(`deposit 0x${"11".repeat(32)} pooled by http://127.0.0.1:9001`);
    expect(text).toMatch(new RegExp(`validator pubkey +${pubkey}`));
    expect(text).toMatch(new RegExp(`from +0x${"22".repeat(20)} \\(shard 1, nonce 4\\)`));
    expect(text).toMatch(new RegExp(`withdrawal address +0x${"33".repeat(20)}`));
    expect(text).toContain("a shard 1 block includes the deposit");
    expect(text).toContain("activation queue");
    expect(text).toContain(`npm run validator -- status ${pubkey}`);
  });
});
