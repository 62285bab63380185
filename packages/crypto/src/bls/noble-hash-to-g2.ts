/**
 * Synchronous hash_to_curve for G2 (RFC 9380 BLS12381G2_XMD:SHA-256_SSWU_RO_) on noble's field and
 * curve arithmetic. noble 1.4's own hashToCurve is async only because its SHA-256 is; node:crypto's
 * is synchronous, so the whole map can be too, which keeps one synchronous BlsBackend interface.
 */
import { Fp2, PointG2 } from "@noble/bls12-381";
import { isogenyMapG2, map_to_curve_simple_swu_9mod16 } from "@noble/bls12-381/math";
import { bytesToBigIntBE, concatBytes } from "../bytes.js";
import { sha256 } from "../hash.js";
import { FIELD_MODULUS } from "./encoding.js";

const HASH_OUTPUT_BYTES = 32;
const HASH_BLOCK_BYTES = 64;
/** L = ceil((ceil(log2(p)) + k) / 8) with k = 128. */
const FIELD_ELEMENT_BYTES = 64;

/** expand_message_xmd with SHA-256 (RFC 9380 §5.3.1). */
export function expandMessageXmd(message: Uint8Array, dst: Uint8Array, outputLength: number): Uint8Array {
  if (dst.length > 255) throw new RangeError("hash-to-curve DST longer than 255 bytes is not supported");
  const blocks = Math.ceil(outputLength / HASH_OUTPUT_BYTES);
  if (blocks > 255 || outputLength > 65535) throw new RangeError("expand_message_xmd output too long");
  const dstPrime = concatBytes(dst, Uint8Array.of(dst.length));
  const lengthBytes = Uint8Array.of(outputLength >> 8, outputLength & 0xff);
  const b0 = sha256(new Uint8Array(HASH_BLOCK_BYTES), message, lengthBytes, Uint8Array.of(0), dstPrime);
  const out = new Uint8Array(blocks * HASH_OUTPUT_BYTES);
  let previous = sha256(b0, Uint8Array.of(1), dstPrime);
  out.set(previous, 0);
  for (let i = 2; i <= blocks; i++) {
    const mixed = previous.map((byte, j) => byte ^ (b0[j] ?? 0));
    previous = sha256(mixed, Uint8Array.of(i), dstPrime);
    out.set(previous, (i - 1) * HASH_OUTPUT_BYTES);
  }
  return out.subarray(0, outputLength);
}

/** hash_to_field for Fp2, count 2. */
function hashToFieldFp2(message: Uint8Array, dst: Uint8Array): [Fp2, Fp2] {
  const bytes = expandMessageXmd(message, dst, 2 * 2 * FIELD_ELEMENT_BYTES);
  const element = (index: number): bigint =>
    bytesToBigIntBE(bytes.subarray(index * FIELD_ELEMENT_BYTES, (index + 1) * FIELD_ELEMENT_BYTES)) %
    FIELD_MODULUS;
  return [Fp2.fromBigTuple([element(0), element(1)]), Fp2.fromBigTuple([element(2), element(3)])];
}

/** The G2 point H(message) under the domain separation tag `dst`. */
export function hashToG2Point(message: Uint8Array, dst: Uint8Array): PointG2 {
  const [u0, u1] = hashToFieldFp2(message, dst);
  const [x0, y0] = map_to_curve_simple_swu_9mod16(u0);
  const [x1, y1] = map_to_curve_simple_swu_9mod16(u1);
  const [x2, y2] = new PointG2(x0, y0).add(new PointG2(x1, y1)).toAffine();
  const [x3, y3] = isogenyMapG2(x2, y2);
  return new PointG2(x3, y3).clearCofactor();
}
