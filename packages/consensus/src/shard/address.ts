/** `shard_of(address) = uint64_le(address[0:8]) mod SHARD_COUNT`. */
export function shardOf(address: Uint8Array, shardCount: number): number {
  if (address.length < 8) throw new RangeError(`address must have at least 8 bytes, got ${address.length}`);
  // Power-of-two shard counts (every preset) only need the low bits of the little-endian word.
  if ((shardCount & (shardCount - 1)) === 0 && shardCount <= 2 ** 30) {
    return (address[0] | (address[1] << 8) | (address[2] << 16) | (address[3] << 24)) & (shardCount - 1);
  }
  const view = new DataView(address.buffer, address.byteOffset, 8);
  return Number(view.getBigUint64(0, true) % BigInt(shardCount));
}

/** Map key for a 20-byte address (lower-case hex). */
export function addressKey(address: Uint8Array): string {
  return Buffer.from(address.buffer, address.byteOffset, address.byteLength).toString("hex");
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
