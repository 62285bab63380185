/** Lower-case hex with `0x` prefix. */
export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** Parses hex with or without `0x`; throws with `what` in the message on bad input or wrong length. */
export function fromHex(hex: string, what: string, expectedLength?: number): Uint8Array {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw new Error(`${what}: "${hex.slice(0, 24)}" is not an even-length hex string`);
  }
  const bytes = new Uint8Array(Buffer.from(body, "hex"));
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    throw new Error(`${what}: expected ${expectedLength} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `value` as 8 little-endian bytes. */
export function uint64ToBytes(value: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return out;
}

/** Little-endian uint64 of bytes[offset..offset+8] as bigint. */
export function bytesToUint64(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0, true);
}

export const ZERO_ROOT = new Uint8Array(32);
