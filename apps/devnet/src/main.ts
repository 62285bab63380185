import "@shardnet/p2p/polyfill";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatHelp, parseOptions, UsageError } from "@shardnet/node";
import { writeGenesisFile } from "./genesisFile.js";
import {
  APP_ENTRY,
  getJson,
  REPO_ROOT,
  runModeOf,
  sleep,
  spawnNode,
  stopProcess,
  waitNodeLive,
  waitNodesHealthy,
} from "./processes.js";
import type { EndpointEntry, NodeStatus } from "./statusTypes.js";
import { buildTopology, formatIndexList, type NodeSpec, nodeArgs } from "./topology.js";

const options = {
  nodes: { kind: "number", description: "shard nodes to start (plus one beacon node)", default: 4 },
  shards: { kind: "number", description: "shard count", default: 4 },
  validators: { kind: "number", description: "validators, spread evenly over the shard nodes", default: 64 },
  "slot-seconds": { kind: "number", description: "seconds per slot", default: 2 },
  preset: { kind: "string", description: "preset: local | scale", default: "local" },
  "base-port": {
    kind: "number",
    description: "first port: beacon API; nodes follow; p2p ports at +100",
    default: 9000,
  },
  dir: {
    kind: "string",
    description: "devnet directory (genesis, data, logs, endpoints.json)",
    default: ".devnet",
  },
  reset: { kind: "boolean", description: "wipe the devnet directory first", default: false },
  "genesis-delay": {
    kind: "number",
    description: "seconds from now to genesis (nodes need a few seconds each to start)",
    default: 15,
  },
  "status-lines": { kind: "boolean", description: "print one status line per slot", default: true },
  "log-level": { kind: "string", description: "node log level", default: "info" },
} as const;

const children = new Map<string, ChildProcess>();
let stopping = false;

async function stopAll(code: number): Promise<never> {
  stopping = true;
  await Promise.all([...children.values()].map((c) => stopProcess(c)));
  process.exit(code);
}

async function main(): Promise<void> {
  const { help, values } = parseOptions(options, process.argv.slice(2));
  if (help) {
    process.stdout.write(
      formatHelp("npm run devnet --", "start a local shardnet devnet on 127.0.0.1", options),
    );
    return;
  }
  const dir = resolve(REPO_ROOT, values.dir);
  if (values.reset) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const topology = buildTopology({
    nodes: values.nodes,
    shards: values.shards,
    validators: values.validators,
    basePort: values["base-port"],
  });
  const genesisPath = join(dir, "genesis.json");
  const genesis = writeGenesisFile(genesisPath, {
    validators: values.validators,
    shards: values.shards,
    preset: values.preset,
    secondsPerSlot: values["slot-seconds"],
    genesisDelaySec: values["genesis-delay"],
    reuseExisting: !values.reset,
  });
  log(
    `genesis ${genesisPath} (network ${genesis.network}, genesis time ${new Date(genesis.genesisTime * 1000).toISOString()})`,
  );

  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));

  const run = runModeOf(APP_ENTRY.shard);
  log(
    run.mode === "dist"
      ? `nodes run compiled (apps/<app>/dist/main.js, as in the containers; node ${process.version}): ${run.reason}`
      : `nodes run from their TypeScript sources through tsx (node ${process.version}): ${run.reason}`,
  );

  const endpoints: EndpointEntry[] = [];
  let bootnode = "";
  for (const spec of topology) {
    const entry = await startNode(spec, dir, genesisPath, bootnode, values["log-level"]);
    endpoints.push(entry);
    if (spec.role === "beacon") bootnode = `${entry.p2p}/p2p/${entry.peerId}`;
  }
  await waitNodesHealthy(endpoints);
  writeFileSync(
    join(dir, "endpoints.json"),
    `${JSON.stringify({ genesis: genesisPath, nodes: endpoints }, null, 2)}\n`,
  );
  printTable(endpoints);
  log(
    `endpoints written to ${join(dir, "endpoints.json")}; logs in ${dir}/<node>/node.log; Ctrl-C stops every node`,
  );

  for (const [name, child] of children) {
    child.once("exit", (code, signal) => {
      if (!stopping) log(`${name} exited (code ${code}, signal ${signal}); see its log`);
    });
  }
  if (values["status-lines"]) await statusLoop(endpoints, values["slot-seconds"]);
}

async function startNode(
  spec: NodeSpec,
  dir: string,
  genesisPath: string,
  bootnode: string,
  logLevel: string,
) {
  const nodeDir = join(dir, spec.name);
  mkdirSync(nodeDir, { recursive: true });
  const args = nodeArgs(spec, nodeDir, genesisPath, bootnode, logLevel);
  const logFile = join(nodeDir, "node.log");
  const child = spawnNode(spec.role === "beacon" ? APP_ENTRY.beacon : APP_ENTRY.shard, args, logFile);
  children.set(spec.name, child);
  const api = `http://127.0.0.1:${spec.apiPort}`;
  await waitNodeLive(spec.name, api, child, logFile);
  const status = await getJson<NodeStatus>(`${api}/v1/node/status`);
  const entry: EndpointEntry = {
    name: spec.name,
    role: spec.role,
    api,
    metrics: `${api}/metrics`,
    peerId: status.peerId,
    p2p: `/ip4/127.0.0.1/tcp/${spec.p2pPort}`,
    trackedShards: status.trackedShards,
    validators: spec.validators,
    logFile,
    dataDir: join(nodeDir, "db"),
  };
  return entry;
}

function printTable(endpoints: EndpointEntry[]): void {
  const rows = endpoints.map((e) => [
    e.name,
    e.role,
    e.api,
    e.metrics,
    `${e.peerId.slice(0, 16)}…`,
    e.trackedShards.join(",") || "-",
    formatIndexList(e.validators) || "-",
  ]);
  const header = ["node", "role", "api", "metrics", "peer id", "shards", "validators"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  process.stdout.write(
    `${line(header)}\n${line(widths.map((w) => "-".repeat(w)))}\n${rows.map(line).join("\n")}\n`,
  );
}

async function statusLoop(endpoints: EndpointEntry[], slotSeconds: number): Promise<void> {
  let lastSlot = -1;
  while (!stopping) {
    await sleep(Math.max(250, (slotSeconds * 1000) / 4));
    const statuses = await Promise.all(
      endpoints.map((e) => getJson<NodeStatus>(`${e.api}/v1/node/status`, 1000).catch(() => undefined)),
    );
    const beacon = statuses[0];
    if (!beacon || beacon.slot === lastSlot) continue;
    lastSlot = beacon.slot;
    const peers = statuses.map((s) => (s ? String(s.peers) : "down")).join("/");
    log(
      `slot ${beacon.slot} epoch ${beacon.epoch} head ${beacon.head.slot}:${beacon.head.root.slice(0, 10)} ` +
        `justified ${beacon.justified.epoch} finalized ${beacon.finalized.epoch} ` +
        `crosslinks [${beacon.crosslinkCounts.join(",")}] peers ${peers}`,
    );
  }
}

function log(msg: string): void {
  process.stdout.write(`[devnet ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

main().catch(async (err) => {
  process.stderr.write(`devnet: ${err instanceof UsageError ? err.message : (err as Error).stack}\n`);
  await stopAll(1);
});
