/**
 * Vector runner: `npm run vectors -- <kind> <path>`. Prints one line per suite part and exits non-zero
 * if any case failed or a directory held no cases. Add a kind with one line in VECTOR_KINDS.
 */
import path from "node:path";
import { runBlsVectors } from "./bls.js";
import type { VectorReport } from "./report.js";

type VectorSuite = (target: string) => Promise<VectorReport>;

const VECTOR_KINDS: Record<string, VectorSuite> = {
  bls: async (dir) => runBlsVectors(dir),
  shuffle: async (csv) => (await import("./shuffle.js")).runShuffleVectors(csv),
};

async function main(argv: readonly string[]): Promise<number> {
  const [kind, target] = argv;
  const suite = kind === undefined ? undefined : VECTOR_KINDS[kind];
  if (!suite || target === undefined) {
    console.error(`usage: npm run vectors -- <${Object.keys(VECTOR_KINDS).join("|")}> <path>`);
    return 2;
  }
  const report = await suite(path.resolve(target));
  for (const line of report.lines) console.log(line);
  console.log(
    `${kind}: ${report.total} case run(s), ${report.failed} failure(s)${report.total === 0 ? " (no cases: failing)" : ""}`,
  );
  return report.failed === 0 && report.total > 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
