/** `--from-key`: the shard account that pays a deposit, as the CLI's `transfer --from-key` takes it. */
import {
  addressFromPubkey,
  devAccountKey,
  type Ed25519KeyPair,
  ed25519KeyPairFromSeed,
  hexToBytes,
} from "@shardnet/crypto";
import { readTextFile } from "./files.js";
import { UserError } from "./userError.js";

/** A sender: its Ed25519 key pair and its shard address. */
export interface SenderKey extends Ed25519KeyPair {
  address: Uint8Array;
}

const DEV = /^dev:([0-9]+)$/;
const SEED_HEX = /^(0x)?[0-9a-fA-F]{64}$/;

/**
 * `dev:N` → dev account N (`devAccountKey(N)`, funded in dev geneses); anything else is a file holding the
 * account's 32-byte Ed25519 seed as hex (0x optional), or JSON `{"secretKey": "0x…"}` as `npm run cli` accepts.
 */
export function parseSenderKey(spec: string): SenderKey {
  const dev = DEV.exec(spec);
  if (dev) {
    const n = BigInt(dev[1]!);
    if (n >= 1n << 64n)
      throw new UserError("BAD_FROM_KEY", `--from-key ${spec}: a dev account number is below 2^64`);
    return withAddress(devAccountKey(n));
  }
  if (spec.startsWith("dev:"))
    throw new UserError("BAD_FROM_KEY", `--from-key ${spec}: a dev account is dev:N with N a number`);
  let text: string;
  try {
    text = readTextFile(spec, "--from-key").trim();
  } catch (err) {
    throw new UserError("BAD_FROM_KEY", `${(err as Error).message}; use dev:N for a dev account`);
  }
  let hex = text;
  if (text.startsWith("{")) {
    let json: { secretKey?: unknown };
    try {
      json = JSON.parse(text) as { secretKey?: unknown };
    } catch (err) {
      throw new UserError("BAD_FROM_KEY", `--from-key ${spec} is not JSON: ${(err as Error).message}`);
    }
    if (typeof json.secretKey !== "string")
      throw new UserError("BAD_FROM_KEY", `--from-key ${spec}: JSON must hold "secretKey": "0x…"`);
    hex = json.secretKey;
  }
  if (!SEED_HEX.test(hex))
    throw new UserError(
      "BAD_FROM_KEY",
      `--from-key ${spec} must hold a 32-byte Ed25519 seed as 64 hex digits (0x optional); use dev:N for a dev account`,
    );
  return withAddress(ed25519KeyPairFromSeed(hexToBytes(hex)));
}

function withAddress(key: Ed25519KeyPair): SenderKey {
  return { ...key, address: addressFromPubkey(key.publicKey) };
}
