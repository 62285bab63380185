/** Lower-case hex without prefix. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Accepts hex with or without a `0x` prefix; throws on odd length or non-hex characters. */
export function hexToBytes(hex: string): Uint8Array {
  const body = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw new Error(`hexToBytes: "${hex.slice(0, 20)}..." is not an even-length hex string`);
  }
  return new Uint8Array(Buffer.from(body, "hex"));
}

/** Big-endian unsigned integer of `bytes`. */
export function bytesToBigIntBE(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

/** `value` as exactly `length` big-endian bytes; throws if it does not fit. */
export function bigIntToBytesBE(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, "0");
  if (value < 0n || hex.length > length * 2) throw new RangeError(`${value} does not fit in ${length} bytes`);
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export function concatBytes(...chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
