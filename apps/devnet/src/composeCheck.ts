/**
 * The assertions of `npm run test:compose` (infra/scripts/test-compose.sh, step 5) against the compose testnet
 * it brought up (infra/docker-compose.yml, the default topology of generateInfra.ts), from the host:
 *
 *   composeCheck.ts --compose infra/docker-compose.yml --services genesis,beacon,…,prometheus [--deadline 240]
 *
 * 1. every service is healthy (node services: their health check; genesis: exited 0; others: running);
 * 2. every node finalized ≥ 2 epochs;  3. every node is connected to every other;
 * 4. every shard is crosslinked in every epoch after the first (walking the beacon node's chain);
 * 5. Prometheus scrapes every node;  6. a cross-shard transfer sent with the CLI (apps/cli) to a container's API
 *    reaches `finalized`.
 * Prints one `ok …` or `FAIL …` line per check and exits 1 when any failed.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { localPreset, shardOf } from "@shardnet/consensus";
import { addressFromPubkey, devAccountKey } from "@shardnet/crypto";
import { formatHelp, parseOptions, UsageError } from "@shardnet/node";
import { defaultInfra } from "./generateInfra.js";
import { type AppRun, getJson, REPO_ROOT, runApp, sleep } from "./processes.js";
import type { NodeStatus } from "./statusTypes.js";
import type { NodeSpec } from "./topology.js";

const run = promisify(execFile);

const options = {
  compose: { kind: "string", description: "compose file", default: "infra/docker-compose.yml" },
  services: { kind: "string", description: "services that were started (comma-separated)", default: "" },
  deadline: { kind: "number", description: "seconds the whole check may take", default: 240 },
} as const;

const T0 = Date.now();
const elapsed = (): string => `${Math.round((Date.now() - T0) / 1000)}s`;
let failures = 0;
function ok(msg: string): void {
  process.stdout.write(`[compose-check +${elapsed()}] ok   ${msg}\n`);
}
function fail(msg: string): void {
  failures++;
  process.stdout.write(`[compose-check +${elapsed()}] FAIL ${msg}\n`);
}
function info(msg: string): void {
  process.stdout.write(`[compose-check +${elapsed()}] info ${msg}\n`);
}

/** One row of `docker compose ps --format json` (Compose v2 prints an array or one object per line). */
interface PsRow {
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
}

async function composePs(file: string): Promise<PsRow[]> {
  const { stdout } = await run("docker", ["compose", "-f", file, "ps", "--all", "--format", "json"], {
    cwd: REPO_ROOT,
  });
  const text = stdout.trim();
  if (text === "") return [];
  if (text.startsWith("[")) return JSON.parse(text) as PsRow[];
  return text.split("\n").map((line) => JSON.parse(line) as PsRow);
}

/** What a service should look like once the testnet is up. */
function serviceReady(row: PsRow | undefined, isNode: boolean, oneShot: boolean): string | undefined {
  if (!row) return "not created";
  if (oneShot)
    return row.State === "exited" && row.ExitCode === 0 ? undefined : `${row.State} (${row.ExitCode})`;
  if (row.State !== "running") return row.State;
  if (isNode && row.Health !== "healthy") return `health ${row.Health || "none"}`;
  return undefined;
}

/** Polls `check` until it returns a value or `until` (epoch ms) passes; undefined on timeout. */
async function poll<T>(
  until: number,
  intervalMs: number,
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch {
      // not yet: the node may not answer yet
    }
    if (Date.now() >= until) return undefined;
    await sleep(intervalMs);
  }
}

const apiOf = (spec: NodeSpec): string => `http://127.0.0.1:${spec.apiPort}`;

interface BlockJson {
  root: string;
  slot: number;
  block: {
    message: {
      parent_root: string;
      body: { crosslinks: Array<{ crosslink: { shard: string } }> };
    };
  } | null;
}

/** Shards crosslinked per epoch of the including block, walking the beacon node's chain from head to genesis. */
async function crosslinkEpochs(api: string): Promise<Map<number, Set<number>>> {
  const byEpoch = new Map<number, Set<number>>();
  const head = await getJson<{ slot: number; root: string }>(`${api}/v1/beacon/head`, 3000);
  let root = head.root;
  let lowest = head.slot;
  for (let guard = 0; guard <= head.slot; guard++) {
    let b: BlockJson;
    try {
      b = await getJson<BlockJson>(`${api}/v1/beacon/blocks/${root}`, 3000);
    } catch (err) {
      // The genesis block (the parent of the first blocks) is not served: the walk ends there. Anything
      // missing higher up, in the epochs checked, is an error.
      if (lowest < localPreset.SLOTS_PER_EPOCH && /→ 404/.test((err as Error).message)) break;
      throw err;
    }
    lowest = b.slot;
    if (b.slot === 0 || !b.block) break;
    const epoch = Math.floor(b.slot / localPreset.SLOTS_PER_EPOCH);
    const shards = byEpoch.get(epoch) ?? new Set<number>();
    for (const c of b.block.message.body.crosslinks) shards.add(Number(c.crosslink.shard));
    byEpoch.set(epoch, shards);
    root = b.block.message.parent_root;
  }
  return byEpoch;
}

