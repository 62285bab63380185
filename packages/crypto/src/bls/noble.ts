/**
 * BLS backend on @noble/bls12-381 (pure JS, ~100x slower than blst): a cross-check of blst and a
 * fallback where the native addon cannot load. Signatures use the same ciphersuite DST as blst.
 */
import { randomBytes } from "node:crypto";
import { Fp12, PointG1, PointG2 } from "@noble/bls12-381";
import { checkPublicKeyBytes, checkSecretKeyBytes, checkSignatureBytes } from "./encoding.js";
import {
  BLS_DST,
  type BlsBackend,
  BlsError,
  type BlsPublicKey,
  type BlsSecretKey,
  type BlsSignature,
  type G2AffinePoint,
} from "./interface.js";
import { hashToG2Point } from "./noble-hash-to-g2.js";

const SIGNATURE_DST = new TextEncoder().encode(BLS_DST);

class NoblePublicKey implements BlsPublicKey {
  #bytes: Uint8Array | undefined;
  constructor(readonly point: PointG1) {}
  toBytes(): Uint8Array {
    this.#bytes ??= this.point.toRawBytes(true);
    return Uint8Array.from(this.#bytes);
  }
}

class NobleSignature implements BlsSignature {
  #bytes: Uint8Array | undefined;
  constructor(readonly point: PointG2) {}
  toBytes(): Uint8Array {
    this.#bytes ??= this.point.toSignature();
    return Uint8Array.from(this.#bytes);
  }
}

class NobleSecretKey implements BlsSecretKey {
  readonly #scalar: bigint;
  constructor(scalar: bigint) {
    this.#scalar = scalar;
  }
  toBytes(): Uint8Array {
    return Uint8Array.from(Buffer.from(this.#scalar.toString(16).padStart(64, "0"), "hex"));
  }
  toPublicKey(): BlsPublicKey {
    return new NoblePublicKey(PointG1.fromPrivateKey(this.#scalar));
  }
  sign(message: Uint8Array): BlsSignature {
    return new NobleSignature(hashToG2Point(message, SIGNATURE_DST).multiply(this.#scalar));
  }
}

function noblePublicKey(key: BlsPublicKey): PointG1 {
  if (key instanceof NoblePublicKey) return key.point;
  throw new BlsError(
    "WRONG_BACKEND",
    "public key was not created by the noble backend: decode it with getBls('noble')",
  );
}

function nobleSignature(signature: BlsSignature): PointG2 {
  if (signature instanceof NobleSignature) return signature.point;
  throw new BlsError(
    "WRONG_BACKEND",
    "signature was not created by the noble backend: decode it with getBls('noble')",
  );
}

/** noble throws plain Errors; name the failure the way blst does. */
function translateNobleError(error: unknown, what: string): BlsError {
  const detail = error instanceof Error ? error.message : String(error);
  const code = /subgroup/i.test(detail) ? "POINT_NOT_IN_SUBGROUP" : "POINT_NOT_ON_CURVE";
  return new BlsError(code, `${what} rejected by noble: ${detail}`);
}

/** True iff the product of e(P_i, Q_i) is 1. Terms with a point at infinity contribute 1 and are skipped. */
function pairingProductIsOne(terms: ReadonlyArray<readonly [PointG1, PointG2]>): boolean {
  const live = terms.filter(([p, q]) => !p.isZero() && !q.isZero());
  if (live.length === 0) return true;
  let product = Fp12.ONE;
  // Miller loops without noble's per-pairing subgroup re-checks: every point here was validated on
  // decoding or is a hash-to-curve / generator output, all in the subgroup by construction.
  for (const [p, q] of live) product = product.multiply(p.millerLoop(q));
  return product.finalExponentiate().equals(Fp12.ONE);
}

/** e(-pk_i, H(m_i)) · … · e(G1, S) == 1. */
function verifyPairs(
  publicKeys: readonly PointG1[],
  messages: readonly Uint8Array[],
  signature: PointG2,
): boolean {
  const terms: Array<readonly [PointG1, PointG2]> = publicKeys.map(
    (pk, i) => [pk.negate(), hashToG2Point(messages[i] ?? new Uint8Array(0), SIGNATURE_DST)] as const,
  );
  terms.push([PointG1.BASE, signature]);
  return pairingProductIsOne(terms);
}

/** Non-zero random 64-bit scalar for batch verification. */
function randomBatchScalar(): bigint {
  for (;;) {
    const scalar = randomBytes(8).readBigUInt64BE();
    if (scalar !== 0n) return scalar;
  }
}

function sumPublicKeys(points: readonly PointG1[]): PointG1 {
  return points.reduce((sum, p) => sum.add(p), PointG1.ZERO);
}

export const nobleBackend: BlsBackend = {
  name: "noble",

  secretKeyFromBytes(bytes) {
    return new NobleSecretKey(checkSecretKeyBytes(bytes));
  },

  publicKeyFromBytes(bytes) {
    checkPublicKeyBytes(bytes);
    try {
      return new NoblePublicKey(PointG1.fromHex(Uint8Array.from(bytes)));
    } catch (error) {
      throw translateNobleError(error, "BLS public key");
    }
  },

  signatureFromBytes(bytes) {
    if (checkSignatureBytes(bytes)) return new NobleSignature(PointG2.ZERO);
    try {
      return new NobleSignature(PointG2.fromSignature(Uint8Array.from(bytes)));
    } catch (error) {
      throw translateNobleError(error, "BLS signature");
    }
  },

  verify(publicKey, message, signature) {
    return verifyPairs([noblePublicKey(publicKey)], [message], nobleSignature(signature));
  },

  aggregatePublicKeys(publicKeys) {
    if (publicKeys.length === 0)
      throw new BlsError("EMPTY_AGGREGATE", "cannot aggregate an empty list of public keys");
    return new NoblePublicKey(sumPublicKeys(publicKeys.map(noblePublicKey)));
  },

  aggregateSignatures(signatures) {
    if (signatures.length === 0)
      throw new BlsError("EMPTY_AGGREGATE", "cannot aggregate an empty list of signatures");
    return new NobleSignature(signatures.map(nobleSignature).reduce((sum, s) => sum.add(s), PointG2.ZERO));
  },

  fastAggregateVerify(publicKeys, message, signature) {
    if (publicKeys.length === 0) return false;
    const aggregate = sumPublicKeys(publicKeys.map(noblePublicKey));
    // Like blst: an aggregate key at infinity never verifies.
    if (aggregate.isZero()) return false;
    return verifyPairs([aggregate], [message], nobleSignature(signature));
  },

  aggregateVerify(publicKeys, messages, signature) {
    if (publicKeys.length === 0 || publicKeys.length !== messages.length) return false;
    return verifyPairs(publicKeys.map(noblePublicKey), messages, nobleSignature(signature));
  },

  /**
   * Random-scalar batch (as blst): Π e(-r_i·pk_i, H(m_i)) · e(G1, Σ r_i·S_i) == 1 with independent
   * random 64-bit r_i, so one invalid set makes the batch fail except with probability ~2^-64.
   */
  verifyMultipleSignatures(sets) {
    if (sets.length === 0) return false;
    if (sets.length === 1) {
      const [only] = sets;
      return only !== undefined && this.verify(only.publicKey, only.message, only.signature);
    }
    const terms: Array<readonly [PointG1, PointG2]> = [];
    let signatureSum = PointG2.ZERO;
    for (const set of sets) {
      const signature = nobleSignature(set.signature);
      // An infinity signature can only verify against an infinity key, which never decodes.
      if (signature.isZero()) return false;
      const scalar = randomBatchScalar();
      terms.push([
        noblePublicKey(set.publicKey).multiplyUnsafe(scalar).negate(),
        hashToG2Point(set.message, SIGNATURE_DST),
      ]);
      signatureSum = signatureSum.add(signature.multiplyUnsafe(scalar));
    }
    terms.push([PointG1.BASE, signatureSum]);
    return pairingProductIsOne(terms);
  },

  hashToG2(message, dst = BLS_DST): G2AffinePoint {
    const [x, y] = hashToG2Point(message, new TextEncoder().encode(dst)).toAffine();
    return { x: [x.c0.value, x.c1.value], y: [y.c0.value, y.c1.value] };
  },
};
