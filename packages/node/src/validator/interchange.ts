/**
 * EIP-3076 slashing-protection interchange (format version 5) ↔ the node's slashing-protection records.
 * Pure functions: the database side is interchangeStore.ts.
 *
 * Mapping (the format knows beacon blocks and attestations of Ethereum; shardnet signs more):
 * - `metadata.genesis_validators_root`: the genesis hash (`genesisHash`), the value every signing domain
 *   is built from (`computeDomain(type, genesisRoot)`) and the node database's network identity. A file
 *   for another network carries another root and is refused.
 * - `signed_blocks`: the beacon blocks the validator signed, `{slot, signing_root}`.
 * - `signed_attestations`: one entry, the FFG watermark `{source_epoch, target_epoch}` (the last vote
 *   signed; no `signing_root`, since a shardnet attestation is signed every slot and no single signing
 *   root stands for the epoch's vote). Importers apply EIP-3076 conditions 4 and 5 to it.
 * - `shardnet_extension` (ignored by other tools): what EIP-3076 has no field for:
 *   - `signed_shard_blocks: [{shard, slot, signing_root}]`;
 *   - `signed_attestation_slots: [{slot, signing_root}]`, the per-slot attestation records (two
 *     different attestations for one slot are a double vote, DESIGN.md §4);
 *   - `last_ffg_vote: {source_epoch, target_epoch, vote_root, source_root?, target_root?}`, the vote of
 *     the watermark, so the importing node refuses a different FFG vote for that target epoch and can
 *     repeat the same one.
 * A `signing_root` left out (as EIP-3076 allows) means "something was signed, what is unknown": the
 * record gets UNKNOWN_SIGNING_ROOT and the node signs nothing more for that slot.
 */
import { Checkpoint, type Genesis, genesisHash } from "@shardnet/consensus";
import { bytesToHex, hexToBytes, sha256 } from "@shardnet/crypto";
import type { FfgVote, SignedKind } from "./slashingProtection.js";

export const INTERCHANGE_FORMAT_VERSION = "5";
export const EXTENSION_FIELD = "shardnet_extension";

/**
 * Signing root of a record whose message is unknown, or of a slot where two different messages were signed
 * (merged from two histories): no real signing root equals it, so the node refuses every message there.
 * The same value as vote root means "the FFG vote of this target epoch is unknown": every vote is refused.
 * (EIP-3076 suggests 0x0 as this dummy root.)
 */
export const UNKNOWN_SIGNING_ROOT: Uint8Array = new Uint8Array(32);

/** One stored signing: (kind, shard, slot) → signing root. Beacon blocks and attestations have shard 0. */
export interface SigningRecord {
  kind: SignedKind;
  shard: number;
  slot: number;
  signingRoot: Uint8Array;
}

/** What slashing protection holds for one validator. */
export interface ValidatorProtection {
  records: SigningRecord[];
  watermark?: FfgVote | undefined;
}

/** Slashing-protection history by validator index. */
export type ProtectionHistory = Map<number, ValidatorProtection>;

/** The network an interchange file must belong to, and its validators (index → pubkey). */
export interface NetworkIdentity {
  genesisValidatorsRoot: Uint8Array;
  validatorPubkeys: readonly Uint8Array[];
}

/** The genesis identifies the network (its hash) and names the validators (registry order). */
export function networkIdentityOf(genesis: Genesis): NetworkIdentity {
  return {
    genesisValidatorsRoot: genesisHash(genesis),
    validatorPubkeys: genesis.validators.map((v) => v.pubkey),
  };
}

export interface InterchangeBlock {
  slot: string;
  signing_root?: string;
}

export interface InterchangeAttestation {
  source_epoch: string;
  target_epoch: string;
  signing_root?: string;
}

export interface InterchangeExtension {
  signed_shard_blocks: Array<{ shard: string; slot: string; signing_root?: string }>;
  signed_attestation_slots: Array<{ slot: string; signing_root?: string }>;
  last_ffg_vote?: {
    source_epoch: string;
    target_epoch: string;
    vote_root: string;
    source_root?: string;
    target_root?: string;
  };
}

