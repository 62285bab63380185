import { createHash } from "node:crypto";

/** SHA-256 of the concatenation of `chunks` (node:crypto, no intermediate copy). */
export function sha256(...chunks: Uint8Array[]): Uint8Array {
  const hash = createHash("sha256");
  for (const chunk of chunks) hash.update(chunk);
  const digest = hash.digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}
