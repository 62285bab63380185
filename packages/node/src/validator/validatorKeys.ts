import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Genesis } from "@shardnet/consensus";
import {
  type BlsBackend,
  type BlsSecretKey,
  bytesToHex,
  decryptKeystore,
  interopSecretKey,
} from "@shardnet/crypto";

/** Validator index → secret key, for the validators this node hosts. */
export type ValidatorKeys = Map<number, BlsSecretKey>;

/** Interop (dev) keys for `indices`; each must be a genesis validator with the matching public key. */
export function loadInteropKeys(bls: BlsBackend, genesis: Genesis, indices: number[]): ValidatorKeys {
  const keys: ValidatorKeys = new Map();
  for (const index of indices) {
    const validator = genesis.validators[index];
    if (!validator) {
      throw new Error(
        `--validators names validator ${index}, but the genesis has ${genesis.validators.length} validators (0..${genesis.validators.length - 1})`,
      );
    }
    const sk = bls.secretKeyFromBytes(interopSecretKey(index));
    if (bytesToHex(sk.toPublicKey().toBytes()) !== bytesToHex(validator.pubkey)) {
      throw new Error(
        `validator ${index} of this genesis is not the interop key ${index}: use keystores for this network`,
      );
    }
    keys.set(index, sk);
  }
  return keys;
}

/** EIP-2335 keystores (*.json in `dir`) decrypted with the password in `passwordFile`, matched to genesis indices. */
export async function loadKeystores(
  bls: BlsBackend,
  genesis: Genesis,
  dir: string,
  passwordFile: string,
): Promise<ValidatorKeys> {
  if (!passwordFile) throw new Error("--keystores needs --password-file");
  const password = readFileSync(passwordFile, "utf8").trim();
  const indexByPubkey = new Map(genesis.validators.map((v, i) => [bytesToHex(v.pubkey), i]));
  const keys: ValidatorKeys = new Map();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const path = join(dir, file);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw new Error(`keystore ${path} is not JSON: ${(err as Error).message}`);
    }
    const sk = bls.secretKeyFromBytes(await decryptKeystore(json, password));
    const pubkey = bytesToHex(sk.toPublicKey().toBytes());
    const index = indexByPubkey.get(pubkey);
    if (index === undefined)
      throw new Error(`keystore ${path} holds a key (0x${pubkey}) that is not a validator of this genesis`);
    keys.set(index, sk);
  }
  return keys;
}
