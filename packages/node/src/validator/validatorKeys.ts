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

/** Keystore keys: those of genesis validators by index, and keys the registry does not hold yet (deposits). */
export interface KeystoreKeys {
  registered: ValidatorKeys;
  unregistered: BlsSecretKey[];
}

/**
 * EIP-2335 keystores (*.json in `dir`) decrypted with the password in `passwordFile`. Keys of genesis validators
 * are matched to their indices; the others wait for a deposit to register them (PendingValidatorKeys).
 */
export async function loadKeystores(
  bls: BlsBackend,
  genesis: Genesis,
  dir: string,
  passwordFile: string,
): Promise<KeystoreKeys> {
  if (!passwordFile) throw new Error("--keystores needs --password-file");
  const password = readFileSync(passwordFile, "utf8").trim();
  const indexByPubkey = new Map(genesis.validators.map((v, i) => [bytesToHex(v.pubkey), i]));
  const registered: ValidatorKeys = new Map();
  const unregistered: BlsSecretKey[] = [];
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
    const index = indexByPubkey.get(bytesToHex(sk.toPublicKey().toBytes()));
    if (index === undefined) unregistered.push(sk);
    else registered.set(index, sk);
  }
  return { registered, unregistered };
}

/**
 * Keys hosted before the beacon chain registers them (a deposit on its way): on each head, those the head's
 * registry now holds move into the node's ValidatorKeys under their index, and the validator service signs with
 * them from then on (duties start at their activation epoch).
 */
export class PendingValidatorKeys {
  private readonly pending = new Map<string, BlsSecretKey>();

  constructor(keys: readonly BlsSecretKey[]) {
    for (const sk of keys) this.pending.set(bytesToHex(sk.toPublicKey().toBytes()), sk);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Moves the keys `indexOf` finds into `keys`; returns the indices added. */
  resolve(indexOf: (pubkeyHex: string) => number | undefined, keys: ValidatorKeys): number[] {
    const added: number[] = [];
    for (const [pubkey, sk] of this.pending) {
      const index = indexOf(pubkey);
      if (index === undefined) continue;
      keys.set(index, sk);
      this.pending.delete(pubkey);
      added.push(index);
    }
    return added;
  }
}
