import { EPOCHS_PER_HISTORICAL_VECTOR, MAX_COMMITTEE_SIZE, MAX_SHARDS } from "../params/constants.js";
import { isPresetName, type Preset, type PresetName, resolvePreset } from "../params/presets.js";
import { fromHex, toHex } from "../util/bytes.js";
import { sha256 } from "../util/hash.js";

/** A genesis validator: 48-byte BLS public key and stake in gwei. */
export interface GenesisValidator {
  pubkey: Uint8Array;
  stake: bigint;
}

/** A genesis account allocation on the shard chains (used by the shard state). */
export interface GenesisAccount {
  address: Uint8Array;
  balance: bigint;
}

/** The parsed genesis file (DESIGN.md §2). Every node of a network loads the same one. */
export interface Genesis {
  network: string;
  /** Unix seconds of slot 0. */
  genesisTime: number;
  presetName: PresetName;
  presetOverrides: Record<string, number>;
  /** `presetName` with `presetOverrides` applied. */
  preset: Preset;
  validators: GenesisValidator[];
  accounts: GenesisAccount[];
}

/** The JSON form of a genesis file. Amounts are decimal strings (uint64 does not fit a JSON number). */
export interface GenesisJson {
  network: string;
  genesisTime: number;
  preset: string;
  presetOverrides?: Record<string, number>;
  validators: { pubkey: string; stake: string }[];
  accounts: { address: string; balance: string }[];
}

export class GenesisError extends Error {
  constructor(message: string) {
    super(`invalid genesis file: ${message}`);
    this.name = "GenesisError";
  }
}

const TOP_LEVEL_FIELDS = ["network", "genesisTime", "preset", "presetOverrides", "validators", "accounts"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseAmount(value: unknown, where: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^[0-9]+$/.test(value)) {
    const amount = BigInt(value);
    if (amount < 2n ** 64n) return amount;
  }
  throw new GenesisError(
    `${where} must be a non-negative uint64 as a decimal string, got ${JSON.stringify(value)}`,
  );
}

function parseHexField(value: unknown, where: string, length: number): Uint8Array {
  if (typeof value !== "string")
    throw new GenesisError(`${where} must be a 0x-prefixed hex string of ${length} bytes`);
  try {
    return fromHex(value, where, length);
  } catch (e) {
    throw new GenesisError((e as Error).message);
  }
}

/** Validates a parsed genesis JSON value; every error names the field and says what is expected. */
export function parseGenesis(json: unknown): Genesis {
  if (!isRecord(json)) throw new GenesisError("the top level must be a JSON object");
  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL_FIELDS.includes(key)) {
      throw new GenesisError(`unknown field "${key}"; allowed fields are ${TOP_LEVEL_FIELDS.join(", ")}`);
    }
  }
  const { network, genesisTime, preset, presetOverrides = {}, validators, accounts = [] } = json;
  if (typeof network !== "string" || !/^[a-zA-Z0-9_.-]{1,64}$/.test(network)) {
    throw new GenesisError(
      `"network" must be 1-64 characters of [a-zA-Z0-9_.-], got ${JSON.stringify(network)}`,
    );
  }
  if (typeof genesisTime !== "number" || !Number.isSafeInteger(genesisTime) || genesisTime < 0) {
    throw new GenesisError(
      `"genesisTime" must be unix seconds (a non-negative integer), got ${JSON.stringify(genesisTime)}`,
    );
  }
  if (typeof preset !== "string" || !isPresetName(preset)) {
    throw new GenesisError(`"preset" must be "local" or "scale", got ${JSON.stringify(preset)}`);
  }
  if (!isRecord(presetOverrides))
    throw new GenesisError(`"presetOverrides" must be an object of name → integer`);
  const overrides: Record<string, number> = {};
  for (const [key, value] of Object.entries(presetOverrides)) {
    if (typeof value !== "number") throw new GenesisError(`presetOverrides.${key} must be a number`);
    overrides[key] = value;
  }
  let resolved: Preset;
  try {
    resolved = resolvePreset(preset, overrides);
  } catch (e) {
    throw new GenesisError((e as Error).message);
  }
  checkPresetLimits(resolved);
  if (!Array.isArray(validators) || validators.length === 0) {
    throw new GenesisError(`"validators" must be a non-empty array of {pubkey, stake}`);
  }
  const parsedValidators = validators.map((entry: unknown, i): GenesisValidator => {
    if (!isRecord(entry)) throw new GenesisError(`validators[${i}] must be an object {pubkey, stake}`);
    const stake = parseAmount(entry.stake, `validators[${i}].stake`);
    if (stake === 0n) throw new GenesisError(`validators[${i}].stake must be positive`);
    return { pubkey: parseHexField(entry.pubkey, `validators[${i}].pubkey`, 48), stake };
  });
  const seen = new Set<string>();
  for (const [i, v] of parsedValidators.entries()) {
    const key = toHex(v.pubkey);
    if (seen.has(key)) throw new GenesisError(`validators[${i}].pubkey ${key} appears twice`);
    seen.add(key);
  }
  if (!Array.isArray(accounts)) throw new GenesisError(`"accounts" must be an array of {address, balance}`);
  const parsedAccounts = accounts.map((entry: unknown, i): GenesisAccount => {
    if (!isRecord(entry)) throw new GenesisError(`accounts[${i}] must be an object {address, balance}`);
    return {
      address: parseHexField(entry.address, `accounts[${i}].address`, 20),
      balance: parseAmount(entry.balance, `accounts[${i}].balance`),
    };
  });
  return {
    network,
    genesisTime,
    presetName: preset,
    presetOverrides: overrides,
    preset: resolved,
    validators: parsedValidators,
    accounts: parsedAccounts,
  };
}

