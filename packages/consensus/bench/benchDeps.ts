/** What the beacon bench imports: the package API plus two bench-only helpers. */
export * from "../src/index.js";
export { placeholderHeader } from "./placeholders.js";

/** 32-byte big-endian encoding of a secret scalar. */
export function bigintToKey(value: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(value.toString(16).padStart(64, "0"), "hex"));
}
