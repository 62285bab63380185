import { type BlsBackend, type BlsPublicKey, getBls } from "@shardnet/crypto";
import type { BeaconStateView } from "../types/index.js";
import { bytesEqual, toHex } from "../util/bytes.js";

/** Validator index ↔ decoded BLS public key, as seen by one state's registry. */
export interface PubkeyLookup {
  readonly bls: BlsBackend;
  /** Decoded key of validator `index`; throws if the index is unknown. */
  get(index: number): BlsPublicKey;
  indexOf(pubkey: Uint8Array): number | undefined;
}

/**
 * Validator index → decoded BLS public key (decoding dominates aggregation cost), and pubkey → index.
 * Append-only and shared by every state copy. Two forks that added different validators at one index get
 * a per-state overlay from `forRegistry`, so a key is never taken from the wrong fork.
 */
export class PubkeyCache implements PubkeyLookup {
  readonly pubkeys: BlsPublicKey[] = [];
  private readonly bytes: Uint8Array[] = [];
  private readonly indexByPubkey = new Map<string, number>();

  constructor(readonly bls: BlsBackend = getBls()) {}

  get size(): number {
    return this.pubkeys.length;
  }

  /** Decodes the public keys of validators added to `state` since the last call. */
  syncWith(state: BeaconStateView): void {
    const count = state.validators.length;
    for (let i = this.pubkeys.length; i < count; i++) this.add(i, state.validators.getReadonly(i).pubkey);
  }

  add(index: number, bytes: Uint8Array): void {
    if (index !== this.pubkeys.length)
      throw new Error(`pubkey cache: expected index ${this.pubkeys.length}, got ${index}`);
    this.pubkeys.push(this.bls.publicKeyFromBytes(bytes));
    this.bytes.push(bytes.slice());
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

  /**
   * The lookup for a registry (`pubkey` per index): appends what is new, and if the registry disagrees with
   * the cache at some index (another fork put a different validator there) returns an overlay for it.
   */
  forRegistry(registry: readonly { pubkey: Uint8Array }[]): PubkeyLookup {
    for (let i = this.pubkeys.length; i < registry.length; i++)
      this.add(i, (registry[i] as { pubkey: Uint8Array }).pubkey);
    let overrides: Map<number, BlsPublicKey> | undefined;
    for (let i = 0; i < registry.length; i++) {
      const pubkey = (registry[i] as { pubkey: Uint8Array }).pubkey;
      if (!bytesEqual(this.bytes[i] as Uint8Array, pubkey)) {
        overrides ??= new Map();
        overrides.set(i, this.bls.publicKeyFromBytes(pubkey));
      }
    }
    return overrides ? new PubkeyOverlay(this, overrides, registry) : this;
  }
}

/** A state's view where some indices hold keys other than the shared cache's. */
class PubkeyOverlay implements PubkeyLookup {
  private readonly indexByPubkey = new Map<string, number>();

  constructor(
    private readonly base: PubkeyCache,
    private readonly overrides: Map<number, BlsPublicKey>,
    registry: readonly { pubkey: Uint8Array }[],
  ) {
    for (const index of overrides.keys())
      this.indexByPubkey.set(toHex((registry[index] as { pubkey: Uint8Array }).pubkey), index);
  }

  get bls(): BlsBackend {
    return this.base.bls;
  }

  get(index: number): BlsPublicKey {
    return this.overrides.get(index) ?? this.base.get(index);
  }

  indexOf(pubkey: Uint8Array): number | undefined {
    const own = this.indexByPubkey.get(toHex(pubkey));
    if (own !== undefined) return own;
    const index = this.base.indexOf(pubkey);
    return index === undefined || this.overrides.has(index) ? undefined : index;
  }
}
