import { readFileSync } from "node:fs";
import { computeShuffledIndex, fromHex, shuffleList, unshuffleList } from "@shardnet/consensus";
import type { VectorReport } from "./report.js";

function parseList(field: string): number[] {
  return field === "" ? [] : field.split(":").map(Number);
}

function sameList(a: ArrayLike<number>, b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks `computeShuffledIndex`, `shuffleList` and `unshuffleList` against a swap-or-not CSV
 * (`seed_hex,list_size,start_list,shuffled_list`, lists joined by `:`): one line per failing row.
 */
export function runShuffleVectors(csvPath: string): VectorReport {
  const lines = readFileSync(csvPath, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const failures: string[] = [];
  for (const [lineNo, line] of lines.entries()) {
    const [seedHex = "", sizeField = "", startField = "", shuffledField = ""] = line.split(",");
    const where = `${csvPath}:${lineNo + 1}`;
    try {
      const seed = fromHex(seedHex, "seed", 32);
      const size = Number(sizeField);
      const start = parseList(startField);
      const shuffled = parseList(shuffledField);
      if (start.length !== size || shuffled.length !== size)
        throw new Error(`list lengths differ from size ${size}`);
      for (let i = 0; i < size; i++) {
        if (shuffled[computeShuffledIndex(i, size, seed)] !== start[i]) {
          throw new Error(`computeShuffledIndex(${i}, ${size}) disagrees`);
        }
      }
      if (!sameList(shuffleList(start, seed), shuffled)) throw new Error("shuffleList disagrees");
      if (!sameList(unshuffleList(shuffled, seed), start)) throw new Error("unshuffleList disagrees");
    } catch (e) {
      failures.push(`${where}: ${(e as Error).message}`);
    }
  }
  const summary = `shuffle (computeShuffledIndex, shuffleList, unshuffleList): ${lines.length - failures.length}/${lines.length} rows`;
  return {
    lines: [summary, ...failures.map((f) => `  FAIL ${f}`)],
    failed: failures.length + (lines.length === 0 ? 1 : 0),
    total: lines.length,
  };
}
