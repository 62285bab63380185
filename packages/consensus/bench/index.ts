/**
 * Benchmark runner: `npm run bench -w packages/consensus [-- beacon|shard]` (default: all suites in order).
 */
import { runBeaconBench } from "./beacon.js";
import { runShardBench } from "./shard.js";

const suites: Record<string, () => Promise<void>> = { beacon: runBeaconBench, shard: runShardBench };

const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(suites);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`unknown bench suite "${name}": use one of ${Object.keys(suites).join(", ")}`);
    process.exitCode = 2;
    break;
  }
  await suite();
}
