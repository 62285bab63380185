/**
 * The node's block-write failpoint, which chaos kill-loop uses to kill a node inside a block import: a process
 * writing a block announces the write on stderr and holds it; a kill -9 on that announcement leaves the block
 * off disk (the import never completed), and without a kill the block is written. Real parts: a child process
 * with NodeDb on LevelDB in a temp dir (compiled @shardnet/node, which `npm test` builds first).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BLOCK_WRITE_FAILPOINT_ENV, BLOCK_WRITE_FAILPOINT_MARKER, NodeDb } from "@shardnet/node";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/processes.js";

const dir = mkdtempSync(join(tmpdir(), "block-write-failpoint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A process that opens a NodeDb at `path`, writes one shard block row, prints "written" and exits. */
function writer(path: string, delay: string): { child: ChildProcess; out: () => string; err: () => string } {
  const script = `import { NodeDb } from "@shardnet/node";
const db = await NodeDb.open(${JSON.stringify(path)}, "test");
await db.writeBatch([{ bucket: "shardBlocks", key: Uint8Array.of(1), value: Uint8Array.of(2) }]);
process.stdout.write("written\\n");
await db.close();`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    cwd: REPO_ROOT,
    env: { ...process.env, [BLOCK_WRITE_FAILPOINT_ENV]: delay },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  return { child, out: () => out, err: () => err };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

async function storedBlock(path: string): Promise<Uint8Array | undefined> {
  const db = await NodeDb.open(path, "test");
  try {
    return await db.get("shardBlocks", Uint8Array.of(1));
  } finally {
    await db.close();
  }
}

describe("block-write failpoint", () => {
  it("a kill -9 when the write is announced leaves the block off disk", async () => {
    const path = join(dir, "killed");
    const w = writer(path, "5000");
    const done = exited(w.child);
    w.child.stderr?.on("data", (c: Buffer) => {
      if (c.includes(BLOCK_WRITE_FAILPOINT_MARKER)) w.child.kill("SIGKILL");
    });
    await done;
    expect(w.child.signalCode).toBe("SIGKILL");
    expect(w.err()).toContain(`${BLOCK_WRITE_FAILPOINT_MARKER} shardBlocks holding the write 5000 ms`);
    expect(w.out()).toBe("");
    expect(await storedBlock(path)).toBeUndefined();
  }, 60_000);

  it("without a kill the held write lands; a bad setting stops the process with a message", async () => {
    const path = join(dir, "kept");
    const w = writer(path, "20");
    expect(await exited(w.child)).toBe(0);
    expect(w.err()).toContain(BLOCK_WRITE_FAILPOINT_MARKER);
    expect(w.out()).toBe("written\n");
    expect(await storedBlock(path)).toEqual(Uint8Array.of(2));

    const bad = writer(join(dir, "bad"), "soon");
    expect(await exited(bad.child)).not.toBe(0);
    expect(bad.err()).toContain(
      `${BLOCK_WRITE_FAILPOINT_ENV} must be whole milliseconds 0..10000, got "soon"`,
    );
  }, 60_000);
});