/** Limits the fixed-size SSZ types impose on a preset. */
export function checkPresetLimits(preset: Preset): void {
  if (preset.SHARD_COUNT > MAX_SHARDS - 1)
    throw new GenesisError(
      `SHARD_COUNT ${preset.SHARD_COUNT} exceeds ${MAX_SHARDS - 1} (each shard state has SHARD_COUNT + 1 outboxes, the last for the beacon chain)`,
    );
  if (3 * preset.SHARD_COMMITTEE_PERIOD >= EPOCHS_PER_HISTORICAL_VECTOR) {
    throw new GenesisError(
      `SHARD_COMMITTEE_PERIOD ${preset.SHARD_COMMITTEE_PERIOD} too long: must be < ${EPOCHS_PER_HISTORICAL_VECTOR / 3}`,
    );
  }
  if (preset.TARGET_COMMITTEE_SIZE > MAX_COMMITTEE_SIZE) {
    throw new GenesisError(`TARGET_COMMITTEE_SIZE exceeds ${MAX_COMMITTEE_SIZE}`);
  }
}

/** The JSON form, with a fixed key order (the canonical form hashed by `genesisHash`). */
export function genesisToJson(genesis: Genesis): GenesisJson {
  const overrides: Record<string, number> = {};
  for (const key of Object.keys(genesis.presetOverrides).sort())
    overrides[key] = genesis.presetOverrides[key] as number;
  return {
    network: genesis.network,
    genesisTime: genesis.genesisTime,
    preset: genesis.presetName,
    presetOverrides: overrides,
    validators: genesis.validators.map((v) => ({ pubkey: toHex(v.pubkey), stake: v.stake.toString() })),
    accounts: genesis.accounts.map((a) => ({ address: toHex(a.address), balance: a.balance.toString() })),
  };
}

const genesisHashCache = new WeakMap<Genesis, Uint8Array>();

/** SHA-256 of the canonical JSON form: identifies the network (fork digest, handshake, signing domains). */
export function genesisHash(genesis: Genesis): Uint8Array {
  let hash = genesisHashCache.get(genesis);
  if (!hash) {
    hash = sha256(new TextEncoder().encode(JSON.stringify(genesisToJson(genesis))));
    genesisHashCache.set(genesis, hash);
  }
  return hash;
}

/** First 4 bytes of the genesis hash as 8 lower-case hex characters without `0x` (gossip topic names). */
export function forkDigest(genesis: Genesis): string {
  return toHex(genesisHash(genesis).subarray(0, 4)).slice(2);
}
