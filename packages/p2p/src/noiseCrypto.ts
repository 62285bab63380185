/**
 * Noise's crypto with each session's ChaCha20-Poly1305 key imported once. The library's default passes the raw
 * 32-byte key to createCipheriv for every frame, which builds a secret KeyObject each time: measured at about
 * 15 µs of a 1.2–16 KB frame's 25–45 µs (npm run bench -w packages/p2p -- noise). Same bytes on the wire.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from "node:crypto";
import type { ICryptoInterface } from "@chainsafe/libp2p-noise";
import { asCrypto, defaultCrypto } from "@chainsafe/libp2p-noise/crypto";

/** What noise hands over: one array, or a list of chunks (a Uint8ArrayList of noise's own version). */
type Bytes = Uint8Array | { byteLength: number; subarray(): Uint8Array };

const CHACHA20_POLY1305 = "chacha20-poly1305";
const TAG_LENGTH = 16;
/**
 * Frames below this size go to the library's AssemblyScript ChaCha20-Poly1305, faster than node:crypto's
 * fixed per-call cost there; node:crypto (with the imported key) is faster above (bench: noise).
 */
export const NODE_CIPHER_MIN_BYTES = 1200;

/**
 * The KeyObject of each cipher key noise holds: keyed by the key array itself (one per session and direction,
 * never rewritten), so it leaves with its session; the bytes are compared on every use all the same.
 */
const importedKeys = new WeakMap<Uint8Array, { bytes: Buffer; key: KeyObject }>();

function keyObject(k: Uint8Array): KeyObject {
  const hit = importedKeys.get(k);
  if (hit?.bytes.equals(k)) return hit.key;
  const bytes = Buffer.from(k);
  const key = createSecretKey(bytes);
  importedKeys.set(k, { bytes, key });
  return key;
}

function encrypt(plaintext: Bytes, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): Uint8Array {
  // A chunk list is joined first: nothing of another uint8arraylist version goes back to noise.
  const data = plaintext instanceof Uint8Array ? plaintext : plaintext.subarray();
  const cipher = createCipheriv(CHACHA20_POLY1305, keyObject(k), nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(ad, { plaintextLength: data.byteLength });
  const updated = cipher.update(data);
  const final = cipher.final();
  const tag = cipher.getAuthTag();
  return Buffer.concat([updated, final, tag], updated.byteLength + final.byteLength + tag.byteLength);
}

/** Throws when the tag does not authenticate, as the library's does. */
function decrypt(ciphertext: Bytes, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): Uint8Array {
  const data = ciphertext instanceof Uint8Array ? ciphertext : ciphertext.subarray();
  const body = data.byteLength - TAG_LENGTH;
  if (body < 0) throw new Error("Invalid chacha20poly1305 decryption: shorter than its tag");
  const decipher = createDecipheriv(CHACHA20_POLY1305, keyObject(k), nonce, { authTagLength: TAG_LENGTH });
  decipher.setAAD(ad, { plaintextLength: body });
  decipher.setAuthTag(data.subarray(body));
  const output = decipher.update(data.subarray(0, body));
  const final = decipher.final();
  return final.byteLength > 0 ? Buffer.concat([output, final], output.byteLength + final.byteLength) : output;
}

/** The library's default crypto (X25519, SHA-256, HKDF, small frames) with node:crypto frames on imported keys. */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt(plaintext, nonce, ad, k) {
    return plaintext.byteLength < NODE_CIPHER_MIN_BYTES
      ? asCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
      : encrypt(plaintext, nonce, ad, k);
  },
  chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst) {
    return ciphertext.byteLength < NODE_CIPHER_MIN_BYTES
      ? asCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
      : decrypt(ciphertext, nonce, ad, k);
  },
};
