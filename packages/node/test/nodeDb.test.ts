import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { afterEach, describe, expect, it } from "vitest";
import { DatabaseError, NodeDb, uint64Key } from "../src/db/nodeDb.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "shardnet-db-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("NodeDb", () => {
  it("persists an atomic batch across reopen", async () => {
    const path = join(tempDir(), "db");
    const db = await NodeDb.open(path, "aa");
    await db.writeBatch([
      { bucket: "beaconBlocks", key: new Uint8Array([1]), value: new Uint8Array([9, 9]) },
      { bucket: "beaconBlockSlots", key: uint64Key(5), value: new Uint8Array([1]) },
      db.metaOp("head", "01"),
    ]);
    await db.close();
    const again = await NodeDb.open(path, "aa");
    expect(await again.get("beaconBlocks", new Uint8Array([1]))).toEqual(new Uint8Array([9, 9]));
    expect(await again.getMeta("head")).toBe("01");
    // buckets are separate key spaces
    expect(await again.get("shardBlocks", new Uint8Array([1]))).toBeUndefined();
    await again.close();
  });

  it("range returns keys in numeric order for uint64 keys", async () => {
    const db = await NodeDb.open(join(tempDir(), "db"), "aa");
    await db.writeBatch(
      [300, 2, 70000, 1].map((slot) => ({
        bucket: "beaconBlockSlots" as const,
        key: uint64Key(slot),
        value: uint64Key(slot),
      })),
    );
    const rows = await db.range("beaconBlockSlots", uint64Key(2), uint64Key(100000));
    expect(rows.map(([k]) => Number(new DataView(k.buffer, k.byteOffset).getBigUint64(0)))).toEqual([
      2, 300, 70000,
    ]);
    await db.close();
  });

  it("refuses a database of another genesis and leaves it unchanged", async () => {
    const path = join(tempDir(), "db");
    const db = await NodeDb.open(path, "aa");
    await db.close();
    await expect(NodeDb.open(path, "bb")).rejects.toThrow(/another network/);
    const reopened = await NodeDb.open(path, "aa");
    expect(await reopened.getMeta("genesis_hash")).toBe("aa");
    await reopened.close();
  });

  it("openExisting reads a node's database and refuses a missing one without creating it", async () => {
    const path = join(tempDir(), "db");
    await expect(NodeDb.openExisting(path, "aa")).rejects.toThrow(
      /no database at .*nothing was opened or created/,
    );
    expect(existsSync(path)).toBe(false);
    const db = await NodeDb.open(path, "aa");
    await db.writeBatch([db.metaOp("head", "01")]);
    await db.close();
    await expect(NodeDb.openExisting(path, "bb")).rejects.toThrow(/another network/);
    const existing = await NodeDb.openExisting(path, "aa");
    expect(await existing.getMeta("head")).toBe("01");
    await existing.close();
  });

  it("openExisting refuses a LevelDB no node opened (no genesis hash) and writes none into it", async () => {
    const path = join(tempDir(), "db");
    const bare = new ClassicLevel(path);
    await bare.open();
    await bare.close();
    await expect(NodeDb.openExisting(path, "aa")).rejects.toThrow(/no genesis hash/);
    await bare.open();
    expect(await bare.keys().all()).toEqual([]);
    await bare.close();
  });

  it("refuses a path that is not a database with a clear error", async () => {
    const path = join(tempDir(), "not-a-dir");
    writeFileSync(path, "hello");
    await expect(NodeDb.open(path, "aa")).rejects.toBeInstanceOf(DatabaseError);
  });
});
