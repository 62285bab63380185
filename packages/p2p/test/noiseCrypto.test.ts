import { randomBytes } from "node:crypto";
import { defaultCrypto } from "@chainsafe/libp2p-noise/crypto";
import { describe, expect, it } from "vitest";
import { NODE_CIPHER_MIN_BYTES, noiseCrypto } from "../src/noiseCrypto.js";

const nonce = (n: number) => {
  const bytes = new Uint8Array(12);
  new DataView(bytes.buffer).setBigUint64(4, BigInt(n), true);
  return bytes;
};
/** A chunk list as noise hands one over (only what the crypto reads of it). */
const listOf = (bytes: Uint8Array) => ({ byteLength: bytes.byteLength, subarray: () => bytes });

describe("noise crypto with imported ChaCha20-Poly1305 keys", () => {
  const sizes = [0, 1, 200, NODE_CIPHER_MIN_BYTES - 1, NODE_CIPHER_MIN_BYTES, 4096, 65_519];

  it("seals exactly as the library's default, and each opens what the other sealed", () => {
    const k = new Uint8Array(randomBytes(32));
    const ad = new Uint8Array(randomBytes(7));
    // Copied at once: the AssemblyScript implementation (small frames) returns views of its own memory.
    const copy = (bytes: { subarray(): Uint8Array }) => Buffer.from(bytes.subarray());
    for (const [i, size] of sizes.entries()) {
      const plaintext = Buffer.from(randomBytes(size));
      const ours = copy(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce(i), ad, k));
      const theirs = copy(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce(i), ad, k));
      expect(ours.equals(theirs), `size ${size}`).toBe(true);
      const fromList = copy(noiseCrypto.chaCha20Poly1305Encrypt(listOf(plaintext) as never, nonce(i), ad, k));
      expect(fromList.equals(ours), `size ${size}, chunk list`).toBe(true);
      const opened = [
        copy(defaultCrypto.chaCha20Poly1305Decrypt(ours, nonce(i), ad, k)),
        copy(noiseCrypto.chaCha20Poly1305Decrypt(theirs, nonce(i), ad, k)),
        copy(noiseCrypto.chaCha20Poly1305Decrypt(listOf(theirs) as never, nonce(i), ad, k)),
      ];
      for (const o of opened) expect(o.equals(plaintext), `size ${size}, opened`).toBe(true);
    }
  });

  it("refuses a tampered frame, a wrong nonce and a wrong key", () => {
    const k = new Uint8Array(randomBytes(32));
    const ad = new Uint8Array(0);
    const sealed = Buffer.from(
      noiseCrypto.chaCha20Poly1305Encrypt(new Uint8Array(randomBytes(4096)), nonce(1), ad, k).subarray(),
    );
    const tampered = Buffer.from(sealed);
    tampered[100] = tampered[100]! ^ 1;
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(tampered, nonce(1), ad, k)).toThrow();
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce(2), ad, k)).toThrow();
    expect(() =>
      noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce(1), ad, new Uint8Array(randomBytes(32))),
    ).toThrow();
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(new Uint8Array(8), nonce(1), ad, k)).toThrow();
  });

  it("follows a key array whose bytes change: the imported key is never stale", () => {
    const k = new Uint8Array(randomBytes(32));
    const plaintext = new Uint8Array(randomBytes(2048));
    const first = noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce(0), new Uint8Array(0), k).subarray();
    k.set(randomBytes(32));
    const second = noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce(0), new Uint8Array(0), k).subarray();
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(false);
    const expected = defaultCrypto
      .chaCha20Poly1305Encrypt(plaintext, nonce(0), new Uint8Array(0), k)
      .subarray();
    expect(Buffer.from(second).equals(Buffer.from(expected))).toBe(true);
  });
});
