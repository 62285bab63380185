/**
 * One BLS12-381 interface, two backends (blst native, noble pure-JS). Ethereum ciphersuite
 * BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_: public keys in G1 (48 bytes compressed), signatures in
 * G2 (96 bytes compressed). Both backends give byte-identical outputs.
 *
 * Keys and signatures are opaque backend objects: decode once (fromBytes validates the point), keep the
 * object, and reuse it — decoding dominates aggregation cost.
 */

export const BLS_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
export const SECRET_KEY_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 48;
export const SIGNATURE_LENGTH = 96;

export type BlsBackendName = "blst" | "noble";

export interface BlsSecretKey {
  toBytes(): Uint8Array;
  toPublicKey(): BlsPublicKey;
  sign(message: Uint8Array): BlsSignature;
}

export interface BlsPublicKey {
  /** 48-byte compressed encoding. */
  toBytes(): Uint8Array;
}

export interface BlsSignature {
  /** 96-byte compressed encoding. */
  toBytes(): Uint8Array;
}

/** One independent (public key, message, signature) triple for batch verification. */
export interface SignatureSet {
  publicKey: BlsPublicKey;
  message: Uint8Array;
  signature: BlsSignature;
}

export interface BlsBackend {
  readonly name: BlsBackendName;
  /** Throws BlsError("ZERO_SECRET_KEY" | "INVALID_LENGTH" | "SECRET_KEY_OUT_OF_RANGE"). */
  secretKeyFromBytes(bytes: Uint8Array): BlsSecretKey;
  /** Validates: length, on curve, in subgroup, not infinity (a public key may never be infinity). */
  publicKeyFromBytes(bytes: Uint8Array): BlsPublicKey;
  /** Validates: length, flags, on curve, in subgroup. The infinity signature decodes. */
  signatureFromBytes(bytes: Uint8Array): BlsSignature;
  verify(publicKey: BlsPublicKey, message: Uint8Array, signature: BlsSignature): boolean;
  /** Throws BlsError("EMPTY_AGGREGATE") on an empty list. */
  aggregatePublicKeys(publicKeys: readonly BlsPublicKey[]): BlsPublicKey;
  /** Throws BlsError("EMPTY_AGGREGATE") on an empty list. */
  aggregateSignatures(signatures: readonly BlsSignature[]): BlsSignature;
  /** All signers signed the same message. False on an empty key list. */
  fastAggregateVerify(
    publicKeys: readonly BlsPublicKey[],
    message: Uint8Array,
    signature: BlsSignature,
  ): boolean;
  /** Signer i signed message i. False on empty lists or length mismatch. */
  aggregateVerify(
    publicKeys: readonly BlsPublicKey[],
    messages: readonly Uint8Array[],
    signature: BlsSignature,
  ): boolean;
  /** True only if every set is valid (random-scalar batch, ~2^-64 error, on both backends). False on an empty list. */
  verifyMultipleSignatures(sets: readonly SignatureSet[]): boolean;
  /**
   * hash_to_curve to G2 (affine coordinates, each an Fp2 element [c0, c1]) with `dst` (default BLS_DST).
   * Only backends that expose it implement it (noble); blst does not expose it through its bindings.
   */
  hashToG2?(message: Uint8Array, dst?: string): G2AffinePoint;
}

/** An affine G2 point: x = x[0] + x[1]·u, y = y[0] + y[1]·u. */
export interface G2AffinePoint {
  x: readonly [bigint, bigint];
  y: readonly [bigint, bigint];
}

export type BlsErrorCode =
  | "INVALID_LENGTH"
  | "ZERO_SECRET_KEY"
  | "SECRET_KEY_OUT_OF_RANGE"
  | "INVALID_ENCODING"
  | "POINT_NOT_ON_CURVE"
  | "POINT_NOT_IN_SUBGROUP"
  | "INFINITY_PUBLIC_KEY"
  | "EMPTY_AGGREGATE"
  /** A key or signature object from one backend was passed to another backend. */
  | "WRONG_BACKEND";

/** Typed error for every BLS input problem: `code` says what is wrong, the message says what to do. */
export class BlsError extends Error {
  constructor(
    readonly code: BlsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BlsError";
  }
}
