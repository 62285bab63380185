import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type GenesisJson, parseGenesis } from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey, getBls, interopSecretKey } from "@shardnet/crypto";

export interface GenesisFileOptions {
  validators: number;
  shards: number;
  preset: string;
  secondsPerSlot?: number;
  /** Overrides the preset's SLOTS_PER_EPOCH. */
  slotsPerEpoch?: number;
  /** Any other preset values by name (e.g. SHARD_COMMITTEE_PERIOD for a test's short registry cycle). */
  presetOverrides?: Record<string, number>;
  /** Seconds from now to genesis time. */
  genesisDelaySec: number;
  /** Funded dev accounts `dev:0 .. dev:N-1`. */
  devAccounts?: number;
  devAccountBalance?: bigint;
  stake?: bigint;
  network?: string;
  /** Keep an existing file with the same network parameters (devnet restarts without --reset). */
  reuseExisting?: boolean;
}

/**
 * Funded dev accounts dev:0 .. dev:N-1. The load generator's senders come from them, and each sender may have
 * at most 64 transfers ahead of its nonce in a mempool (MAX_MEMPOOL_NONCE_AHEAD): at 2-s slots one sender
 * carries about 8 transfers/s (apps/loadgen plan.ts), so 1024 carry about 8,000/s, room for issue 17's
 * 1,500/s and its 3× overload (4,500/s needs 563).
 */
export const DEFAULT_DEV_ACCOUNTS = 1024;
export const DEFAULT_DEV_BALANCE = 1_000_000_000_000_000n;
export const DEFAULT_STAKE = 32_000_000_000n;

/** Genesis JSON for a dev network: interop validator keys 0..N-1, funded dev accounts, genesis time ahead. */
export function buildDevGenesis(
  opts: GenesisFileOptions,
  nowSec = Math.floor(Date.now() / 1000),
): GenesisJson {
  const bls = getBls();
  const validators = Array.from({ length: opts.validators }, (_, i) => ({
    pubkey: `0x${bytesToHex(bls.secretKeyFromBytes(interopSecretKey(i)).toPublicKey().toBytes())}`,
    stake: String(opts.stake ?? DEFAULT_STAKE),
  }));
  const accounts = Array.from({ length: opts.devAccounts ?? DEFAULT_DEV_ACCOUNTS }, (_, n) => ({
    address: `0x${bytesToHex(addressFromPubkey(devAccountKey(n).publicKey))}`,
    balance: String(opts.devAccountBalance ?? DEFAULT_DEV_BALANCE),
  }));
  const presetOverrides: Record<string, number> = { ...opts.presetOverrides, SHARD_COUNT: opts.shards };
  if (opts.secondsPerSlot !== undefined) presetOverrides.SECONDS_PER_SLOT = opts.secondsPerSlot;
  if (opts.slotsPerEpoch !== undefined) presetOverrides.SLOTS_PER_EPOCH = opts.slotsPerEpoch;
  const json: GenesisJson = {
    network: opts.network ?? "shardnet-devnet",
    genesisTime: nowSec + opts.genesisDelaySec,
    preset: opts.preset,
    presetOverrides,
    validators,
    accounts,
  };
  parseGenesis(json); // the file we write must be one every node accepts
  return json;
}

/**
 * Writes a dev genesis to `path`, or keeps the file already there when `reuseExisting` and it describes
 * the same network shape (so a devnet restarted without --reset resumes its chain).
 */
export function writeGenesisFile(path: string, opts: GenesisFileOptions): GenesisJson {
  if (opts.reuseExisting && existsSync(path)) {
    const existing = JSON.parse(readFileSync(path, "utf8")) as GenesisJson;
    const parsed = parseGenesis(existing);
    if (parsed.validators.length === opts.validators && parsed.preset.SHARD_COUNT === opts.shards)
      return existing;
    throw new Error(
      `${path} holds a genesis for ${parsed.validators.length} validators and ${parsed.preset.SHARD_COUNT} shards; run with --reset to start a new network`,
    );
  }
  const json = buildDevGenesis(opts);
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  return json;
}