export interface InterchangeEntry {
  pubkey: string;
  signed_blocks: InterchangeBlock[];
  signed_attestations: InterchangeAttestation[];
  [EXTENSION_FIELD]?: InterchangeExtension;
}

export interface InterchangeFile {
  metadata: { interchange_format_version: string; genesis_validators_root: string };
  data: InterchangeEntry[];
}

export type InterchangeErrorCode =
  | "MALFORMED"
  | "UNSUPPORTED_VERSION"
  | "OTHER_NETWORK"
  | "UNKNOWN_PUBKEY"
  | "UNKNOWN_VALIDATOR"
  | "NO_DATABASE"
  | "NODE_RUNNING";

export class InterchangeError extends Error {
  constructor(
    readonly code: InterchangeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "InterchangeError";
  }
}

const hex0x = (bytes: Uint8Array) => `0x${bytesToHex(bytes)}`;
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
const isUnknown = (root: Uint8Array | undefined) =>
  root === undefined || sameBytes(root, UNKNOWN_SIGNING_ROOT);
const recordId = (r: { kind: SignedKind; shard: number; slot: number }) => `${r.kind}/${r.shard}/${r.slot}`;

/** The root an FFG vote commits to, as the validator service records it. */
export function ffgVoteRoot(source: { epoch: number; root: Uint8Array }, target: typeof source): Uint8Array {
  return sha256(Checkpoint.hashTreeRoot(source), Checkpoint.hashTreeRoot(target));
}

// --- export ---------------------------------------------------------------------------------------------

/** The interchange file of `history`; throws UNKNOWN_VALIDATOR for an index the network does not have. */
export function toInterchange(history: ProtectionHistory, network: NetworkIdentity): InterchangeFile {
  const data: InterchangeEntry[] = [];
  for (const validator of [...history.keys()].sort((a, b) => a - b)) {
    const pubkey = network.validatorPubkeys[validator];
    if (!pubkey) {
      throw new InterchangeError(
        "UNKNOWN_VALIDATOR",
        `the database has slashing-protection records for validator ${validator}, but the genesis has ${network.validatorPubkeys.length} validators: give the genesis file this node runs with`,
      );
    }
    const { records, watermark } = history.get(validator)!;
    const bySlot = [...records].sort((a, b) => a.slot - b.slot || a.shard - b.shard);
    const root = (r: SigningRecord) =>
      isUnknown(r.signingRoot) ? {} : { signing_root: hex0x(r.signingRoot) };
    const extension: InterchangeExtension = {
      signed_shard_blocks: bySlot
        .filter((r) => r.kind === "shard_block")
        .map((r) => ({ shard: String(r.shard), slot: String(r.slot), ...root(r) })),
      signed_attestation_slots: bySlot
        .filter((r) => r.kind === "attestation")
        .map((r) => ({ slot: String(r.slot), ...root(r) })),
    };
    if (watermark && !isUnknown(watermark.voteRoot)) {
      extension.last_ffg_vote = {
        source_epoch: String(watermark.source),
        target_epoch: String(watermark.target),
        vote_root: hex0x(watermark.voteRoot!),
        ...(watermark.sourceRoot && watermark.targetRoot
          ? { source_root: hex0x(watermark.sourceRoot), target_root: hex0x(watermark.targetRoot) }
          : {}),
      };
    }
    data.push({
      pubkey: hex0x(pubkey),
      signed_blocks: bySlot
        .filter((r) => r.kind === "beacon_block")
        .map((r) => ({ slot: String(r.slot), ...root(r) })),
      signed_attestations: watermark
        ? [{ source_epoch: String(watermark.source), target_epoch: String(watermark.target) }]
        : [],
      [EXTENSION_FIELD]: extension,
    });
  }
  return {
    metadata: {
      interchange_format_version: INTERCHANGE_FORMAT_VERSION,
      genesis_validators_root: hex0x(network.genesisValidatorsRoot),
    },
    data,
  };
}

