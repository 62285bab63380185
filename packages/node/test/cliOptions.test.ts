import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatHelp, parseIndexList, parseOptions, UsageError } from "../src/config/cliOptions.js";

const table = {
  port: { kind: "number", description: "API port", default: 9000 },
  name: { kind: "string", description: "node name", default: "n" },
  pretty: { kind: "boolean", description: "pretty logs", default: false },
} as const;

describe("cli options", () => {
  it("applies precedence flag > env > config file > default", () => {
    const dir = mkdtempSync(join(tmpdir(), "shardnet-cfg-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ port: 1, name: "file", pretty: true }));
    const r = parseOptions(table, ["--config", file, "--port", "3"], { SHARDNET_NAME: "env" });
    expect(r.values).toEqual({ port: 3, name: "env", pretty: true });
    expect(parseOptions(table, [], {}).values).toEqual({ port: 9000, name: "n", pretty: false });
  });

  it("rejects unknown flags, bad numbers and unknown config keys", () => {
    expect(() => parseOptions(table, ["--nope"], {})).toThrow(UsageError);
    expect(() => parseOptions(table, ["--port", "x"], {})).toThrow(/--port must be a number/);
    const dir = mkdtempSync(join(tmpdir(), "shardnet-cfg-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ colour: "red" }));
    expect(() => parseOptions(table, ["--config", file], {})).toThrow(/unknown key "colour"/);
  });

  it("help lists every flag with its env var", () => {
    const help = formatHelp("x", "does x", table);
    for (const flag of ["--port", "--name", "--pretty", "--config", "--help", "SHARDNET_PORT"]) {
      expect(help).toContain(flag);
    }
    expect(parseOptions(table, ["--help"], {}).help).toBe(true);
  });

  it("parses index lists and ranges", () => {
    expect(parseIndexList("0..3,7,5..5", "v")).toEqual([0, 1, 2, 3, 5, 7]);
    expect(parseIndexList("", "v")).toEqual([]);
    expect(() => parseIndexList("3..1", "v")).toThrow(/backwards/);
    expect(() => parseIndexList("a", "v")).toThrow(/not an index/);
  });
});
