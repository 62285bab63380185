/**
 * `npm run bench:scale`: the in-process cost of the protocol at 1, 4, 16 and 64 shards on the `scale` preset
 * (issue 17, "Sharding's scaling, measured"). Prints the table and the ratios to the goals, and writes
 * scale.md, scale.json and scale.svg into --out (default bench-results/scale).
 *   npm run bench:scale -- [--shards 1,4,16,64] [--transfers 500] [--cross-shard 0.3] [--runs 7] [--out dir]
 * CPU-heavy: run it alone (flock /tmp/shardnet-devnet.lock npm run bench:scale).
 */
import { parseArgs } from "node:util";
import { writeScaleReport } from "./output.js";
import { CAPACITY_DEFINITION, goalLines, textTable } from "./report.js";
import { DEFAULT_SCALE_OPTIONS, runScaleBench, type ScaleBenchOptions } from "./run.js";

function parseOptions(argv: string[]): { options: ScaleBenchOptions; out: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      shards: { type: "string" },
      transfers: { type: "string" },
      "cross-shard": { type: "string" },
      runs: { type: "string" },
      out: { type: "string", default: "bench-results/scale" },
    },
  });
  const d = DEFAULT_SCALE_OPTIONS;
  const options: ScaleBenchOptions = {
    shardCounts: values.shards ? values.shards.split(",").map(Number) : d.shardCounts,
    transfers: values.transfers ? Number(values.transfers) : d.transfers,
    crossShardShare: values["cross-shard"] ? Number(values["cross-shard"]) : d.crossShardShare,
    runs: values.runs ? Number(values.runs) : d.runs,
    log: (line) => console.log(line),
  };
  if (!options.shardCounts.every((n) => Number.isSafeInteger(n) && n >= 1))
    throw new Error("--shards: positive integers, comma-separated");
  if (!(Number.isSafeInteger(options.transfers) && options.transfers >= 1))
    throw new Error("--transfers: ≥ 1");
  if (!(options.crossShardShare >= 0 && options.crossShardShare <= 1))
    throw new Error("--cross-shard: in [0, 1]");
  if (!(Number.isSafeInteger(options.runs) && options.runs >= 1)) throw new Error("--runs: ≥ 1");
  return { options, out: values.out };
}

const { options, out } = parseOptions(process.argv.slice(2));
const report = runScaleBench(options);
console.log(
  `\nPer slot, scale preset (${report.slotSeconds}-s slots); medians of ${report.runs} samples. ${CAPACITY_DEFINITION}`,
);
console.log(textTable(report));
for (const line of goalLines(report.goals)) console.log(line);
console.log(
  `load average (1 min) at the end: ${report.environment.loadAverage1m.toFixed(2)} on ${report.environment.cpus} cores`,
);
for (const path of writeScaleReport(report, out)) console.log(`wrote ${path}`);