// --- parse ----------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const malformed = (where: string, what: string) =>
  new InterchangeError("MALFORMED", `malformed interchange file: ${where} ${what}`);

function field(obj: Record<string, unknown>, key: string, where: string): unknown {
  if (!(key in obj)) throw malformed(where, `has no "${key}"`);
  return obj[key];
}

function arrayAt(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(where, "must be an array");
  return value;
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw malformed(where, "must be an object");
  return value;
}

/** A uint64 as a decimal string (EIP-3076 writes every integer as a string), at most 2^53 - 1 here. */
function uintAt(value: unknown, where: string): number {
  if (typeof value !== "string" || !/^[0-9]+$/.test(value))
    throw malformed(where, `must be a decimal string, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw malformed(where, `is ${value}, beyond 2^53 - 1`);
  return n;
}

function hexAt(value: unknown, where: string, length: number): Uint8Array {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]*$/.test(value) || value.length !== 2 + 2 * length)
    throw malformed(where, `must be 0x-prefixed hex of ${length} bytes, got ${JSON.stringify(value)}`);
  return hexToBytes(value);
}

function optionalRootAt(obj: Record<string, unknown>, where: string): Uint8Array {
  return obj.signing_root === undefined
    ? UNKNOWN_SIGNING_ROOT
    : hexAt(obj.signing_root, `${where}.signing_root`, 32);
}

/** The FFG watermark of an entry's `signed_attestations`, with the extension's vote when it belongs to it. */
function parseWatermark(
  attestations: unknown[],
  vote: Record<string, unknown> | undefined,
  where: string,
): FfgVote | undefined {
  let mark: FfgVote | undefined;
  for (const [i, raw] of attestations.entries()) {
    const at = `${where}.signed_attestations[${i}]`;
    const a = objectAt(raw, at);
    const source = uintAt(field(a, "source_epoch", at), `${at}.source_epoch`);
    const target = uintAt(field(a, "target_epoch", at), `${at}.target_epoch`);
    if (source > target) throw malformed(at, `has source_epoch ${source} after target_epoch ${target}`);
    if (a.signing_root !== undefined) hexAt(a.signing_root, `${at}.signing_root`, 32);
    mark = { source: Math.max(mark?.source ?? 0, source), target: Math.max(mark?.target ?? 0, target) };
  }
  if (!vote) return mark && { ...mark, voteRoot: UNKNOWN_SIGNING_ROOT };
  const at = `${where}.${EXTENSION_FIELD}.last_ffg_vote`;
  const source = uintAt(field(vote, "source_epoch", at), `${at}.source_epoch`);
  const target = uintAt(field(vote, "target_epoch", at), `${at}.target_epoch`);
  const voteRoot = hexAt(field(vote, "vote_root", at), `${at}.vote_root`, 32);
  let roots: { sourceRoot: Uint8Array; targetRoot: Uint8Array } | undefined;
  if (vote.source_root !== undefined || vote.target_root !== undefined) {
    roots = {
      sourceRoot: hexAt(vote.source_root, `${at}.source_root`, 32),
      targetRoot: hexAt(vote.target_root, `${at}.target_root`, 32),
    };
    const expected = ffgVoteRoot(
      { epoch: source, root: roots.sourceRoot },
      { epoch: target, root: roots.targetRoot },
    );
    if (!sameBytes(expected, voteRoot))
      throw malformed(at, "has a vote_root that its source and target do not hash to");
  }
  if (!mark || mark.source !== source || mark.target !== target)
    throw malformed(at, `is for source ${source}/target ${target}, not the latest of signed_attestations`);
  return { ...mark, voteRoot, ...roots };
}

function parseEntry(raw: unknown, where: string): ValidatorProtection {
  const entry = objectAt(raw, where);
  const records: SigningRecord[] = [];
  for (const [i, b] of arrayAt(field(entry, "signed_blocks", where), `${where}.signed_blocks`).entries()) {
    const at = `${where}.signed_blocks[${i}]`;
    const block = objectAt(b, at);
    records.push({
      kind: "beacon_block",
      shard: 0,
      slot: uintAt(field(block, "slot", at), `${at}.slot`),
      signingRoot: optionalRootAt(block, at),
    });
  }
  const attestations = arrayAt(field(entry, "signed_attestations", where), `${where}.signed_attestations`);
  let vote: Record<string, unknown> | undefined;
  if (entry[EXTENSION_FIELD] !== undefined) {
    const ext = objectAt(entry[EXTENSION_FIELD], `${where}.${EXTENSION_FIELD}`);
    const extAt = `${where}.${EXTENSION_FIELD}`;
    for (const [i, b] of arrayAt(ext.signed_shard_blocks ?? [], `${extAt}.signed_shard_blocks`).entries()) {
      const at = `${extAt}.signed_shard_blocks[${i}]`;
      const block = objectAt(b, at);
      records.push({
        kind: "shard_block",
        shard: uintAt(field(block, "shard", at), `${at}.shard`),
        slot: uintAt(field(block, "slot", at), `${at}.slot`),
        signingRoot: optionalRootAt(block, at),
      });
    }
    const slots = arrayAt(ext.signed_attestation_slots ?? [], `${extAt}.signed_attestation_slots`);
    for (const [i, a] of slots.entries()) {
      const at = `${extAt}.signed_attestation_slots[${i}]`;
      const attestation = objectAt(a, at);
      records.push({
        kind: "attestation",
        shard: 0,
        slot: uintAt(field(attestation, "slot", at), `${at}.slot`),
        signingRoot: optionalRootAt(attestation, at),
      });
    }
    if (ext.last_ffg_vote !== undefined) vote = objectAt(ext.last_ffg_vote, `${extAt}.last_ffg_vote`);
  }
  return { records, watermark: parseWatermark(attestations, vote, where) };
}

/**
 * Validates an interchange file (parsed JSON) for `network` and maps it to validator indices. Refuses
 * (InterchangeError) a malformed file, another format version, another network's file, a pubkey the
 * network does not have. Entries repeating a pubkey are merged as an import would merge them.
 */
export function parseInterchange(json: unknown, network: NetworkIdentity): ProtectionHistory {
  const file = objectAt(json, "the top level");
  const metadata = objectAt(field(file, "metadata", "the top level"), "metadata");
  const version = field(metadata, "interchange_format_version", "metadata");
  if (version !== INTERCHANGE_FORMAT_VERSION) {
    throw new InterchangeError(
      "UNSUPPORTED_VERSION",
      `interchange_format_version ${JSON.stringify(version)} is not supported: this tool reads EIP-3076 version "5"`,
    );
  }
  const root = hexAt(
    field(metadata, "genesis_validators_root", "metadata"),
    "metadata.genesis_validators_root",
    32,
  );
  if (!sameBytes(root, network.genesisValidatorsRoot)) {
    throw new InterchangeError(
      "OTHER_NETWORK",
      `the file is for another network: its genesis_validators_root is ${hex0x(root)}, this network's (the genesis hash) is ${hex0x(network.genesisValidatorsRoot)}. Export from a node of this network, or give the right --genesis.`,
    );
  }
  const indexOf = new Map(network.validatorPubkeys.map((pk, i) => [bytesToHex(pk), i]));
  const history: ProtectionHistory = new Map();
  for (const [i, raw] of arrayAt(field(file, "data", "the top level"), "data").entries()) {
    const where = `data[${i}]`;
    const pubkey = hexAt(field(objectAt(raw, where), "pubkey", where), `${where}.pubkey`, 48);
    const validator = indexOf.get(bytesToHex(pubkey));
    if (validator === undefined) {
      throw new InterchangeError(
        "UNKNOWN_PUBKEY",
        `${where}.pubkey ${hex0x(pubkey)} is not a validator of this network (not in the genesis): remove its entry, or check --genesis`,
      );
    }
    const parsed = parseEntry(raw, where);
    history.set(validator, mergeValidator(history.get(validator), parsed).merged);
  }
  return history;
}

