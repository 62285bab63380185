/**
 * `--genesis-url` (issue 18): a node joining from another machine downloads the genesis from any running node
 * (`GET /v1/genesis`) and, with `--genesis-hash`, refuses one that is not pinned. Real parts: a ShardnetNode with
 * its HTTP API on 127.0.0.1 and LevelDB in a temp dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fetchGenesis, type ShardnetNode } from "../src/index.js";
import { startNode, writeSmallGenesis } from "./realNodes.js";

describe("genesis from a running node's API", () => {
  const dir = mkdtempSync(join(tmpdir(), "genesis-url-"));
  let node: ShardnetNode | undefined;

  afterAll(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("downloads the same genesis (same hash), refuses a wrong pin naming both hashes, and an unreachable node", async () => {
    const loaded = writeSmallGenesis(dir, "genesis-url", 4);
    node = await startNode(dir, loaded, "n", []);
    const url = node.apiUrl();

    const fetched = await fetchGenesis(url);
    expect(fetched.hashHex).toBe(loaded.hashHex);
    expect(fetched.forkDigest).toBe(loaded.forkDigest);
    expect(fetched.genesis.validators).toHaveLength(8);
    expect((await fetchGenesis(`${url}/`, `0x${loaded.hashHex}`)).hashHex).toBe(loaded.hashHex);

    const wrong = "ab".repeat(32);
    await expect(fetchGenesis(url, wrong)).rejects.toThrow(
      `has hash 0x${loaded.hashHex}, not the 0x${wrong} that --genesis-hash pins`,
    );
    await node.stop();
    node = undefined;
    await expect(fetchGenesis(url)).rejects.toThrow(/cannot download the genesis from .*\/v1\/genesis/);
  }, 30_000);
});
