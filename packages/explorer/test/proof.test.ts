/**
 * The browser's account proof check (src/proof.ts, WebCrypto SHA-256) against the consensus package's own
 * proofs: every proof getAccountProof makes verifies, the generalized index matches accountGindex, and any
 * change to the account, the index, the branch or the root fails.
 */
import {
  accountGindex as consensusGindex,
  createShardGenesisState,
  getAccountProof,
  shardOf,
} from "@shardnet/consensus";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../src/hex.js";
import { type AccountProofInput, accountGindex, verifyAccountProof, webCryptoSha256 } from "../src/proof.js";

const SHARDS = 2;
const addresses = Array.from({ length: 40 }, (_, i) => {
  const a = new Uint8Array(20);
  a[0] = i;
  a[19] = 7 * i + 1;
  return a;
}).filter((a) => shardOf(a, SHARDS) === 0);
const state = createShardGenesisState(
  0,
  SHARDS,
  addresses.map((address, i) => ({ address, balance: 1_000_000n + BigInt(i) * 12_345n })),
);
const sha256 = webCryptoSha256()!;

function input(address: Uint8Array): AccountProofInput {
  const proven = getAccountProof(state, address)!;
  return {
    address: bytesToHex(address),
    balance: proven.account.balance.toString(),
    nonce: proven.account.nonce,
    index: proven.proof.index,
    branch: proven.proof.branch.map(bytesToHex),
    stateRoot: bytesToHex(state.hashTreeRoot()),
  };
}

describe("browser account proof check", () => {
  it("uses the consensus package's generalized index", () => {
    for (const i of [0, 1, 2, 5, 1000, 2 ** 32 + 3]) expect(accountGindex(i)).toBe(consensusGindex(i));
  });

  it("verifies every account's proof from getAccountProof", async () => {
    expect(addresses.length).toBeGreaterThan(5);
    for (const address of addresses) {
      const verdict = await verifyAccountProof(sha256, input(address));
      expect(verdict, bytesToHex(address)).toMatchObject({ ok: true });
    }
  });

  it("fails a changed balance, nonce, address, index, branch node or root", async () => {
    const good = input(addresses[3]!);
    const other = input(addresses[4]!);
    const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith("0") ? "1" : "0"}`;
    const tampered: AccountProofInput[] = [
      { ...good, balance: (BigInt(good.balance) + 1n).toString() },
      { ...good, nonce: 1 },
      { ...good, address: other.address },
      { ...good, index: good.index + 1 },
      { ...good, branch: good.branch.map((b, i) => (i === 2 ? flip(b) : b)) },
      { ...good, branch: good.branch.slice(1) },
      { ...good, stateRoot: flip(good.stateRoot) },
      { ...good, balance: "-1" },
    ];
    for (const t of tampered)
      expect((await verifyAccountProof(sha256, t)).ok, JSON.stringify(t).slice(0, 120)).toBe(false);
  });
});