// --- merge ----------------------------------------------------------------------------------------------

/** What an import writes for one validator: new or changed records, and the watermark if it changed. */
export interface ValidatorChanges {
  records: SigningRecord[];
  watermark?: FfgVote | undefined;
  /** Records that now hold UNKNOWN_SIGNING_ROOT: the two histories differ (or one does not know) at that slot. */
  conflicts: number;
}

/**
 * The stricter of two FFG watermarks: the highest source and target epochs. Its vote is kept only when
 * every side that reached that target knows the same vote with that source; otherwise the vote becomes
 * UNKNOWN_SIGNING_ROOT and the node signs no vote for that target epoch.
 */
export function mergeWatermarks(a: FfgVote | undefined, b: FfgVote | undefined): FfgVote | undefined {
  if (!a || !b) return a ?? b;
  const source = Math.max(a.source, b.source);
  const target = Math.max(a.target, b.target);
  const atTarget = [a, b].filter((m) => m.target === target);
  const first = atTarget[0]!;
  const agreed = atTarget.every(
    (m) => m.source === source && !isUnknown(m.voteRoot) && sameBytes(m.voteRoot!, first.voteRoot!),
  );
  if (!agreed) return { source, target, voteRoot: UNKNOWN_SIGNING_ROOT };
  const withRoots = atTarget.find((m) => m.sourceRoot && m.targetRoot);
  return {
    source,
    target,
    voteRoot: first.voteRoot!,
    ...(withRoots ? { sourceRoot: withRoots.sourceRoot!, targetRoot: withRoots.targetRoot! } : {}),
  };
}

