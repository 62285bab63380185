import { readFileSync } from "node:fs";
import { computeShuffledIndex, fromHex, shuffleList, unshuffleList } from "@shardnet/consensus";

export interface ShuffleVectorResult {
  total: number;
  passed: number;
  failures: string[];
}

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
 * (`seed_hex,list_size,start_list,shuffled_list`, lists joined by `:`). Returns the failures; prints a summary.
 */
export function runShuffleVectors(csvPath: string): ShuffleVectorResult {
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
      if (start.length !== size || shuffled.length !== size) throw new Error(`list lengths differ from size ${size}`);
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
  const result = { total: lines.length, passed: lines.length - failures.length, failures };
  console.log(`shuffle: ${result.passed}/${result.total} vectors passed`);
  for (const failure of failures) console.log(`  FAIL ${failure}`);
  return result;
}