function runCli(args: string[], timeoutMs: number): Promise<AppRun> {
  return runApp("apps/cli/src/main.ts", args, timeoutMs);
}

/** The first dev accounts (from dev:0) on `fromShard` and on another shard. */
function crossShardPair(fromShard: number, shards: number): { from: number; to: number; toShard: number } {
  const shardOfDev = (n: number) => shardOf(addressFromPubkey(devAccountKey(n).publicKey), shards);
  let from = 0;
  while (shardOfDev(from) !== fromShard) from++;
  let to = 0;
  while (shardOfDev(to) === fromShard) to++;
  return { from, to, toShard: shardOfDev(to) };
}

async function main(): Promise<void> {
  const { help, values } = parseOptions(options, process.argv.slice(2));
  if (help) {
    process.stdout.write(formatHelp("composeCheck.ts", "assert the compose testnet is sound", options));
    return;
  }
  const file = resolve(REPO_ROOT, values.compose);
  const { topology, options: infra } = defaultInfra();
  const started = values.services.split(",").filter((s) => s !== "");
  if (started.length === 0) throw new UsageError("--services: name the services that were started");
  const deadline = T0 + values.deadline * 1000;
  const nodeNames = new Set(topology.map((s) => s.name));

  // 1. every started service healthy
  let last: PsRow[] = [];
  const ready = await poll(deadline, 2000, async () => {
    last = await composePs(file);
    const notReady = started.filter(
      (name) =>
        serviceReady(
          last.find((r) => r.Service === name),
          nodeNames.has(name),
          name === "genesis",
        ) !== undefined,
    );
    return notReady.length === 0 ? true : undefined;
  });
  for (const name of started) {
    const why = serviceReady(
      last.find((r) => r.Service === name),
      nodeNames.has(name),
      name === "genesis",
    );
    const what =
      name === "genesis"
        ? "wrote the genesis and exited 0"
        : nodeNames.has(name)
          ? "healthy"
          : "running (its image has no health check; its API is checked below)";
    if (why === undefined) ok(`service ${name} ${what}`);
    else fail(`service ${name}: ${why}`);
  }
  if (!ready) {
    info("services not ready: the remaining checks run anyway");
  }

  const beacon = topology.find((s) => s.role === "beacon")!;
  const shardNodes = topology.filter((s) => s.role === "shard");

  // 6 (started now, checked last): a cross-shard transfer with the CLI to node-1's API, once the chain runs.
  const sender = shardNodes[0]!;
  const pair = crossShardPair(sender.shards[0]!, infra.shards);
  await poll(deadline, 1000, async () => {
    const s = await getJson<NodeStatus>(`${apiOf(sender)}/v1/node/status`, 2000);
    return s.slot >= localPreset.SLOTS_PER_EPOCH && s.health.status === "ok" ? true : undefined;
  });
  info(
    `transfer dev:${pair.from} (shard ${sender.shards[0]}) → dev:${pair.to} (shard ${pair.toShard}) via ${apiOf(sender)}`,
  );
  const transfer = runCli(
    [
      "transfer",
      "--from-key",
      `dev:${pair.from}`,
      "--to",
      `dev:${pair.to}`,
      "--amount",
      "7",
      "--node",
      apiOf(sender),
      "--wait",
      "finalized",
      "--timeout",
      String(Math.max(30, Math.round((deadline - Date.now()) / 1000))),
      "--json",
    ],
    Math.max(30_000, deadline - Date.now() + 10_000),
  );

  // 2. every node finalized ≥ 2 epochs
  const statuses = new Map<string, NodeStatus>();
  await poll(deadline, 2000, async () => {
    for (const spec of topology) {
      statuses.set(spec.name, await getJson<NodeStatus>(`${apiOf(spec)}/v1/node/status`, 2000));
    }
    return [...statuses.values()].every((s) => s.finalized.epoch >= 2) ? true : undefined;
  });
  for (const spec of topology) {
    const s = statuses.get(spec.name);
    const line = s
      ? `${spec.name}: head ${s.head.slot}, epoch ${s.epoch}, finalized epoch ${s.finalized.epoch}, ${s.peers} peers, crosslinks [${s.crosslinkCounts.join(",")}]`
      : `${spec.name}: no status`;
    if (s && s.finalized.epoch >= 2) ok(line);
    else fail(`${line} (want finalized epoch ≥ 2)`);
  }

  // 3. every node connected to every other (by peer id)
  const peerIds = new Map<string, string>();
  for (const [name, s] of statuses) peerIds.set(name, s.peerId);
  const missingPeers = new Map<string, string[]>();
  await poll(Math.min(deadline, Date.now() + 60_000), 2000, async () => {
    missingPeers.clear();
    for (const spec of topology) {
      const { peers } = await getJson<{ peers: Array<{ peerId: string }> }>(
        `${apiOf(spec)}/v1/node/peers`,
        2000,
      );
      const connected = new Set(peers.map((p) => p.peerId));
      const missing = topology
        .filter((o) => o.name !== spec.name && !connected.has(peerIds.get(o.name) ?? ""))
        .map((o) => o.name);
      if (missing.length > 0) missingPeers.set(spec.name, missing);
    }
    return missingPeers.size === 0 ? true : undefined;
  });
  if (peerIds.size === topology.length && missingPeers.size === 0)
    ok(`every node connected to every other (${topology.length} nodes, full mesh)`);
  else
    fail(
      `not a full mesh: ${[...missingPeers].map(([n, m]) => `${n} lacks ${m.join(",")}`).join("; ") || "no peer ids"}`,
    );

  // 4. every shard crosslinked in every complete epoch after the first
  try {
    const byEpoch = await crosslinkEpochs(apiOf(beacon));
    const headEpoch = Math.max(0, ...byEpoch.keys());
    const gaps: string[] = [];
    for (let epoch = 1; epoch < headEpoch; epoch++) {
      const seen = byEpoch.get(epoch) ?? new Set<number>();
      const lacking = Array.from({ length: infra.shards }, (_, s) => s).filter((s) => !seen.has(s));
      if (lacking.length > 0) gaps.push(`epoch ${epoch}: shards ${lacking.join(",")}`);
    }
    const summary = [...byEpoch]
      .sort(([a], [b]) => a - b)
      .map(([e, s]) => `${e}:[${[...s].sort((a, b) => a - b).join(",")}]`)
      .join(" ");
    if (headEpoch >= 3 && gaps.length === 0)
      ok(`every shard crosslinked in every epoch 1..${headEpoch - 1} (${summary})`);
    else fail(`crosslinks per epoch ${summary}: ${gaps.join("; ") || `only ${headEpoch} epochs`}`);
  } catch (err) {
    fail(`crosslinks: could not walk the beacon chain: ${(err as Error).message}`);
  }

  // 5. Prometheus scrapes every node
  if (started.includes("prometheus")) {
    interface Targets {
      data: { activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> };
    }
    let up: string[] = [];
    let errors: string[] = [];
    await poll(Math.min(deadline, Date.now() + 45_000), 2000, async () => {
      const t = await getJson<Targets>(`http://127.0.0.1:${infra.prometheusPort}/api/v1/targets`, 3000);
      const shardnet = t.data.activeTargets.filter((a) => a.labels.job === "shardnet");
      up = shardnet.filter((a) => a.health === "up").map((a) => a.labels.node ?? "?");
      errors = shardnet
        .filter((a) => a.health !== "up")
        .map((a) => `${a.labels.node}: ${a.health} ${a.lastError}`);
      return topology.every((s) => up.includes(s.name)) ? true : undefined;
    });
    if (topology.every((s) => up.includes(s.name)))
      ok(`prometheus scrapes ${up.length}/${topology.length} nodes`);
    else fail(`prometheus targets up: ${up.join(",") || "none"} (${errors.join("; ")})`);
  } else {
    fail("prometheus was not started");
  }

  // 6. the transfer
  const result = await transfer;
  let status = "";
  try {
    status = (JSON.parse(result.stdout) as { status: string }).status;
  } catch {
    status = "";
  }
  if (result.code === 0 && status === "finalized")
    ok(`cross-shard transfer finalized (CLI via ${apiOf(sender)}): ${result.stdout.trim().slice(0, 200)}`);
  else
    fail(
      `cross-shard transfer: CLI exit ${result.code}, status "${status}": ${result.stdout.trim().slice(0, 300)} ${result.stderr.trim().slice(0, 300)}`,
    );

  process.stdout.write(
    `compose-check: ${failures === 0 ? "all checks passed" : `${failures} failed`} (${elapsed()})\n`,
  );
  process.exitCode = failures === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  const usage = err instanceof UsageError;
  process.stderr.write(`composeCheck: ${(err as Error).message}\n`);
  process.exitCode = usage ? 2 : 1;
});
