import { type BlsSecretKey, bytesToHex, decryptKeystore, getBls, KeystoreError } from "@shardnet/crypto";
import { readJsonFile, readPasswordFile } from "./files.js";
import { UserError } from "./userError.js";

/** A validator's BLS key and its pubkey (0x-hex), from an EIP-2335 keystore. */
export interface ValidatorKey {
  secretKey: BlsSecretKey;
  pubkey: string;
}

/**
 * Decrypts the EIP-2335 keystore at `keystoreFile` with the password in `passwordFile`. A wrong password, a
 * file that is not a keystore or a pubkey that does not match is a UserError naming the keystore file.
 */
export async function readValidatorKey(keystoreFile: string, passwordFile: string): Promise<ValidatorKey> {
  const password = readPasswordFile(passwordFile);
  let secret: Uint8Array;
  try {
    secret = await decryptKeystore(readJsonFile(keystoreFile, "--keystore"), password);
  } catch (err) {
    if (err instanceof KeystoreError) throw new UserError(err.code, `${keystoreFile}: ${err.message}`);
    throw err;
  }
  const secretKey = getBls().secretKeyFromBytes(secret);
  return { secretKey, pubkey: `0x${bytesToHex(secretKey.toPublicKey().toBytes())}` };
}
