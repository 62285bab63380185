/**
 * Ed25519 transaction signatures on node:crypto. Keys are raw 32-byte seeds / public keys; verification
 * caches the imported public KeyObject (importing costs about as much as verifying).
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { bytesToHex, concatBytes } from "./bytes.js";
import { sha256 } from "./hash.js";

export const ED25519_SEED_LENGTH = 32;
export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
export const ADDRESS_LENGTH = 20;

export interface Ed25519KeyPair {
  /** 32-byte private seed. */
  secretKey: Uint8Array;
  /** 32-byte public key. */
  publicKey: Uint8Array;
}

// DER prefixes of PKCS#8 (private) and SPKI (public) Ed25519 keys; the raw 32 bytes follow.
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

function assertBytes(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new RangeError(
      `${what} must be ${length} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
    );
  }
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  assertBytes(seed, ED25519_SEED_LENGTH, "Ed25519 secret key (seed)");
  return createPrivateKey({
    key: Buffer.from(concatBytes(PKCS8_PREFIX, seed)),
    format: "der",
    type: "pkcs8",
  });
}

function importPublicKey(publicKey: Uint8Array): KeyObject {
  return createPublicKey({
    key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)),
    format: "der",
    type: "spki",
  });
}

/** The key pair whose private seed is `seed`. */
export function ed25519KeyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
  const privateKey = privateKeyObject(seed);
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return { secretKey: Uint8Array.from(seed), publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)) };
}

/** A fresh random key pair. */
export function generateEd25519KeyPair(): Ed25519KeyPair {
  return ed25519KeyPairFromSeed(new Uint8Array(globalThis.crypto.getRandomValues(new Uint8Array(32))));
}

/** 64-byte Ed25519 signature of `message` with the 32-byte seed `secretKey`. */
export function ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyObject(secretKey)));
}

const PUBLIC_KEY_CACHE_LIMIT = 65_536;
const publicKeyCache = new Map<string, KeyObject | null>();

/** Imported KeyObject for `publicKey`, or null if it is not a valid Ed25519 point. Bounded LRU-ish cache. */
function cachedPublicKey(publicKey: Uint8Array): KeyObject | null {
  const id = bytesToHex(publicKey);
  const hit = publicKeyCache.get(id);
  if (hit !== undefined) return hit;
  let imported: KeyObject | null;
  try {
    imported = importPublicKey(publicKey);
  } catch {
    imported = null;
  }
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_LIMIT) {
    const oldest = publicKeyCache.keys().next().value;
    if (oldest !== undefined) publicKeyCache.delete(oldest);
  }
  publicKeyCache.set(id, imported);
  return imported;
}

/** True iff `signature` is a valid Ed25519 signature of `message` by `publicKey`. Never throws on bad input. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  const key = cachedPublicKey(publicKey);
  if (key === null) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** Account address: sha256(pubkey)[0:20]. */
export function addressFromPubkey(publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, ED25519_PUBLIC_KEY_LENGTH, "Ed25519 public key");
  return sha256(publicKey).slice(0, ADDRESS_LENGTH);
}

const DEV_ACCOUNT_TAG = new TextEncoder().encode("shardnet-dev-account");

/** Deterministic dev account `n`: seed = sha256("shardnet-dev-account" ‖ uint64_le(n)). */
export function devAccountKey(n: number | bigint): Ed25519KeyPair {
  const index = BigInt(n);
  if (index < 0n || index >= 1n << 64n)
    throw new RangeError(`dev account index must fit in uint64, got ${n}`);
  const indexLe = new Uint8Array(8);
  new DataView(indexLe.buffer).setBigUint64(0, index, true);
  return ed25519KeyPairFromSeed(sha256(DEV_ACCOUNT_TAG, indexLe));
}
