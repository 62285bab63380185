/** `keys new`: derives signing keys from a mnemonic (generated, or read) and writes EIP-2335 keystores. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { bytesToHex, encryptKeystore, type KeystoreOptions } from "@shardnet/crypto";
import { readPasswordFile, readTextFile } from "./files.js";
import { deriveSigningKeys, generateMnemonic, keystoreFileName, normalizeMnemonic } from "./keyDerivation.js";
import { UserError } from "./userError.js";

export const MNEMONIC_FILE_NAME = "mnemonic.txt";

export interface KeysNewOptions {
  count: number;
  start: number;
  outDir: string;
  passwordFile: string;
  /** Read the mnemonic from this file; without it a new one is generated and written to the out dir. */
  mnemonicFile?: string | undefined;
  /** Keystore KDF (tests use a cheap one; the default is EIP-2335's scrypt). */
  kdf?: KeystoreOptions["kdf"];
}

export interface WrittenKeystore {
  index: number;
  path: string;
  pubkey: string;
  file: string;
}

export interface KeysNewResult {
  /** The mnemonic file: written by this run when `mnemonicGenerated`, else the one read. */
  mnemonicFile: string;
  mnemonicGenerated: boolean;
  keystores: WrittenKeystore[];
}

export async function keysNew(options: KeysNewOptions): Promise<KeysNewResult> {
  const password = readPasswordFile(options.passwordFile);
  const outDir = resolve(options.outDir);
  const generated = options.mnemonicFile === undefined;
  const mnemonicFile = generated ? join(outDir, MNEMONIC_FILE_NAME) : resolve(options.mnemonicFile!);
  const mnemonic = generated
    ? generateMnemonic()
    : normalizeMnemonic(readTextFile(mnemonicFile, "--mnemonic-file"), `--mnemonic-file ${mnemonicFile}`);

  const files = Array.from({ length: options.count }, (_, i) =>
    join(outDir, keystoreFileName(options.start + i)),
  );
  const taken = [...files, ...(generated ? [mnemonicFile] : [])].filter((f) => existsSync(f));
  if (taken.length > 0) {
    throw new UserError(
      "FILE_EXISTS",
      `${taken.join(", ")} already exist${taken.length === 1 ? "s" : ""}: nothing was written. Choose another --out, or --start-index past the keys you have${generated ? " (pass an existing mnemonic with --mnemonic-file)" : ""}.`,
    );
  }
  try {
    mkdirSync(outDir, { recursive: true, mode: 0o700 });
    if (generated) writeFileSync(mnemonicFile, `${mnemonic}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    throw new UserError("UNWRITABLE_FILE", `cannot write to ${outDir}: ${(err as Error).message}`);
  }

  const keystores: WrittenKeystore[] = [];
  for (const [i, key] of deriveSigningKeys(mnemonic, options.start, options.count).entries()) {
    const keystore = await encryptKeystore(key.secretKey, password, {
      path: key.path,
      description: `shardnet validator signing key ${key.path}`,
      ...(options.kdf ? { kdf: options.kdf } : {}),
    });
    const file = files[i]!;
    try {
      writeFileSync(file, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    } catch (err) {
      throw new UserError("UNWRITABLE_FILE", `cannot write ${file}: ${(err as Error).message}`);
    }
    keystores.push({ index: key.index, path: key.path, pubkey: `0x${bytesToHex(key.publicKey)}`, file });
  }
  return { mnemonicFile, mnemonicGenerated: generated, keystores };
}
