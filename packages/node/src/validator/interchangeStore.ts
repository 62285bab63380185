/**
 * Reads and writes the node database's slashing-protection records for an EIP-3076 export or import
 * (interchange.ts converts). The node must be stopped: its database is locked while it runs, and a
 * running node would keep signing past an export or around an import.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type BatchOp, DatabaseError, NodeDb } from "../db/nodeDb.js";
import {
  InterchangeError,
  type InterchangeFile,
  mergeHistories,
  type NetworkIdentity,
  type ProtectionHistory,
  parseInterchange,
  type SigningRecord,
  toInterchange,
  type ValidatorChanges,
} from "./interchange.js";
import {
  decodeWatermark,
  encodeWatermark,
  SIGNED_KIND_BYTE,
  type SignedKind,
  signingRecordKey,
  WATERMARK_KEY_BYTE,
  watermarkKey,
} from "./slashingProtection.js";

const KIND_OF_BYTE = new Map(
  Object.entries(SIGNED_KIND_BYTE).map(([kind, byte]) => [byte, kind as SignedKind]),
);

/**
 * Opens the stopped node's database at `dataDir` (the node's --data-dir) for `genesisHashHex`. Never
 * creates the directory. `allowEmpty`: an existing empty directory is accepted (the database is created
 * in it, for the node that will start there later), which an import needs and an export does not.
 */
export async function openStoppedNodeDb(
  dataDir: string,
  genesisHashHex: string,
  { allowEmpty = false }: { allowEmpty?: boolean } = {},
): Promise<NodeDb> {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new InterchangeError(
      "NO_DATABASE",
      `no node data directory at ${dataDir}: give the node's --data-dir${allowEmpty ? " (for a node that has not started yet, create an empty directory first)" : ""}`,
    );
  }
  const isLevelDb = existsSync(join(dataDir, "CURRENT"));
  if (!isLevelDb && !(allowEmpty && readdirSync(dataDir).length === 0)) {
    throw new InterchangeError(
      "NO_DATABASE",
      `${dataDir} holds no node database: give the node's --data-dir${allowEmpty ? ", or an empty directory for a node that has not started yet" : ""}`,
    );
  }
  try {
    return await NodeDb.open(dataDir, genesisHashHex);
  } catch (err) {
    if (err instanceof DatabaseError && /\block\b.*LOCK/.test(err.message)) {
      throw new InterchangeError(
        "NODE_RUNNING",
        `the node database at ${dataDir} is in use by a running node: stop the node first, then run this again`,
      );
    }
    throw err;
  }
}

/** Every slashing-protection record and watermark in `db`, by validator index. */
export async function readProtectionHistory(db: NodeDb): Promise<ProtectionHistory> {
  const history: ProtectionHistory = new Map();
  const of = (validator: number) => {
    const entry = history.get(validator) ?? { records: [] };
    history.set(validator, entry);
    return entry;
  };
  const end = new Uint8Array(10).fill(0xff); // after every key (the longest starting 0xff is 9 bytes)
  for (const [key, value] of await db.range("slashingProtection", new Uint8Array([0]), end)) {
    const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
    if (key[0] === WATERMARK_KEY_BYTE && key.length === 9) {
      of(Number(view.getBigUint64(1))).watermark = decodeWatermark(value);
      continue;
    }
    const kind = KIND_OF_BYTE.get(key[0]!);
    if (!kind || key.length !== 25) {
      throw new InterchangeError(
        "MALFORMED",
        `the node database holds a slashing-protection key this tool does not know (0x${Buffer.from(key).toString("hex")}): is the tool older than the node?`,
      );
    }
    const record: SigningRecord = {
      kind,
      shard: Number(view.getBigUint64(9)),
      slot: Number(view.getBigUint64(17)),
      signingRoot: value,
    };
    if (kind !== "shard_block" && record.shard !== 0) {
      throw new InterchangeError(
        "MALFORMED",
        `the node database holds a ${kind} record with shard ${record.shard} (the node writes shard 0 for these): it cannot be exported`,
      );
    }
    of(Number(view.getBigUint64(1))).records.push(record);
  }
  return history;
}

/** Writes an import's changes in one synced batch: all of them or, on failure, none. */
export async function writeProtectionChanges(
  db: NodeDb,
  changes: Map<number, ValidatorChanges>,
): Promise<void> {
  const ops: BatchOp[] = [];
  for (const [validator, change] of changes) {
    for (const r of change.records) {
      ops.push({
        bucket: "slashingProtection",
        key: signingRecordKey(r.kind, validator, r.shard, r.slot),
        value: r.signingRoot,
      });
    }
    if (change.watermark) {
      ops.push({
        bucket: "slashingProtection",
        key: watermarkKey(validator),
        value: encodeWatermark(change.watermark),
      });
    }
  }
  await db.writeBatch(ops);
}

/** The interchange file of everything `db` records. */
export async function exportProtection(db: NodeDb, network: NetworkIdentity): Promise<InterchangeFile> {
  return toInterchange(await readProtectionHistory(db), network);
}

export interface ImportSummary {
  /** Validators in the file. */
  validators: number;
  /** Validators whose records or watermark changed. */
  validatorsChanged: number;
  recordsWritten: number;
  /** Slots where the file and the database signed different messages: the node now signs neither. */
  conflicts: number;
  watermarksChanged: number;
}

/**
 * Merges an interchange file (parsed JSON) into `db`. The whole file is checked before anything is
 * written (InterchangeError, nothing written); then one atomic batch. Never lowers a watermark.
 */
export async function importProtection(
  db: NodeDb,
  json: unknown,
  network: NetworkIdentity,
): Promise<ImportSummary> {
  const incoming = parseInterchange(json, network);
  const changes = mergeHistories(await readProtectionHistory(db), incoming);
  await writeProtectionChanges(db, changes);
  let recordsWritten = 0;
  let conflicts = 0;
  let watermarksChanged = 0;
  for (const change of changes.values()) {
    recordsWritten += change.records.length;
    conflicts += change.conflicts;
    if (change.watermark) watermarksChanged++;
  }
  return {
    validators: incoming.size,
    validatorsChanged: changes.size,
    recordsWritten,
    conflicts,
    watermarksChanged,
  };
}
