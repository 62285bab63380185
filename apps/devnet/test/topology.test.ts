import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseGenesis } from "@shardnet/consensus";
import { describe, expect, it } from "vitest";
import { buildDevGenesis, writeGenesisFile } from "../src/genesisFile.js";
import { buildTopology, formatIndexList } from "../src/topology.js";

describe("devnet topology", () => {
  it("spreads every validator over the shard nodes exactly once, with distinct ports", () => {
    const topology = buildTopology({ nodes: 3, shards: 4, validators: 64, basePort: 9000 });
    expect(topology.map((n) => n.role)).toEqual(["beacon", "shard", "shard", "shard"]);
    const all = topology.flatMap((n) => n.validators).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 64 }, (_, i) => i));
    const ports = topology.flatMap((n) => [n.apiPort, n.p2pPort]);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it("refuses impossible shapes", () => {
    expect(() => buildTopology({ nodes: 0, shards: 4, validators: 64, basePort: 9000 })).toThrow(/--nodes/);
    expect(() => buildTopology({ nodes: 4, shards: 4, validators: 2, basePort: 9000 })).toThrow(
      /--validators/,
    );
  });

  it("formats index lists as ranges when contiguous", () => {
    expect(formatIndexList([0, 1, 2, 3])).toBe("0..3");
    expect(formatIndexList([5])).toBe("5");
    expect(formatIndexList([1, 3])).toBe("1,3");
  });
});

describe("dev genesis", () => {
  it("is accepted by parseGenesis and funds distinct dev accounts", () => {
    const json = buildDevGenesis(
      { validators: 8, shards: 4, preset: "local", genesisDelaySec: 5, devAccounts: 16 },
      1000,
    );
    const genesis = parseGenesis(json);
    expect(genesis.genesisTime).toBe(1005);
    expect(genesis.validators).toHaveLength(8);
    expect(new Set(json.accounts.map((a) => a.address)).size).toBe(16);
    expect(genesis.preset.SHARD_COUNT).toBe(4);
  });

  it("keeps an existing file of the same shape and refuses one of another shape", () => {
    const path = join(mkdtempSync(join(tmpdir(), "shardnet-genesis-")), "genesis.json");
    const first = writeGenesisFile(path, { validators: 8, shards: 2, preset: "local", genesisDelaySec: 5 });
    const again = writeGenesisFile(path, {
      validators: 8,
      shards: 2,
      preset: "local",
      genesisDelaySec: 50,
      reuseExisting: true,
    });
    expect(again.genesisTime).toBe(first.genesisTime);
    expect(JSON.parse(readFileSync(path, "utf8")).genesisTime).toBe(first.genesisTime);
    expect(() =>
      writeGenesisFile(path, {
        validators: 16,
        shards: 2,
        preset: "local",
        genesisDelaySec: 5,
        reuseExisting: true,
      }),
    ).toThrow(/--reset/);
  });
});
