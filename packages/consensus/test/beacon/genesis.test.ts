import { describe, expect, it } from "vitest";
import { forkDigest, genesisHash, genesisToJson, parseGenesis } from "../../src/genesis/genesis.js";
import { createGenesisBeaconState } from "../../src/genesis/genesisState.js";
import { interopPublicKey } from "../../src/genesis/interop.js";
import { toHex } from "../../src/util/bytes.js";

function goodJson() {
  return {
    network: "devnet",
    genesisTime: 1_764_000_000,
    preset: "local",
    presetOverrides: { SHARD_COUNT: 2 },
    validators: [0, 1, 2, 3].map((i) => ({ pubkey: toHex(interopPublicKey(i)), stake: "32000000000" })),
    accounts: [{ address: `0x${"11".repeat(20)}`, balance: "1000000" }],
  };
}

describe("genesis file", () => {
  it("parses, round-trips and hashes deterministically", () => {
    const genesis = parseGenesis(goodJson());
    expect(genesis.preset.SHARD_COUNT).toBe(2);
    expect(genesis.validators[1]?.stake).toBe(32_000_000_000n);
    expect(genesis.accounts[0]?.balance).toBe(1_000_000n);
    const again = parseGenesis(JSON.parse(JSON.stringify(genesisToJson(genesis))));
    expect(toHex(genesisHash(again))).toBe(toHex(genesisHash(genesis)));
    expect(forkDigest(genesis)).toMatch(/^[0-9a-f]{8}$/);
    const other = parseGenesis({ ...goodJson(), network: "other" });
    expect(forkDigest(other)).not.toBe(forkDigest(genesis));
  });

  it("rejects bad files with messages that name the field", () => {
    expect(() => parseGenesis([])).toThrow(/top level must be a JSON object/);
    expect(() => parseGenesis({ ...goodJson(), extra: 1 })).toThrow(/unknown field "extra"/);
    expect(() => parseGenesis({ ...goodJson(), preset: "huge" })).toThrow(/"preset" must be/);
    expect(() => parseGenesis({ ...goodJson(), genesisTime: -1 })).toThrow(/genesisTime/);
    expect(() => parseGenesis({ ...goodJson(), validators: [] })).toThrow(/non-empty/);
    const badKey = goodJson();
    badKey.validators[0] = { pubkey: "0x1234", stake: "1" };
    expect(() => parseGenesis(badKey)).toThrow(/validators\[0\].pubkey: expected 48 bytes/);
    const badStake = goodJson();
    badStake.validators[2] = { pubkey: badStake.validators[2]?.pubkey ?? "", stake: "-5" };
    expect(() => parseGenesis(badStake)).toThrow(/validators\[2\].stake/);
    const dup = goodJson();
    dup.validators[3] = dup.validators[0] as { pubkey: string; stake: string };
    expect(() => parseGenesis(dup)).toThrow(/appears twice/);
    expect(() => parseGenesis({ ...goodJson(), presetOverrides: { NOPE: 3 } })).toThrow(
      /unknown preset value/,
    );
    expect(() => parseGenesis({ ...goodJson(), accounts: [{ address: "0x12", balance: "1" }] })).toThrow(
      /accounts\[0\].address/,
    );
  });

  it("creates a genesis state with every validator active and one crosslink per shard", () => {
    const genesis = parseGenesis(goodJson());
    const state = createGenesisBeaconState(genesis);
    expect(state.validators.length).toBe(4);
    expect(state.currentCrosslinks.length).toBe(2);
    expect(state.forkDigest).toEqual(genesisHash(genesis).subarray(0, 4));
    expect(state.validators.getReadonly(3).activationEpoch).toBe(0);
  });
});
