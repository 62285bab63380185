/**
 * Devnet benchmark (`npm run bench:devnet`): starts an idle devnet (one beacon node + N shard nodes as
 * local processes), lets it run a few epochs, scrapes every node's /metrics at the start and at the end of
 * the measurement window, and prints per node, from the histogram buckets of that window:
 *   - p99 of shardnet_block_import_seconds per chain, as a share of the slot (goal ≤ 10%),
 *   - p99 of shardnet_duty_seconds over all phases, as a share of the slot (goal ≤ 10%),
 *   - crosslink latency p50 / p99 in slots from shardnet_crosslink_latency_seconds (goal p50 ≤ 1 slot),
 * with the ratio to each goal (≤ 1.00 meets it). Quantiles are estimated like Prometheus'
 * histogram_quantile: linear interpolation inside the bucket holding the rank. Every node is stopped at
 * the end, also on errors and Ctrl-C.
 */
import "@shardnet/p2p/polyfill";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { formatHelp, parseOptions, UsageError } from "@shardnet/node";
import { writeGenesisFile } from "./genesisFile.js";
import {
  APP_ENTRY,
  getJson,
  REPO_ROOT,
  sleep,
  spawnNode,
  stopProcess,
  waitNodeLive,
  waitNodesHealthy,
} from "./processes.js";
import type { NodeStatus } from "./statusTypes.js";
import { buildTopology, type NodeSpec, nodeArgs } from "./topology.js";

const SLOTS_PER_EPOCH = 8;
const GOAL_IMPORT_SHARE = 0.1;
const GOAL_DUTY_SHARE = 0.1;
const GOAL_CROSSLINK_P50_SLOTS = 1;

const options = {
  nodes: { kind: "number", description: "shard nodes (plus one beacon node)", default: 4 },
  shards: { kind: "number", description: "shard count", default: 4 },
  validators: { kind: "number", description: "validators, spread evenly over the shard nodes", default: 64 },
  "slot-seconds": { kind: "number", description: "seconds per slot", default: 2 },
  epochs: {
    kind: "number",
    description: "epochs in the measurement window (it starts at epoch 1)",
    default: 3,
  },
  "base-port": {
    kind: "number",
    description: "beacon API port; shard nodes follow; p2p ports at +100",
    default: 19700,
  },
  "genesis-delay": {
    kind: "number",
    description: "seconds from now to genesis (nodes need several seconds to start)",
    default: 25,
  },
  dir: {
    kind: "string",
    description: "working directory (default: a new temp dir, removed at the end)",
    default: "",
  },
  json: { kind: "boolean", description: "also print the results as one JSON line", default: false },
} as const;

// --- Prometheus text parsing and histogram quantiles ---------------------------------------------------

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition format (comments skipped). */
export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    const body = m[3] ?? "";
    for (const lm of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]!] = lm[2]!;
    const v = m[4]!;
    out.push({ name: m[1]!, labels, value: v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : Number(v) });
  }
  return out;
}

/** Cumulative buckets (upper bound → count, including +Inf), count and sum of one histogram. */
export interface Histogram {
  buckets: Map<number, number>;
  count: number;
  sum: number;
}

/**
 * The histogram `name` from parsed samples, summed over every label set matching `filter` (so "all phases"
 * is the sum of the per-phase histograms, as `sum by (le)` does in PromQL).
 */
export function histogramOf(
  samples: Sample[],
  name: string,
  filter: (labels: Record<string, string>) => boolean = () => true,
): Histogram {
  const h: Histogram = { buckets: new Map(), count: 0, sum: 0 };
  for (const s of samples) {
    if (!filter(s.labels)) continue;
    if (s.name === `${name}_bucket`) {
      const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
      h.buckets.set(le, (h.buckets.get(le) ?? 0) + s.value);
    } else if (s.name === `${name}_count`) {
      h.count += s.value;
    } else if (s.name === `${name}_sum`) {
      h.sum += s.value;
    }
  }
  return h;
}

/** `after - before` (observations made in between), bucket by bucket. */
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  const buckets = new Map<number, number>();
  for (const [le, n] of after.buckets) buckets.set(le, n - (before.buckets.get(le) ?? 0));
  return { buckets, count: after.count - before.count, sum: after.sum - before.sum };
}

