import { describe, expect, it } from "vitest";
import {
  bytesToHex,
  decryptKeystore,
  encryptKeystore,
  getBls,
  interopSecretKey,
  KeystoreError,
} from "../src/index.js";

// Low-cost KDFs keep the test fast; production keystores use the scrypt default.
const cheapScrypt = { function: "scrypt", n: 16 } as const;
const cheapPbkdf2 = { function: "pbkdf2", c: 16 } as const;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("EIP-2335 keystores", () => {
  it("round-trips a secret key through scrypt and pbkdf2 keystores", async () => {
    const secretKey = interopSecretKey(5);
    const publicKey = bytesToHex(getBls().secretKeyFromBytes(secretKey).toPublicKey().toBytes());
    for (const kdf of [cheapScrypt, cheapPbkdf2]) {
      const keystore = await encryptKeystore(secretKey, "correct horse", { kdf, path: "m/12381/3600/5/0/0" });
      expect(keystore.version).toBe(4);
      expect(keystore.pubkey).toBe(publicKey);
      expect(keystore.crypto.kdf.function).toBe(kdf.function);
      expect(JSON.stringify(keystore)).not.toContain(bytesToHex(secretKey));
      const decrypted = await decryptKeystore(JSON.parse(JSON.stringify(keystore)), "correct horse");
      expect(bytesToHex(decrypted)).toBe(bytesToHex(secretKey));
    }
  });

  it("rejects a wrong password, a malformed keystore and a pubkey that does not match", async () => {
    const keystore = await encryptKeystore(interopSecretKey(6), "pw", { kdf: cheapPbkdf2 });

    const wrongPassword = await rejection(decryptKeystore(keystore, "not pw"));
    expect(wrongPassword).toBeInstanceOf(KeystoreError);
    expect((wrongPassword as KeystoreError).code).toBe("WRONG_PASSWORD");

    const malformed = await rejection(decryptKeystore({ version: 4, crypto: {} }, "pw"));
    expect((malformed as KeystoreError).code).toBe("INVALID_KEYSTORE");

    const otherPubkey = bytesToHex(getBls().secretKeyFromBytes(interopSecretKey(7)).toPublicKey().toBytes());
    const mismatched = await rejection(decryptKeystore({ ...keystore, pubkey: otherPubkey }, "pw"));
    expect((mismatched as KeystoreError).code).toBe("PUBKEY_MISMATCH");
  });
});
