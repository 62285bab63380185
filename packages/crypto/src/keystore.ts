/** EIP-2335 BLS keystores (encrypted validator secret keys) via @chainsafe/bls-keystore. */
import { randomBytes } from "node:crypto";
import keystoreLib, { type IKeystore } from "@chainsafe/bls-keystore";
import { getBls } from "./bls/backends.js";
import { bytesToHex } from "./bytes.js";

export type Eip2335Keystore = IKeystore;

export type KeystoreErrorCode = "INVALID_KEYSTORE" | "WRONG_PASSWORD" | "PUBKEY_MISMATCH";

export class KeystoreError extends Error {
  constructor(
    readonly code: KeystoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "KeystoreError";
  }
}

export interface KeystoreOptions {
  /** EIP-2334 derivation path stored in the keystore ("" for keys not derived from a mnemonic). */
  path?: string;
  description?: string;
  /** KDF and its cost; defaults to scrypt n = 2^18 (the EIP-2335 default, ~1 s). Low costs are for tests. */
  kdf?: { function: "scrypt"; n: number } | { function: "pbkdf2"; c: number };
}

function kdfModule(kdf: NonNullable<KeystoreOptions["kdf"]> | undefined) {
  const salt = bytesToHex(randomBytes(32));
  if (kdf?.function === "pbkdf2") {
    return {
      function: "pbkdf2" as const,
      params: { dklen: 32, c: kdf.c, prf: "hmac-sha256" as const, salt },
    };
  }
  return { function: "scrypt" as const, params: { dklen: 32, n: kdf?.n ?? 262_144, r: 8, p: 1, salt } };
}

/** Encrypts a 32-byte BLS secret key under `password`; the keystore records the matching public key. */
export async function encryptKeystore(
  secretKey: Uint8Array,
  password: string,
  options: KeystoreOptions = {},
): Promise<Eip2335Keystore> {
  const publicKey = getBls().secretKeyFromBytes(secretKey).toPublicKey().toBytes();
  return keystoreLib.create(
    password,
    secretKey,
    publicKey,
    options.path ?? "",
    options.description ?? null,
    kdfModule(options.kdf),
  );
}

/**
 * Decrypts a keystore (parsed JSON) to its 32-byte secret key. Throws KeystoreError: INVALID_KEYSTORE
 * (not EIP-2335), WRONG_PASSWORD, PUBKEY_MISMATCH (the secret does not belong to the recorded pubkey).
 */
export async function decryptKeystore(keystore: unknown, password: string): Promise<Uint8Array> {
  if (!keystoreLib.isValidKeystore(keystore)) {
    const errors = keystoreLib.schemaValidationErrors(keystore) ?? [];
    const detail = errors.map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
    throw new KeystoreError("INVALID_KEYSTORE", `not an EIP-2335 keystore: ${detail}`);
  }
  let secretKey: Uint8Array;
  try {
    secretKey = await keystoreLib.decrypt(keystore, password);
  } catch (error) {
    // The library's only checksum failure; decrypting once avoids running the (slow) KDF twice.
    if (error instanceof Error && error.message === "Invalid password") {
      throw new KeystoreError("WRONG_PASSWORD", `wrong password for keystore ${keystore.uuid}`);
    }
    throw error;
  }
  const publicKey = bytesToHex(getBls().secretKeyFromBytes(secretKey).toPublicKey().toBytes());
  if (keystore.pubkey !== "" && keystore.pubkey.replace(/^0x/, "").toLowerCase() !== publicKey) {
    throw new KeystoreError(
      "PUBKEY_MISMATCH",
      `keystore ${keystore.uuid} decrypts to a key whose pubkey is not ${keystore.pubkey}`,
    );
  }
  return secretKey;
}
