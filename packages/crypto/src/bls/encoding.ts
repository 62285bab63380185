/**
 * Backend-independent checks on serialized BLS values, run before a backend sees the bytes so both
 * backends reject the same inputs with the same BlsError code. Format: ZCash compressed encoding
 * (flag bits in the top three bits of byte 0: C = compressed, I = infinity, S = sign of y).
 */
import { bytesToBigIntBE } from "../bytes.js";
import { BlsError, PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH, SIGNATURE_LENGTH } from "./interface.js";

/** BLS12-381 base field modulus p. */
export const FIELD_MODULUS =
  0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
/** BLS12-381 subgroup order r (secret keys live in [1, r)). */
export const CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

const FLAG_COMPRESSED = 0x80;
const FLAG_INFINITY = 0x40;
const FLAG_SIGN = 0x20;

function assertLength(bytes: Uint8Array, expected: number, what: string): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new BlsError("INVALID_LENGTH", `${what} must be a Uint8Array of ${expected} bytes`);
  }
  if (bytes.length !== expected) {
    throw new BlsError("INVALID_LENGTH", `${what} must be ${expected} bytes, got ${bytes.length}`);
  }
}

/** Returns the secret key as an integer in [1, r). */
export function checkSecretKeyBytes(bytes: Uint8Array): bigint {
  assertLength(bytes, SECRET_KEY_LENGTH, "BLS secret key");
  const scalar = bytesToBigIntBE(bytes);
  if (scalar === 0n)
    throw new BlsError("ZERO_SECRET_KEY", "BLS secret key is zero: generate or load a real key");
  if (scalar >= CURVE_ORDER) {
    throw new BlsError(
      "SECRET_KEY_OUT_OF_RANGE",
      "BLS secret key is not below the curve order r: reduce it mod r or derive it properly",
    );
  }
  return scalar;
}

/**
 * Checks length, flags and the field range of x for a compressed point made of `words` 48-byte field
 * elements (1 for G1, 2 for G2). Returns true if the bytes are the canonical point at infinity.
 */
function checkCompressedPoint(bytes: Uint8Array, length: number, what: string): boolean {
  assertLength(bytes, length, what);
  const flags = bytes[0] ?? 0;
  if ((flags & FLAG_COMPRESSED) === 0) {
    throw new BlsError("INVALID_ENCODING", `${what} must be compressed (top bit of byte 0 set)`);
  }
  if ((flags & FLAG_INFINITY) !== 0) {
    const canonical =
      (flags & FLAG_SIGN) === 0 && (flags & 0x1f) === 0 && bytes.subarray(1).every((b) => b === 0);
    if (!canonical) {
      throw new BlsError(
        "INVALID_ENCODING",
        `${what} has the infinity flag but is not the canonical 0xc0 00..00`,
      );
    }
    return true;
  }
  const firstWord = Uint8Array.from(bytes.subarray(0, 48));
  firstWord[0] = (firstWord[0] ?? 0) & 0x1f;
  const words: Uint8Array[] = [firstWord];
  for (let offset = 48; offset < length; offset += 48) words.push(bytes.subarray(offset, offset + 48));
  for (const word of words) {
    if (bytesToBigIntBE(word) >= FIELD_MODULUS) {
      throw new BlsError("INVALID_ENCODING", `${what} has an x coordinate not below the field modulus`);
    }
  }
  return false;
}

/**
 * Length, flags, x < p. The infinity public key is rejected (INFINITY_PUBLIC_KEY): it is a valid
 * encoding but never a valid key. On-curve and subgroup checks are the backend's.
 */
export function checkPublicKeyBytes(bytes: Uint8Array): void {
  if (checkCompressedPoint(bytes, PUBLIC_KEY_LENGTH, "BLS public key")) {
    throw new BlsError(
      "INFINITY_PUBLIC_KEY",
      "BLS public key is the point at infinity, which is never a valid key",
    );
  }
}

/** Length, flags, x < p. Returns true for the (valid) infinity signature. */
export function checkSignatureBytes(bytes: Uint8Array): boolean {
  return checkCompressedPoint(bytes, SIGNATURE_LENGTH, "BLS signature");
}
