/**
 * Validator signing keys from a BIP-39 mnemonic: EIP-2333 tree derivation (@chainsafe/bls-keygen) at the
 * EIP-2334 signing path `m/12381/3600/i/0/0`.
 */
import { deriveKeyFromMaster, deriveKeyFromMnemonic } from "@chainsafe/bls-keygen";
import { generateMnemonic as bip39Generate, validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english";
import { getBls } from "@shardnet/crypto";
import { UserError } from "./userError.js";

/** EIP-2334 indices are uint32. */
export const MAX_KEY_INDEX = 2 ** 32 - 1;

export interface DerivedKey {
  index: number;
  /** EIP-2334 signing key path, `m/12381/3600/<index>/0/0`. */
  path: string;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export const signingKeyPath = (index: number): string => `m/12381/3600/${index}/0/0`;

/** The keystore file name for key `index`, as the Ethereum deposit tools name them. */
export const keystoreFileName = (index: number): string => `keystore-m_12381_3600_${index}_0_0.json`;

/** A fresh 24-word English mnemonic (256 bits of entropy). */
export function generateMnemonic(): string {
  return bip39Generate(wordlist, 256);
}

/** The mnemonic in `text` with single spaces between lower-case words; throws UserError if not valid BIP-39. */
export function normalizeMnemonic(text: string, source: string): string {
  const mnemonic = text.normalize("NFKD").trim().toLowerCase().split(/\s+/).join(" ");
  if (!validateMnemonic(mnemonic, wordlist)) {
    const words = mnemonic === "" ? 0 : mnemonic.split(" ").length;
    const unknown = mnemonic.split(" ").filter((w) => w !== "" && !wordlist.includes(w));
    const why =
      unknown.length > 0
        ? `${unknown.length} word(s) are not in the BIP-39 English list`
        : `${words} words with a checksum that does not match (a word is wrong or missing)`;
    throw new UserError("INVALID_MNEMONIC", `${source} is not a valid BIP-39 English mnemonic: ${why}`);
  }
  return mnemonic;
}

/** Signing keys `start .. start + count - 1` of `mnemonic` (no BIP-39 passphrase). */
export function deriveSigningKeys(mnemonic: string, start: number, count: number): DerivedKey[] {
  const master = deriveKeyFromMnemonic(mnemonic);
  const bls = getBls();
  return Array.from({ length: count }, (_, i) => {
    const index = start + i;
    const path = signingKeyPath(index);
    const secretKey = deriveKeyFromMaster(master, path);
    return { index, path, secretKey, publicKey: bls.secretKeyFromBytes(secretKey).toPublicKey().toBytes() };
  });
}
