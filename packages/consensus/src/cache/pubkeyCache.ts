import { type BlsBackend, type BlsPublicKey, getBls } from "@shardnet/crypto";
import type { BeaconStateView } from "../types/index.js";
import { toHex } from "../util/bytes.js";

/**
 * Validator index → decoded BLS public key (decoding dominates aggregation cost), and pubkey → index.
 * Append-only and shared by every state copy: the registry only grows.
 */
export class PubkeyCache {
  readonly pubkeys: BlsPublicKey[] = [];
  private readonly indexByPubkey = new Map<string, number>();

  constructor(readonly bls: BlsBackend = getBls()) {}

  get size(): number {
    return this.pubkeys.length;
  }

  /** Decodes the public keys of validators added to `state` since the last call. */
  syncWith(state: BeaconStateView): void {
    const count = state.validators.length;
    for (let i = this.pubkeys.length; i < count; i++) {
      const bytes = state.validators.getReadonly(i).pubkey;
      this.add(i, bytes);
    }
  }

  add(index: number, bytes: Uint8Array): void {
    if (index !== this.pubkeys.length)
      throw new Error(`pubkey cache: expected index ${this.pubkeys.length}, got ${index}`);
    this.pubkeys.push(this.bls.publicKeyFromBytes(bytes));
    this.indexByPubkey.set(toHex(bytes), index);
  }

  get(index: number): BlsPublicKey {
    const key = this.pubkeys[index];
    if (!key)
      throw new Error(
        `validator ${index} is not in the registry (pubkey cache holds ${this.pubkeys.length})`,
      );
    return key;
  }

  indexOf(pubkey: Uint8Array): number | undefined {
    return this.indexByPubkey.get(toHex(pubkey));
  }
}