/**
 * Quantile q (0..1) estimated from cumulative buckets the way Prometheus' histogram_quantile does: find
 * the first bucket whose cumulative count reaches q·total and interpolate linearly between its lower and
 * upper bound (lower bound 0 for the first bucket); a rank in the +Inf bucket returns the largest finite
 * bound. NaN without observations.
 */
export function histogramQuantile(q: number, h: Histogram): number {
  const bounds = [...h.buckets.keys()].sort((a, b) => a - b);
  if (bounds.length === 0) return Number.NaN;
  const total = h.buckets.get(bounds[bounds.length - 1]!) ?? 0;
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const bound of bounds) {
    const count = h.buckets.get(bound) ?? 0;
    if (count >= rank) {
      if (bound === Infinity) return prevBound;
      if (count === prevCount) return bound;
      return prevBound + ((bound - prevBound) * (rank - prevCount)) / (count - prevCount);
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

// --- the benchmark --------------------------------------------------------------------------------------

interface RunningNode {
  spec: NodeSpec;
  api: string;
  child: ChildProcess;
  logFile: string;
}

interface NodeResult {
  node: string;
  beaconImportP99Ms: number;
  beaconImports: number;
  shardImportP99Ms: number;
  shardImports: number;
  dutyP99Ms: number;
  dutyP50Ms: number;
  /** p99 per phase, ms. */
  dutyPhaseP99Ms: Record<string, number>;
  duties: number;
  crosslinkP50Slots: number;
  crosslinkP99Slots: number;
  crosslinkMeanSlots: number;
  crosslinks: number;
}

const children: ChildProcess[] = [];
let stopping = false;

async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(children.map((c) => stopProcess(c, 3000)));
}

function log(msg: string): void {
  process.stdout.write(`[bench:devnet ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function startNode(
  spec: NodeSpec,
  dir: string,
  genesisPath: string,
  bootnode: string,
): Promise<RunningNode> {
  const nodeDir = join(dir, spec.name);
  mkdirSync(nodeDir, { recursive: true });
  const args = nodeArgs(spec, nodeDir, genesisPath, bootnode, "warn");
  const logFile = join(nodeDir, "node.log");
  const child = spawnNode(spec.role === "beacon" ? APP_ENTRY.beacon : APP_ENTRY.shard, args, logFile);
  children.push(child);
  child.once("exit", (code, signal) => {
    if (!stopping) log(`${spec.name} exited (code ${code}, signal ${signal}); see ${logFile}`);
  });
  const api = `http://127.0.0.1:${spec.apiPort}`;
  await waitNodeLive(spec.name, api, child, logFile);
  return { spec, api, child, logFile };
}

async function scrape(nodes: RunningNode[]): Promise<Map<string, Sample[]>> {
  const out = new Map<string, Sample[]>();
  await Promise.all(
    nodes.map(async (n) => {
      const res = await fetch(`${n.api}/metrics`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`GET ${n.api}/metrics → ${res.status}`);
      out.set(n.spec.name, parsePrometheusText(await res.text()));
    }),
  );
  return out;
}

function analyse(node: string, before: Sample[], after: Sample[], slotSeconds: number): NodeResult {
  const window = (name: string, filter?: (l: Record<string, string>) => boolean) =>
    histogramDelta(histogramOf(after, name, filter), histogramOf(before, name, filter));
  const beaconImport = window("shardnet_block_import_seconds", (l) => l.chain === "beacon");
  const shardImport = window("shardnet_block_import_seconds", (l) => l.chain === "shard");
  const duty = window("shardnet_duty_seconds");
  const phases = [
    ...new Set(
      after.filter((s) => s.name === "shardnet_duty_seconds_count").map((s) => s.labels.phase ?? ""),
    ),
  ];
  const dutyPhaseP99Ms: Record<string, number> = {};
  for (const phase of phases.sort()) {
    const h = window("shardnet_duty_seconds", (l) => l.phase === phase);
    dutyPhaseP99Ms[phase] = histogramQuantile(0.99, h) * 1000;
  }
  const crosslink = window("shardnet_crosslink_latency_seconds");
  return {
    node,
    beaconImportP99Ms: histogramQuantile(0.99, beaconImport) * 1000,
    beaconImports: beaconImport.count,
    shardImportP99Ms: histogramQuantile(0.99, shardImport) * 1000,
    shardImports: shardImport.count,
    dutyP99Ms: histogramQuantile(0.99, duty) * 1000,
    dutyP50Ms: histogramQuantile(0.5, duty) * 1000,
    dutyPhaseP99Ms,
    duties: duty.count,
    crosslinkP50Slots: histogramQuantile(0.5, crosslink) / slotSeconds,
    crosslinkP99Slots: histogramQuantile(0.99, crosslink) / slotSeconds,
    crosslinkMeanSlots: crosslink.count > 0 ? crosslink.sum / crosslink.count / slotSeconds : Number.NaN,
    crosslinks: crosslink.count,
  };
}

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "-";
}

function printTable(results: NodeResult[], slotSeconds: number): void {
  const slotMs = slotSeconds * 1000;
  const share = (ms: number) => (Number.isFinite(ms) ? `${fmt((100 * ms) / slotMs, 2)}%` : "-");
  const ratio = (value: number, goal: number) => (Number.isFinite(value) ? `${fmt(value / goal, 2)}x` : "-");
  const header = [
    "node",
    "beacon import p99",
    "shard import p99",
    "duty p99 (all phases)",
    "duty p50",
    "duty p99 by phase (ms)",
    "crosslink p50 / p99 / mean",
    "ratio import",
    "ratio duty",
    "ratio crosslink",
  ];
  const rows = results.map((r) => {
    const importShare = Math.max(
      Number.isFinite(r.beaconImportP99Ms) ? r.beaconImportP99Ms : 0,
      Number.isFinite(r.shardImportP99Ms) ? r.shardImportP99Ms : 0,
    );
    return [
      r.node,
      `${fmt(r.beaconImportP99Ms)} ms = ${share(r.beaconImportP99Ms)} (n=${r.beaconImports})`,
      `${fmt(r.shardImportP99Ms)} ms = ${share(r.shardImportP99Ms)} (n=${r.shardImports})`,
      `${fmt(r.dutyP99Ms)} ms = ${share(r.dutyP99Ms)} (n=${r.duties})`,
      `${fmt(r.dutyP50Ms)} ms`,
      Object.entries(r.dutyPhaseP99Ms)
        .map(([phase, ms]) => `${phase} ${fmt(ms, 0)}`)
        .join(", ") || "-",
      `${fmt(r.crosslinkP50Slots)} / ${fmt(r.crosslinkP99Slots)} / ${fmt(r.crosslinkMeanSlots)} slots (n=${r.crosslinks})`,
      ratio(importShare / slotMs, GOAL_IMPORT_SHARE),
      ratio(r.dutyP99Ms / slotMs, GOAL_DUTY_SHARE),
      ratio(r.crosslinkP50Slots, GOAL_CROSSLINK_P50_SLOTS),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  process.stdout.write(
    `\n${line(header)}\n${line(widths.map((w) => "-".repeat(w)))}\n${rows.map(line).join("\n")}\n`,
  );
  process.stdout.write(
    `goals: block import p99 ≤ ${GOAL_IMPORT_SHARE * 100}% of the slot (ratio uses the slower chain), duty p99 ≤ ${GOAL_DUTY_SHARE * 100}% of the slot, ` +
      `crosslink latency p50 ≤ ${GOAL_CROSSLINK_P50_SLOTS} slot; ratio = measured / goal (≤ 1.00x meets the goal). ` +
      `Quantiles interpolate inside histogram buckets (histogram_quantile); crosslink latencies are whole slots, so the mean is exact.\n`,
  );
}

async function main(): Promise<void> {
  const { help, values } = parseOptions(options, process.argv.slice(2));
  if (help) {
    process.stdout.write(
      formatHelp("npm run bench:devnet --", "benchmark an idle local devnet from its /metrics", options),
    );
    return;
  }
  const slotSeconds = values["slot-seconds"];
  const epochs = values.epochs;
  if (!(slotSeconds > 0)) throw new UsageError(`--slot-seconds must be > 0, got ${slotSeconds}`);
  if (!(epochs >= 1)) throw new UsageError(`--epochs must be ≥ 1, got ${epochs}`);
  const ownDir = values.dir === "";
  const dir = ownDir ? mkdtempSync(join(tmpdir(), "shardnet-bench-devnet-")) : resolve(REPO_ROOT, values.dir);
  if (!ownDir) mkdirSync(dir, { recursive: true });
  process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
  process.on("SIGTERM", () => void stopAll().then(() => process.exit(143)));

  let ok = false;
  try {
    const topology = buildTopology({
      nodes: values.nodes,
      shards: values.shards,
      validators: values.validators,
      basePort: values["base-port"],
    });
    // A given --dir is reused: only what this benchmark writes there (genesis, per-node dirs) is replaced.
    for (const spec of topology) rmSync(join(dir, spec.name), { recursive: true, force: true });
    const genesisPath = join(dir, "genesis.json");
    const genesis = writeGenesisFile(genesisPath, {
      validators: values.validators,
      shards: values.shards,
      preset: "local",
      secondsPerSlot: slotSeconds,
      genesisDelaySec: values["genesis-delay"],
    });
    const genesisMs = genesis.genesisTime * 1000;
    const slotStart = (slot: number) => genesisMs + slot * slotSeconds * 1000;
    log(
      `${values.nodes} shard nodes, ${values.shards} shards, ${values.validators} validators, ${slotSeconds}-second slots; ` +
        `window epochs 1..${epochs} (slots ${SLOTS_PER_EPOCH}..${(epochs + 1) * SLOTS_PER_EPOCH - 1}); dir ${dir}`,
    );

    const [beaconSpec, ...shardSpecs] = topology;
    const beacon = await startNode(beaconSpec!, dir, genesisPath, "");
    const beaconStatus = await getJson<NodeStatus>(`${beacon.api}/v1/node/status`);
    const bootnode = `/ip4/127.0.0.1/tcp/${beaconSpec!.p2pPort}/p2p/${beaconStatus.peerId}`;
    const shardNodes = await Promise.all(shardSpecs.map((s) => startNode(s, dir, genesisPath, bootnode)));
    const nodes = [beacon, ...shardNodes];
    await waitNodesHealthy(nodes.map((n) => ({ name: n.spec.name, api: n.api })));
    const lead = (genesisMs - Date.now()) / 1000;
    log(
      `all nodes healthy; genesis in ${lead.toFixed(1)} s${lead < 0 ? " (raise --genesis-delay: nodes started after genesis)" : ""}`,
    );

    // Window: from the start of epoch 1 (startup and the first epoch's settling excluded) for `epochs` epochs.
    const windowStart = slotStart(SLOTS_PER_EPOCH) + 250;
    const windowEnd = slotStart((epochs + 1) * SLOTS_PER_EPOCH) + 250;
    if (Date.now() > windowStart)
      throw new Error("nodes became healthy after the window start; raise --genesis-delay");
    await sleep(windowStart - Date.now());
    const before = await scrape(nodes);
    log(
      `window start (slot ${SLOTS_PER_EPOCH}): scraped ${nodes.length} nodes; measuring for ${epochs} epochs…`,
    );
    while (Date.now() < windowEnd) {
      await sleep(Math.min(SLOTS_PER_EPOCH * slotSeconds * 1000, windowEnd - Date.now()));
      const s = await getJson<NodeStatus>(`${beacon.api}/v1/node/status`).catch(() => undefined);
      if (s) {
        log(
          `slot ${s.slot}: head ${s.head.slot}, justified ${s.justified.epoch}, finalized ${s.finalized.epoch}, crosslinks [${s.crosslinkCounts.join(",")}]`,
        );
      }
    }
    const after = await scrape(nodes);
    log(
      `window end: load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} on ${cpus().length} cores`,
    );
    const finalStatus = await getJson<NodeStatus>(`${beacon.api}/v1/node/status`);
    const results = nodes.map((n) =>
      analyse(n.spec.name, before.get(n.spec.name) ?? [], after.get(n.spec.name) ?? [], slotSeconds),
    );
    printTable(results, slotSeconds);
    process.stdout.write(
      `beacon at the end: slot ${finalStatus.slot}, head ${finalStatus.head.slot}, finalized epoch ${finalStatus.finalized.epoch}, crosslinks per shard [${finalStatus.crosslinkCounts.join(",")}]\n`,
    );
    if (values.json) process.stdout.write(`${JSON.stringify({ slotSeconds, epochs, results })}\n`);
    ok = true;
  } finally {
    await stopAll();
    if (ownDir && ok) rmSync(dir, { recursive: true, force: true });
    else if (!ok) log(`node logs kept in ${dir}/<node>/node.log`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch(async (err) => {
    process.stderr.write(`bench:devnet: ${err instanceof UsageError ? err.message : (err as Error).stack}\n`);
    await stopAll();
    process.exit(1);
  });
}
