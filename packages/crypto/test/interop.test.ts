import { describe, expect, it } from "vitest";
import { blsBackendNames, bytesToHex, getBls, interopSecretKey } from "../src/index.js";
import { loadInteropKeys } from "./vectors-path.js";

describe("interopSecretKey", () => {
  const keys = loadInteropKeys();

  it("reads the 10 shared interop keys", () => {
    expect(keys.map((k) => k.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("derives the shared secret keys 0-9", () => {
    for (const key of keys) expect(`0x${bytesToHex(interopSecretKey(key.index))}`).toBe(key.privkey);
  });

  for (const name of blsBackendNames()) {
    it(`derives the shared public keys 0-9 on ${name}`, () => {
      const bls = getBls(name);
      for (const key of keys) {
        const publicKey = bls.secretKeyFromBytes(interopSecretKey(key.index)).toPublicKey();
        expect(`0x${bytesToHex(publicKey.toBytes())}`).toBe(key.pubkey);
      }
    });
  }

  it("rejects negative and fractional indices", () => {
    expect(() => interopSecretKey(-1)).toThrow(RangeError);
    expect(() => interopSecretKey(1.5)).toThrow(RangeError);
  });
});
