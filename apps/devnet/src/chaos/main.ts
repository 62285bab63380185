/**
 * npm run chaos -- --scenario <name|all> [--seed N] [--short] [--slots-per-epoch 8] [--slot-seconds 1] …
 *
 * Starts a devnet inside a network namespace of its own (unshare -n; root only) and drives faults from a
 * seeded schedule: partitions (nft), frozen nodes (SIGSTOP), kill -9 and restart, CPU starvation, the same
 * keys on two nodes, with light load throughout. It checks the five invariants of DESIGN.md §9 every epoch
 * and at the end, and invariants 1 and 5 again from every node's database after stop; it prints one row per
 * scenario and writes the same as JSON (<out>/chaos-report.json).
 * Exit status: 0 when every scenario passed, 1 when one failed, 2 on bad flags or when it cannot run here.
 */
import "@shardnet/p2p/polyfill";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatHelp, parseOptions, UsageError } from "@shardnet/node";
import { REPO_ROOT } from "../processes.js";
import { killAllNodes } from "./cluster.js";
import { insideOwnNamespace, loopbackUp, netnsUnavailable, reexecInOwnNamespace } from "./netns.js";
import { erroredResult, formatTable } from "./report.js";
import { runScenario, type ScenarioResult } from "./runner.js";
import { SCENARIOS, scenarioByName } from "./scenarios.js";

const options = {
  scenario: {
    kind: "string",
    description: `scenario to run, or all (every one but the soak): ${SCENARIOS.map((s) => s.name).join(", ")}`,
    default: "all",
  },
  seed: { kind: "number", description: "seed of the fault schedule and the load", default: 1 },
  minutes: { kind: "number", description: "soak: minutes of load with a fault every 2 minutes", default: 60 },
  short: {
    kind: "boolean",
    description: "the short version of each scenario (npm test runs these)",
    default: false,
  },
  "slots-per-epoch": { kind: "number", description: "slots per epoch", default: 8 },
  "slot-seconds": { kind: "number", description: "seconds per slot", default: 1 },
  "shard-nodes": { kind: "number", description: "shard nodes (plus one beacon node)", default: 4 },
  shards: { kind: "number", description: "shard count", default: 4 },
  validators: { kind: "number", description: "validators, spread evenly over the shard nodes", default: 32 },
  rate: { kind: "number", description: "light load: transfers per second during the faults", default: 3 },
  "base-port": { kind: "number", description: "first port (APIs; p2p at +100)", default: 27100 },
  out: {
    kind: "string",
    description: "report folder (chaos-report.json, per-scenario devnets and logs)",
    default: "chaos-results",
  },
  "log-level": { kind: "string", description: "node log level", default: "info" },
} as const;

function log(msg: string): void {
  process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function main(): Promise<number> {
  const { help, values } = parseOptions(options, process.argv.slice(2));
  if (help) {
    process.stdout.write(
      formatHelp(
        "npm run chaos --",
        "fault injection against a local devnet, with the invariants of DESIGN.md §9",
        options,
      ),
    );
    return 0;
  }
  const names =
    values.scenario === "all"
      ? SCENARIOS.filter((s) => !s.scriptOnly).map((s) => s.name)
      : values.scenario.split(",");
  for (const name of names)
    if (!scenarioByName(name))
      throw new UsageError(
        `unknown scenario "${name}": choose from ${SCENARIOS.map((s) => s.name).join(", ")} or all`,
      );
  if (values["slots-per-epoch"] < 4) throw new UsageError("--slots-per-epoch must be at least 4");
  if (values["slot-seconds"] < 1) throw new UsageError("--slot-seconds must be at least 1");
  if (values["shard-nodes"] < 4)
    throw new UsageError("--shard-nodes must be at least 4 (the partitions need four)");
  if (!insideOwnNamespace()) {
    const why = netnsUnavailable();
    if (why) {
      process.stderr.write(`chaos: ${why}\n`);
      return 2;
    }
    return await reexecInOwnNamespace();
  }
  loopbackUp();
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => {
      killAllNodes();
      process.exit(130);
    });
  const outDir = resolve(REPO_ROOT, values.out);
  mkdirSync(outDir, { recursive: true });
  const results: ScenarioResult[] = [];
  for (const name of names) {
    const scenario = scenarioByName(name)!;
    const started = Date.now();
    log(`scenario ${name} (seed ${values.seed}${values.short ? ", short" : ""}): ${scenario.summary}`);
    try {
      results.push(
        await runScenario(
          scenario,
          {
            seed: values.seed,
            short: values.short,
            slotSeconds: values["slot-seconds"],
            slotsPerEpoch: values["slots-per-epoch"],
            shardNodes: values["shard-nodes"],
            shards: values.shards,
            validators: values.validators,
            basePort: values["base-port"],
            outDir,
            loadRate: values.rate,
            logLevel: values["log-level"],
            minutes: values.minutes,
          },
          log,
        ),
      );
    } catch (err) {
      log(`scenario ${name} could not run to its end: ${(err as Error).stack}`);
      results.push(erroredResult(name, values.seed, values.short, err as Error, started));
    }
    const last = results[results.length - 1]!;
    log(`scenario ${name}: ${last.pass ? "PASS" : "FAIL"} in ${last.durationSeconds} s`);
  }
  const report = join(outDir, "chaos-report.json");
  writeFileSync(report, `${JSON.stringify({ results }, null, 2)}\n`);
  process.stdout.write(`\n${formatTable(results)}\n\nreport: ${report}\n`);
  return results.every((r) => r.pass) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof UsageError ? err.message : (err as Error).stack}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
