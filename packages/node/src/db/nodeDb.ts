import { existsSync } from "node:fs";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { blockWriteFailpoint } from "./blockWriteFailpoint.js";

type Bytes = Uint8Array;
type Level = ClassicLevel<Bytes, Bytes>;

function openBucket(level: Level, name: string) {
  return level.sublevel<Bytes, Bytes>(name, { keyEncoding: "view", valueEncoding: "view" });
}
type Bucket = ReturnType<typeof openBucket>;

/** Sublevels, one per kind of record (DESIGN.md §6). Names are part of the on-disk format. */
export const BUCKETS = [
  "meta",
  "beaconBlocks",
  "beaconBlockSlots",
  "beaconStates",
  "beaconContexts",
  "shardBlocks",
  "shardBlockSlots",
  "shardStates",
  "receipts",
  "transactions",
  "slashingProtection",
  "txJournal",
] as const;
export type BucketName = (typeof BUCKETS)[number];

const SCHEMA_VERSION = "1";
const enc = new TextEncoder();
const dec = new TextDecoder();

export class DatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseError";
  }
}

export interface BatchOp {
  bucket: BucketName;
  key: Bytes;
  /** undefined = delete */
  value: Bytes | undefined;
}

/**
 * One classic-level database per node. Every block import is one `writeBatch` call: block, state
 * changes and new head land atomically or not at all, so a `kill -9` never leaves half an import.
 */
export class NodeDb {
  private constructor(
    private readonly level: Level,
    private readonly buckets: Record<BucketName, Bucket>,
    readonly path: string,
  ) {}

  /**
   * Opens (or creates) the database at `path` for the network whose genesis hash is `genesisHashHex`.
   * Refuses a database written for another genesis, another schema, or one LevelDB cannot read.
   */
  static async open(path: string, genesisHashHex: string): Promise<NodeDb> {
    return NodeDb.openLevel(path, genesisHashHex, true);
  }

  /**
   * Opens the database a node left at `path` (stopped or killed) to read it, with `open`'s checks, but never
   * creates one: a missing database, or one without the identity a node writes when it first opens it, is
   * refused. Nothing is written but what LevelDB itself does on open (it replays its write-ahead log, as the
   * node's restart would).
   */
  static async openExisting(path: string, genesisHashHex: string): Promise<NodeDb> {
    // LevelDB creates the directory and its LOCK file before it finds out that there is no database.
    if (!existsSync(join(path, "CURRENT")))
      throw new DatabaseError(
        `no database at ${path} (no CURRENT file): nothing was opened or created. Pass the --data-dir of a node that has run.`,
      );
    return NodeDb.openLevel(path, genesisHashHex, false);
  }

  private static async openLevel(path: string, genesisHashHex: string, create: boolean): Promise<NodeDb> {
    const level: Level = new ClassicLevel<Bytes, Bytes>(path, {
      keyEncoding: "view",
      valueEncoding: "view",
      createIfMissing: create,
    });
    try {
      await level.open();
    } catch (err) {
      const cause =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      throw new DatabaseError(
        `cannot open database at ${path}: ${cause}. If another process uses it, stop that process; if it is corrupt, move it away or start with a fresh --data-dir.`,
      );
    }
    const buckets = Object.fromEntries(BUCKETS.map((name) => [name, openBucket(level, name)])) as Record<
      BucketName,
      Bucket
    >;
    const db = new NodeDb(level, buckets, path);
    try {
      await db.checkIdentity(genesisHashHex, create);
    } catch (err) {
      await level.close();
      throw err;
    }
    return db;
  }

  /** `create`: a database without identity is a new one (written now); else it is refused. */
  private async checkIdentity(genesisHashHex: string, create: boolean): Promise<void> {
    const storedGenesis = await this.getMeta("genesis_hash");
    const storedSchema = await this.getMeta("schema_version");
    if (storedGenesis === undefined && !create) {
      throw new DatabaseError(
        `database at ${this.path} has no genesis hash: no node ever finished opening it. Pass the --data-dir of a node that has run.`,
      );
    }
    if (storedGenesis === undefined) {
      await this.writeBatch([
        { bucket: "meta", key: enc.encode("genesis_hash"), value: enc.encode(genesisHashHex) },
        { bucket: "meta", key: enc.encode("schema_version"), value: enc.encode(SCHEMA_VERSION) },
      ]);
      return;
    }
    if (storedGenesis !== genesisHashHex) {
      throw new DatabaseError(
        `database at ${this.path} belongs to another network (genesis ${storedGenesis}, this node's genesis is ${genesisHashHex}). Use another --data-dir, or delete it to start over.`,
      );
    }
    if (storedSchema !== SCHEMA_VERSION) {
      throw new DatabaseError(
        `database at ${this.path} has schema version ${storedSchema ?? "none"}, this node needs ${SCHEMA_VERSION}. Start with a fresh --data-dir.`,
      );
    }
  }

  async getMeta(key: string): Promise<string | undefined> {
    const value = await this.buckets.meta.get(enc.encode(key));
    return value === undefined ? undefined : dec.decode(value);
  }

  metaOp(key: string, value: string): BatchOp {
    return { bucket: "meta", key: enc.encode(key), value: enc.encode(value) };
  }

  async get(bucket: BucketName, key: Bytes): Promise<Bytes | undefined> {
    const value = await this.buckets[bucket].get(key);
    return value === undefined ? undefined : asView(value);
  }

  async has(bucket: BucketName, key: Bytes): Promise<boolean> {
    return (await this.buckets[bucket].get(key)) !== undefined;
  }

  /** Values with `gte <= key < lt`, in key order, at most `limit`. */
  async range(bucket: BucketName, gte: Bytes, lt: Bytes, limit = -1): Promise<Array<[Bytes, Bytes]>> {
    const out: Array<[Bytes, Bytes]> = [];
    for await (const [key, value] of this.buckets[bucket].iterator({ gte, lt, limit })) {
      out.push([asView(key), asView(value)]);
    }
    return out;
  }

  /** Keys with `gte <= key < lt`, in key order (values are not read). */
  async keys(bucket: BucketName, gte: Bytes, lt: Bytes): Promise<Bytes[]> {
    const out: Bytes[] = [];
    for await (const key of this.buckets[bucket].keys({ gte, lt })) out.push(asView(key));
    return out;
  }

  /** All operations land atomically (one LevelDB write batch, synced to disk). */
  async writeBatch(ops: readonly BatchOp[]): Promise<void> {
    if (ops.length === 0) return;
    const block = ops.find((op) => op.bucket === "beaconBlocks" || op.bucket === "shardBlocks");
    const held = block && blockWriteFailpoint(block.bucket);
    if (held) await held;
    const batch = this.level.batch();
    for (const op of ops) {
      const sub = this.buckets[op.bucket];
      if (op.value === undefined) batch.del(op.key, { sublevel: sub });
      else batch.put(op.key, op.value, { sublevel: sub });
    }
    await batch.write({ sync: true });
  }

  async close(): Promise<void> {
    await this.level.close();
  }
}

/** LevelDB hands back Buffers; callers get plain Uint8Array views over the same memory. */
function asView(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Big-endian uint64 key part so LevelDB's byte order equals numeric order. */
export function uint64Key(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

export function concatKey(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
