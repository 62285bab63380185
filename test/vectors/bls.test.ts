import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BLS_HANDLERS, runBlsVectors } from "./bls.js";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BLS_VECTORS = path.resolve(REPO_ROOT, "../shared/vectors/bls");

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempVectorDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "shardnet-bls-vectors-"));
  tempDirs.push(dir);
  return dir;
}

function copyCase(
  handler: string,
  file: string,
  into: string,
  edit?: (json: { output: unknown }) => void,
): void {
  const json = JSON.parse(readFileSync(path.join(BLS_VECTORS, handler, file), "utf8")) as { output: unknown };
  edit?.(json);
  mkdirSync(path.join(into, handler), { recursive: true });
  writeFileSync(path.join(into, handler, file), JSON.stringify(json));
}

describe("BLS vector runner", () => {
  it("passes every shared Ethereum BLS vector on every backend", () => {
    const report = runBlsVectors(BLS_VECTORS);
    expect(report.lines.filter((line) => line.includes("FAIL"))).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.total).toBeGreaterThan(100);
    for (const handler of BLS_HANDLERS) {
      expect(report.lines.some((line) => line.startsWith(`${handler} blst `))).toBe(true);
      expect(report.lines.some((line) => line.startsWith(`${handler} noble `))).toBe(true);
    }
    expect(report.lines).toContain("hash_to_G2 blst skipped: not exposed");
    expect(report.lines).toContain("hash_to_G2 noble 2/2");
  });

  it("reports a case whose expected output is wrong as a failure on each backend", () => {
    const dir = tempVectorDir();
    copyCase("verify", "verify_valid_case_195246ee3bd3b6ec.json", dir, (json) => {
      json.output = false;
    });
    copyCase("deserialization_G1", "deserialization_fails_not_in_curve.json", dir, (json) => {
      json.output = true;
    });
    const report = runBlsVectors(dir);
    expect(report.failed).toBe(4);
    expect(report.lines).toContain("verify blst 0/1");
    expect(report.lines).toContain("deserialization_G1 noble 0/1");
  });

  it("fails on an empty handler directory, an unknown handler and an empty root", () => {
    const dir = tempVectorDir();
    expect(runBlsVectors(dir).failed).toBe(1);
    mkdirSync(path.join(dir, "verify"));
    mkdirSync(path.join(dir, "not_a_handler"));
    const report = runBlsVectors(dir);
    expect(report.failed).toBe(2);
    expect(report.total).toBe(0);
  });
});
