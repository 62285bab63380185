import { readFileSync } from "node:fs";
import {
  addressFromPubkey,
  devAccountKey,
  type Ed25519KeyPair,
  ed25519KeyPairFromSeed,
  hexToBytes,
} from "@shardnet/crypto";

/**
 * `dev:N` → funded dev account N of the dev genesis; otherwise a file holding a 32-byte Ed25519 seed as hex
 * (optionally inside JSON `{"secretKey": "0x…"}`).
 */
export function loadAccountKey(spec: string): Ed25519KeyPair {
  const dev = /^dev:(\d+)$/.exec(spec);
  if (dev) return devAccountKey(Number(dev[1]));
  let text: string;
  try {
    text = readFileSync(spec, "utf8").trim();
  } catch (err) {
    throw new Error(`cannot read key file ${spec}: ${(err as Error).message}. Use dev:N for a dev account.`);
  }
  let hex = text;
  if (text.startsWith("{")) {
    const json = JSON.parse(text) as { secretKey?: unknown };
    if (typeof json.secretKey !== "string")
      throw new Error(`key file ${spec}: JSON must hold "secretKey": "0x…"`);
    hex = json.secretKey;
  }
  const seed = hexToBytes(hex.replace(/^0x/, ""));
  if (seed.length !== 32)
    throw new Error(`key file ${spec}: the secret key must be 32 bytes of hex, got ${seed.length}`);
  return ed25519KeyPairFromSeed(seed);
}

/** `dev:N` → that dev account's address; `0x…` 20-byte hex → itself. */
export function parseAddress(spec: string): Uint8Array {
  const dev = /^dev:(\d+)$/.exec(spec);
  if (dev) return addressFromPubkey(devAccountKey(Number(dev[1])).publicKey);
  const hex = spec.replace(/^0x/, "");
  if (!/^[0-9a-fA-F]{40}$/.test(hex))
    throw new Error(`"${spec}" is not an address (20 bytes of hex) or dev:N`);
  return hexToBytes(hex);
}