function sameWatermark(a: FfgVote | undefined, b: FfgVote | undefined): boolean {
  if (!a || !b) return a === b;
  const sameOptional = (x: Uint8Array | undefined, y: Uint8Array | undefined) =>
    x === undefined || y === undefined ? x === y : sameBytes(x, y);
  return (
    a.source === b.source &&
    a.target === b.target &&
    sameOptional(a.voteRoot, b.voteRoot) &&
    sameOptional(a.sourceRoot, b.sourceRoot) &&
    sameOptional(a.targetRoot, b.targetRoot)
  );
}

/**
 * Merges `incoming` into `existing`; never lowers a watermark. A record for a (kind, shard, slot) that
 * only one side has is kept; the same signing root on both sides stays; different roots become
 * UNKNOWN_SIGNING_ROOT (the node then refuses both messages, and any other).
 */
export function mergeValidator(
  existing: ValidatorProtection | undefined,
  incoming: ValidatorProtection,
): { merged: ValidatorProtection; changes: ValidatorChanges } {
  const records = new Map((existing?.records ?? []).map((r) => [recordId(r), r]));
  // A record changed twice (an entry repeating a slot) is written once, with its last value.
  const changed = new Set<string>();
  let conflicts = 0;
  for (const r of incoming.records) {
    const id = recordId(r);
    const before = records.get(id);
    if (before && (sameBytes(before.signingRoot, r.signingRoot) || isUnknown(before.signingRoot))) continue;
    if (before) conflicts++;
    records.set(id, before ? { ...r, signingRoot: UNKNOWN_SIGNING_ROOT } : r);
    changed.add(id);
  }
  const watermark = mergeWatermarks(existing?.watermark, incoming.watermark);
  const watermarkChanged = !sameWatermark(watermark, existing?.watermark);
  return {
    merged: { records: [...records.values()], watermark },
    changes: {
      records: [...changed].map((id) => records.get(id)!),
      ...(watermarkChanged ? { watermark } : {}),
      conflicts,
    },
  };
}

/** Per validator index, what importing `incoming` over `existing` writes (validators with no change left out). */
export function mergeHistories(
  existing: ProtectionHistory,
  incoming: ProtectionHistory,
): Map<number, ValidatorChanges> {
  const out = new Map<number, ValidatorChanges>();
  for (const [validator, protection] of incoming) {
    const { changes } = mergeValidator(existing.get(validator), protection);
    if (changes.records.length > 0 || changes.watermark) out.set(validator, changes);
  }
  return out;
}
