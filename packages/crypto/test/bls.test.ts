import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BlsBackend,
  BlsError,
  type BlsErrorCode,
  bigIntToBytesBE,
  blsBackendNames,
  bytesToHex,
  CURVE_ORDER,
  FIELD_MODULUS,
  getBls,
  hexToBytes,
  interopSecretKey,
  PublicKeyCache,
} from "../src/index.js";

const blst = getBls("blst");
const noble = getBls("noble");
const backends: BlsBackend[] = blsBackendNames().map((name) => getBls(name));
const message = new TextEncoder().encode("crosslink for shard 3 at slot 17");

function hex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

function expectBlsError(operation: () => unknown, code: BlsErrorCode): void {
  let thrown: unknown;
  try {
    operation();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(BlsError);
  expect((thrown as BlsError).code).toBe(code);
  expect((thrown as BlsError).message.length).toBeGreaterThan(10);
}

/** Compressed point with flag byte `flags` and 48-byte big-endian field words. */
function compressed(flags: number, ...words: bigint[]): Uint8Array {
  const bytes = new Uint8Array(words.flatMap((w) => [...bigIntToBytesBE(w, 48)]));
  bytes[0] = (bytes[0] ?? 0) | flags;
  return bytes;
}

const INFINITY_G1 = compressed(0xc0, 0n);
const INFINITY_G2 = compressed(0xc0, 0n, 0n);
/** (0, 2) is on E1 but not in the r-order subgroup. */
const G1_NOT_IN_SUBGROUP = compressed(0x80, 0n);
/** x = 1: 1 + 4 is not a square mod p. */
const G1_NOT_ON_CURVE = compressed(0x80, 1n);
/** x = 2 + 0u is on E2 but not in the subgroup. */
const G2_NOT_IN_SUBGROUP = compressed(0x80, 0n, 2n);
/** x = 1 + 0u is not on E2. */
const G2_NOT_ON_CURVE = compressed(0x80, 0n, 1n);

describe("BLS secret keys", () => {
  for (const bls of backends) {
    it(`${bls.name}: rejects zero, out-of-range and wrong-length secret keys`, () => {
      expectBlsError(() => bls.secretKeyFromBytes(new Uint8Array(32)), "ZERO_SECRET_KEY");
      expectBlsError(
        () => bls.secretKeyFromBytes(bigIntToBytesBE(CURVE_ORDER, 32)),
        "SECRET_KEY_OUT_OF_RANGE",
      );
      expectBlsError(() => bls.secretKeyFromBytes(new Uint8Array(32).fill(0xff)), "SECRET_KEY_OUT_OF_RANGE");
      expectBlsError(() => bls.secretKeyFromBytes(new Uint8Array(31).fill(1)), "INVALID_LENGTH");
      expectBlsError(() => bls.secretKeyFromBytes(new Uint8Array(33).fill(1)), "INVALID_LENGTH");
      const largest = bigIntToBytesBE(CURVE_ORDER - 1n, 32);
      expect(hex(bls.secretKeyFromBytes(largest).toBytes())).toBe(hex(largest));
    });
  }
});

describe("BLS point decoding rejects bad input with a BlsError", () => {
  for (const bls of backends) {
    it(`${bls.name}: public keys`, () => {
      expectBlsError(() => bls.publicKeyFromBytes(new Uint8Array(47)), "INVALID_LENGTH");
      expectBlsError(() => bls.publicKeyFromBytes(new Uint8Array(49)), "INVALID_LENGTH");
      expectBlsError(() => bls.publicKeyFromBytes(INFINITY_G1), "INFINITY_PUBLIC_KEY");
      expectBlsError(() => bls.publicKeyFromBytes(G1_NOT_ON_CURVE), "POINT_NOT_ON_CURVE");
      expectBlsError(() => bls.publicKeyFromBytes(G1_NOT_IN_SUBGROUP), "POINT_NOT_IN_SUBGROUP");
      // Uncompressed flag, infinity flag with stray bits, infinity with sign bit, x >= p.
      const valid = bls.secretKeyFromBytes(interopSecretKey(0)).toPublicKey().toBytes();
      const uncompressed = Uint8Array.from(valid);
      uncompressed[0] = (uncompressed[0] ?? 0) & 0x7f;
      expectBlsError(() => bls.publicKeyFromBytes(uncompressed), "INVALID_ENCODING");
      expectBlsError(() => bls.publicKeyFromBytes(compressed(0xc0, 1n)), "INVALID_ENCODING");
      expectBlsError(() => bls.publicKeyFromBytes(compressed(0xe0, 0n)), "INVALID_ENCODING");
      expectBlsError(() => bls.publicKeyFromBytes(compressed(0x80, FIELD_MODULUS)), "INVALID_ENCODING");
      expect(hex(bls.publicKeyFromBytes(valid).toBytes())).toBe(hex(valid));
    });

    it(`${bls.name}: signatures (the infinity signature decodes but never verifies)`, () => {
      expectBlsError(() => bls.signatureFromBytes(new Uint8Array(95)), "INVALID_LENGTH");
      expectBlsError(() => bls.signatureFromBytes(new Uint8Array(97)), "INVALID_LENGTH");
      expectBlsError(() => bls.signatureFromBytes(G2_NOT_ON_CURVE), "POINT_NOT_ON_CURVE");
      expectBlsError(() => bls.signatureFromBytes(G2_NOT_IN_SUBGROUP), "POINT_NOT_IN_SUBGROUP");
      expectBlsError(() => bls.signatureFromBytes(compressed(0x80, FIELD_MODULUS, 0n)), "INVALID_ENCODING");
      expectBlsError(() => bls.signatureFromBytes(compressed(0x80, 0n, FIELD_MODULUS)), "INVALID_ENCODING");
      expectBlsError(() => bls.signatureFromBytes(compressed(0xc0, 0n, 1n)), "INVALID_ENCODING");
      expectBlsError(() => bls.signatureFromBytes(new Uint8Array(96)), "INVALID_ENCODING");

      const infinity = bls.signatureFromBytes(INFINITY_G2);
      expect(hex(infinity.toBytes())).toBe(hex(INFINITY_G2));
      const publicKey = bls.secretKeyFromBytes(interopSecretKey(1)).toPublicKey();
      expect(bls.verify(publicKey, message, infinity)).toBe(false);
      expect(bls.fastAggregateVerify([publicKey], message, infinity)).toBe(false);
      expect(bls.verifyMultipleSignatures([{ publicKey, message, signature: infinity }])).toBe(false);
    });

    it(`${bls.name}: a key and its negation aggregate to infinity and never verify the infinity signature`, () => {
      const publicKeyBytes = bls.secretKeyFromBytes(interopSecretKey(2)).toPublicKey().toBytes();
      const negatedBytes = Uint8Array.from(publicKeyBytes);
      negatedBytes[0] = (negatedBytes[0] ?? 0) ^ 0x20; // -P has the same x and the other y
      const keys = [bls.publicKeyFromBytes(publicKeyBytes), bls.publicKeyFromBytes(negatedBytes)];
      expect(hex(bls.aggregatePublicKeys(keys).toBytes())).toBe(hex(INFINITY_G1));
      expect(bls.fastAggregateVerify(keys, message, bls.signatureFromBytes(INFINITY_G2))).toBe(false);
    });

    it(`${bls.name}: empty and mismatched inputs`, () => {
      const secretKey = bls.secretKeyFromBytes(interopSecretKey(3));
      const signature = secretKey.sign(message);
      expectBlsError(() => bls.aggregatePublicKeys([]), "EMPTY_AGGREGATE");
      expectBlsError(() => bls.aggregateSignatures([]), "EMPTY_AGGREGATE");
      expect(bls.fastAggregateVerify([], message, signature)).toBe(false);
      expect(bls.aggregateVerify([], [], signature)).toBe(false);
      expect(bls.aggregateVerify([secretKey.toPublicKey()], [message, message], signature)).toBe(false);
      expect(bls.verifyMultipleSignatures([])).toBe(false);
    });
  }

  it("refuses objects of the other backend", () => {
    const nobleKey = noble.secretKeyFromBytes(interopSecretKey(4));
    const blstKey = blst.secretKeyFromBytes(interopSecretKey(4));
    expectBlsError(
      () => blst.verify(nobleKey.toPublicKey(), message, blstKey.sign(message)),
      "WRONG_BACKEND",
    );
    expectBlsError(
      () => noble.verify(nobleKey.toPublicKey(), message, blstKey.sign(message)),
      "WRONG_BACKEND",
    );
  });
});

describe("BLS sign / verify / aggregate", () => {
  for (const bls of backends) {
    it(`${bls.name}: verifies, aggregates and batch-verifies, rejecting any tampering`, () => {
      const secretKeys = [5, 6, 7].map((i) => bls.secretKeyFromBytes(interopSecretKey(i)));
      const publicKeys = secretKeys.map((sk) => sk.toPublicKey());
      const messages = ["a", "b", "c"].map((m) => new TextEncoder().encode(m));
      const [pk0, pk1] = publicKeys as [(typeof publicKeys)[0], (typeof publicKeys)[0]];
      const [sk0] = secretKeys as [(typeof secretKeys)[0]];
      const [m0, m1] = messages as [Uint8Array, Uint8Array];

      const signature = sk0.sign(m0);
      expect(bls.verify(pk0, m0, signature)).toBe(true);
      expect(bls.verify(pk0, m1, signature)).toBe(false);
      expect(bls.verify(pk1, m0, signature)).toBe(false);

      const sameMessage = bls.aggregateSignatures(secretKeys.map((sk) => sk.sign(m0)));
      expect(bls.fastAggregateVerify(publicKeys, m0, sameMessage)).toBe(true);
      expect(bls.fastAggregateVerify(publicKeys.slice(0, 2), m0, sameMessage)).toBe(false);
      expect(bls.fastAggregateVerify(publicKeys, m1, sameMessage)).toBe(false);
      expect(bls.verify(bls.aggregatePublicKeys(publicKeys), m0, sameMessage)).toBe(true);

      const distinct = bls.aggregateSignatures(secretKeys.map((sk, i) => sk.sign(messages[i] ?? m0)));
      expect(bls.aggregateVerify(publicKeys, messages, distinct)).toBe(true);
      expect(bls.aggregateVerify(publicKeys, [...messages].reverse(), distinct)).toBe(false);

      const sets = secretKeys.map((sk, i) => ({
        publicKey: publicKeys[i] ?? pk0,
        message: messages[i] ?? m0,
        signature: sk.sign(messages[i] ?? m0),
      }));
      expect(bls.verifyMultipleSignatures(sets)).toBe(true);
      const swapped = sets.map((set, i) =>
        i === 1 ? { ...set, signature: sets[0]?.signature ?? set.signature } : set,
      );
      expect(bls.verifyMultipleSignatures(swapped)).toBe(false);
      // Exchanged signatures keep the plain sum of signatures valid (aggregateVerify accepts it); only
      // random-scalar batching (or one-by-one checks) catches it.
      const [set0, set1, set2] = sets as [(typeof sets)[0], (typeof sets)[0], (typeof sets)[0]];
      const exchanged = [
        { ...set0, signature: set1.signature },
        { ...set1, signature: set0.signature },
        set2,
      ];
      const exchangedSum = bls.aggregateSignatures(exchanged.map((set) => set.signature));
      expect(bls.aggregateVerify(publicKeys, messages, exchangedSum)).toBe(true);
      expect(bls.verifyMultipleSignatures(exchanged)).toBe(false);
    });
  }
});

describe("blst and noble agree byte for byte", () => {
  const secretKeyArb = fc
    .bigInt({ min: 1n, max: CURVE_ORDER - 1n })
    .map((scalar) => bigIntToBytesBE(scalar, 32));
  const messageArb = fc.uint8Array({ minLength: 0, maxLength: 64 });

  it("public keys, signatures and cross-verification for random keys and messages", () => {
    fc.assert(
      fc.property(secretKeyArb, messageArb, (secretKeyBytes, msg) => {
        const blstSk = blst.secretKeyFromBytes(secretKeyBytes);
        const nobleSk = noble.secretKeyFromBytes(secretKeyBytes);
        const publicKey = blstSk.toPublicKey().toBytes();
        const signature = blstSk.sign(msg).toBytes();
        expect(hex(nobleSk.toPublicKey().toBytes())).toBe(hex(publicKey));
        expect(hex(nobleSk.sign(msg).toBytes())).toBe(hex(signature));
        // Each backend verifies what the other produced (decoded from bytes).
        expect(
          noble.verify(noble.publicKeyFromBytes(publicKey), msg, noble.signatureFromBytes(signature)),
        ).toBe(true);
        expect(blst.verify(blst.publicKeyFromBytes(publicKey), msg, blst.signatureFromBytes(signature))).toBe(
          true,
        );
      }),
      { numRuns: 4 },
    );
  });

  it("aggregates of random keys and messages", () => {
    fc.assert(
      fc.property(fc.array(secretKeyArb, { minLength: 1, maxLength: 4 }), messageArb, (secretKeys, msg) => {
        const publicKeys = secretKeys.map((sk) => blst.secretKeyFromBytes(sk).toPublicKey().toBytes());
        const signatures = secretKeys.map((sk) => blst.secretKeyFromBytes(sk).sign(msg).toBytes());
        const blstAggPk = blst.aggregatePublicKeys(publicKeys.map((pk) => blst.publicKeyFromBytes(pk)));
        const nobleAggPk = noble.aggregatePublicKeys(publicKeys.map((pk) => noble.publicKeyFromBytes(pk)));
        expect(hex(nobleAggPk.toBytes())).toBe(hex(blstAggPk.toBytes()));
        const blstAggSig = blst
          .aggregateSignatures(signatures.map((s) => blst.signatureFromBytes(s)))
          .toBytes();
        const nobleAggSig = noble
          .aggregateSignatures(signatures.map((s) => noble.signatureFromBytes(s)))
          .toBytes();
        expect(hex(nobleAggSig)).toBe(hex(blstAggSig));
        const nobleKeys = publicKeys.map((pk) => noble.publicKeyFromBytes(pk));
        expect(noble.fastAggregateVerify(nobleKeys, msg, noble.signatureFromBytes(blstAggSig))).toBe(true);
      }),
      { numRuns: 3 },
    );
  });
});

describe("PublicKeyCache", () => {
  it("decodes once, serves validator keys by index and names the bad index", () => {
    const bytes = [0, 1, 2].map((i) => blst.secretKeyFromBytes(interopSecretKey(i)).toPublicKey().toBytes());
    const cache = PublicKeyCache.fromBytes(blst, bytes);
    expect(cache.size).toBe(3);
    expect(cache.get(1)).toBe(cache.get(1));
    expect(cache.getMany([2, 0]).map((k) => hex(k.toBytes()))).toEqual([
      hex(bytes[2] ?? INFINITY_G1),
      hex(bytes[0] ?? INFINITY_G1),
    ]);
    expect(() => cache.get(3)).toThrow(RangeError);
    expect(cache.has(3)).toBe(false);
    expect(() => cache.set(3, INFINITY_G1)).toThrow(/validator 3/);
    expect(() => PublicKeyCache.fromBytes(blst, [bytes[0] ?? INFINITY_G1, hexToBytes("00")])).toThrow(
      BlsError,
    );
  });
});
