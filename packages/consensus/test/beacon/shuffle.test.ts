import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { computeShuffledIndex, shuffleList, unshuffleList } from "../../src/shuffling/shuffle.js";
import { fromHex } from "../../src/util/bytes.js";

const repoRoot = path.resolve(import.meta.dirname, "../../../..");
const csvPath = path.resolve(repoRoot, "../shared/vectors/shuffle/swap-or-not-90-rounds.csv");

interface Row {
  seed: Uint8Array;
  size: number;
  start: number[];
  shuffled: number[];
}

function parseList(field: string): number[] {
  return field === "" ? [] : field.split(":").map(Number);
}

const rows: Row[] = readFileSync(csvPath, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((raw) => {
    const line = raw.trim();
    const [seedHex = "", size = "", start = "", shuffled = ""] = line.split(",");
    return {
      seed: fromHex(seedHex, "seed", 32),
      size: Number(size),
      start: parseList(start),
      shuffled: parseList(shuffled),
    };
  });

describe("swap-or-not shuffle vectors", () => {
  it("has vectors to check", () => {
    expect(rows.length).toBeGreaterThan(10);
  });

  it("computeShuffledIndex: shuffled[computeShuffledIndex(i)] = start[i]", () => {
    for (const row of rows) {
      if (row.size > 100) continue; // the whole-list test covers large lists
      for (let i = 0; i < row.size; i++) {
        expect(row.shuffled[computeShuffledIndex(i, row.size, row.seed)]).toBe(row.start[i]);
      }
    }
  });

  it("shuffleList matches the shuffled list; unshuffleList inverts it", () => {
    for (const row of rows) {
      expect(Array.from(shuffleList(row.start, row.seed))).toEqual(row.shuffled);
      expect(Array.from(unshuffleList(row.shuffled, row.seed))).toEqual(row.start);
    }
  });

  it("unshuffleList(list)[k] = list[computeShuffledIndex(k)]", () => {
    const seed = rows[5]?.seed ?? new Uint8Array(32);
    const input = Array.from({ length: 777 }, (_, i) => i * 3);
    const out = unshuffleList(input, seed);
    for (let k = 0; k < input.length; k += 7)
      expect(out[k]).toBe(input[computeShuffledIndex(k, input.length, seed)]);
  });

  it("rejects a bad seed and an out-of-range index", () => {
    expect(() => computeShuffledIndex(0, 4, new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => computeShuffledIndex(4, 4, new Uint8Array(32))).toThrow(/outside/);
  });
});
