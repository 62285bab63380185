import { createHash } from "node:crypto";

/**
 * The identity the rogue and the observer compare messages by: sha256 of the gossip payload, hex. (Gossip
 * message ids are the first 20 bytes of the same hash, packages/p2p/src/gossip.ts messageIdOf.)
 */
export function payloadHash(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
