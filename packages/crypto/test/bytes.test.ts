import { describe, expect, it } from "vitest";
import {
  bigIntToBytesBE,
  bytesToBigIntBE,
  bytesToHex,
  concatBytes,
  hexToBytes,
  sha256,
} from "../src/index.js";

describe("byte helpers and sha256", () => {
  it("converts hex with and without 0x and rejects malformed hex", () => {
    expect(hexToBytes("0x00ff10")).toEqual(Uint8Array.from([0, 255, 16]));
    expect(hexToBytes("00FF10")).toEqual(Uint8Array.from([0, 255, 16]));
    expect(bytesToHex(Uint8Array.from([0, 255, 16]))).toBe("00ff10");
    expect(() => hexToBytes("0x123")).toThrow(/even-length hex/);
    expect(() => hexToBytes("zz")).toThrow(/even-length hex/);
  });

  it("round-trips big-endian integers and refuses values that do not fit", () => {
    expect(bigIntToBytesBE(258n, 4)).toEqual(Uint8Array.from([0, 0, 1, 2]));
    expect(bytesToBigIntBE(Uint8Array.from([0, 0, 1, 2]))).toBe(258n);
    expect(() => bigIntToBytesBE(1n << 32n, 4)).toThrow(RangeError);
    expect(concatBytes(Uint8Array.of(1), Uint8Array.of(), Uint8Array.of(2, 3))).toEqual(
      Uint8Array.of(1, 2, 3),
    );
  });

  it("hashes the concatenation of its chunks (FIPS 180-2 'abc')", () => {
    const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    expect(bytesToHex(sha256(new TextEncoder().encode("abc")))).toBe(abc);
    expect(bytesToHex(sha256(new TextEncoder().encode("a"), new TextEncoder().encode("bc")))).toBe(abc);
  });
});
