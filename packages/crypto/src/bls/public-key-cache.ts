import type { BlsBackend, BlsPublicKey } from "./interface.js";

/**
 * Validator index → decoded BLS public key. Decoding (point validation) happens once, in `set`; lookups
 * are array reads. Build it at genesis and extend it as validators are added.
 */
export class PublicKeyCache {
  readonly #keys: BlsPublicKey[] = [];

  constructor(readonly bls: BlsBackend) {}

  /** Decodes every key in order: key i gets index i. Throws BlsError naming the first bad index. */
  static fromBytes(bls: BlsBackend, publicKeys: readonly Uint8Array[]): PublicKeyCache {
    const cache = new PublicKeyCache(bls);
    publicKeys.forEach((bytes, index) => {
      cache.set(index, bytes);
    });
    return cache;
  }

  get size(): number {
    return this.#keys.length;
  }

  has(index: number): boolean {
    return this.#keys[index] !== undefined;
  }

  /** Decodes and stores the key of validator `index`. Throws BlsError if the bytes are not a valid key. */
  set(index: number, publicKey: Uint8Array): BlsPublicKey {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new RangeError(`validator index must be >= 0, got ${index}`);
    let decoded: BlsPublicKey;
    try {
      decoded = this.bls.publicKeyFromBytes(publicKey);
    } catch (error) {
      if (error instanceof Error) error.message = `validator ${index}: ${error.message}`;
      throw error;
    }
    this.#keys[index] = decoded;
    return decoded;
  }

  /** The decoded key of validator `index`; throws RangeError if it was never set. */
  get(index: number): BlsPublicKey {
    const key = this.#keys[index];
    if (key === undefined)
      throw new RangeError(`no BLS public key cached for validator ${index}: set it first`);
    return key;
  }

  /** Keys of `indices`, in order (e.g. a committee's signers). */
  getMany(indices: readonly number[]): BlsPublicKey[] {
    return indices.map((index) => this.get(index));
  }
}
