/**
 * Transaction throughput benchmark through the node HTTP API of a local devnet (beacon + 4 shard nodes,
 * 4 shards, 2-second slots by default).
 *
 * Open loop: each step submits at a constant rate scheduled by the wall clock (transaction i of a step is
 * due at start + i/rate; whatever is due is POSTed as one batch every tick, without waiting for earlier
 * responses), so a slow node does not slow the sender down (no coordinated omission). Latency is measured
 * from the scheduled time, over every transfer sent (one that never got there counts as infinitely late).
 * Inclusion: when a node first announces the including block as its shard head (server-sent `shard_head`,
 * matched by the block root of the transaction's `included` event); the node-reported first-seen `included`
 * time is shown too ("seen"), it lags by up to a slot. Crosslinked and finalized: the earliest node-reported
 * time. Steps go up until p99 inclusion latency exceeds 2 slots (or fewer than 90% of a step's transfers are
 * included, with --keep-going).
 *
 * After the last step (and the finality wait) each step is judged by issue 17's lines (txVerdict.ts): it is
 * sustained only if included p99 ≤ 2 slots, crosslinked p99 ≤ included p99 + 2 slots, finalized p99 ≤ 3
 * epochs and every accepted transfer finalized. Each step also gets a stage breakdown (txStages.ts): send →
 * included → crosslinked in a beacon block → that block's epoch justified → a finalized checkpoint covering it
 * → the node's status says finalized → this process receives it; and the justified / finalized events' delay
 * after the epoch boundaries at which FFG can first produce them.
 *
 * CPU per transfer: utime+stime of every node process (/proc/<pid>/stat) over the step and its settle time,
 * divided by the transfers included; "net" subtracts the idle CPU rate measured before the first step, and is
 * printed as a ratio to issue 17's 1.0-ms goal and to its Ed25519 bound (4 nodes × 0.08 ms). The load
 * generator's own CPU (this process while it submits and watches a step; pre-signing excluded) is shown
 * separately, per transfer sent.
 *
 *   npm run bench:tx -- [--rates 20,50,100,200,400] [--step-seconds 20] [--slot-seconds 2] [--base-port 29600]
 */
import "@shardnet/p2p/polyfill";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseGenesis, shardOf, signTransaction, Transaction, transactionHash } from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey, type Ed25519KeyPair } from "@shardnet/crypto";
import { followEventStream, formatHelp, parseOptions, UsageError } from "@shardnet/node";
import { writeGenesisFile } from "./genesisFile.js";
import { APP_ENTRY, getJson, sleep, spawnNode, stopProcess, waitFor } from "./processes.js";
import type { NodeStatus } from "./statusTypes.js";
import { buildTopology, nodeArgs } from "./topology.js";
import {
  type ChainTimeline,
  checkpointLag,
  type EpochPositionRow,
  finalityByEpochPosition,
  type SegmentSummary,
  stageBreakdown,
} from "./txStages.js";
import {
  highestSustained,
  judgeStep,
  type LatencyLimits,
  percentile,
  type StepLatencies,
  type StepVerdict,
  stageLatency,
  TX_STAGES,
} from "./txVerdict.js";

const options = {
  rates: {
    kind: "string",
    description: "comma-separated submission rates (transfers/s), one step each",
    default: "20,50,100,200,400",
  },
  "step-seconds": { kind: "number", description: "seconds per rate step", default: 20 },
  "cross-shard": {
    kind: "number",
    description: "share of transfers to a receiver on another shard (issue 17 measures at 0.3)",
    default: 0.3,
  },
  "slot-seconds": { kind: "number", description: "seconds per slot", default: 2 },
  nodes: { kind: "number", description: "shard nodes", default: 4 },
  shards: { kind: "number", description: "shard count", default: 4 },
  validators: { kind: "number", description: "validators", default: 64 },
  accounts: {
    kind: "number",
    description: "funded dev accounts used as senders and receivers",
    default: 256,
  },
  "base-port": {
    kind: "number",
    description: "first port (beacon API); nodes follow; p2p at +100",
    default: 29600,
  },
  "finality-wait": {
    kind: "number",
    description: "seconds to wait for finality after the last step",
    default: 60,
  },
  "keep-going": {
    kind: "boolean",
    description:
      "run every rate even after p99 inclusion exceeds 2 slots (stop only when < 90% are included)",
    default: false,
  },
  "keep-dir": { kind: "boolean", description: "keep the devnet directory (logs)", default: false },
  "cpu-prof-dir": {
    kind: "string",
    description:
      "write a V8 CPU profile of every node to <dir>/<node>/ (stopped with SIGTERM at the end); summarise with npm run profile:summary",
    default: "",
  },
} as const;

const TICK_MS = 50;
const CLK_TCK = 100;

interface Sender {
  key: Ed25519KeyPair;
  address: Uint8Array;
  shard: number;
  nonce: number;
}

interface Tracked {
  step: number;
  scheduled: number;
  shard: number;
  cross: boolean;
  accepted?: boolean;
  /** Node-reported first-seen time of `included` (lags: the node notices inclusion on its next refresh). */
  included?: number;
  /** Root and slot of the including shard block. */
  blockRoot?: string;
  inclusionSlot?: number;
  /** Earliest node-reported `crosslinked` / `finalized` time. */
  crosslinked?: number;
  finalized?: number;
  /** When the first `finalized` status reached this process. */
  finalizedObserved?: number;
}

interface StepResult {
  rate: number;
  sent: number;
  sendSeconds: number;
  rejected: number;
  accepted: number;
  cross: number;
  /** Latency from the scheduled send to each stage (ms), over every transfer sent. */
  latencies: StepLatencies;
  /** Same for inclusion, by the node-reported first-seen `included` time. */
  seenP50: number;
  seenP99: number;
  verdict: StepVerdict;
  cpuMsPerTx: number;
  netCpuMsPerTx: number;
  /** This process's CPU while submitting and watching the step (the load generator; signing excluded). */
  loadgenCpuMsPerTx: number;
  httpP99: number;
}

/** Issue 17's bound: 4 nodes track each shard, each verifies a transfer once (~0.08 ms of Ed25519). */
const ED25519_BOUND_MS_PER_TX = 4 * 0.08;
/** Issue 17's goal: at most 1.0 ms of node CPU per transfer, net of idle. */
const NET_CPU_GOAL_MS_PER_TX = 1.0;

const children = new Map<string, ChildProcess>();

function log(msg: string): void {
  process.stdout.write(`[bench:tx ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** CPU seconds (user + system) of a process from /proc/<pid>/stat. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}

function nodesCpu(): number {
  let sum = 0;
  for (const c of children.values()) sum += cpuSeconds(c.pid);
  return sum;
}

function killAll(): void {
  for (const c of children.values()) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/** Chain events as they first arrive from any node (bench:tx's stage breakdown). */
interface ChainEvents extends ChainTimeline {
  crosslinks: Array<{ shard: number; slot: number; beaconSlot: number; at: number }>;
  justified: Array<{ epoch: number; at: number }>;
  finalized: Array<{ epoch: number; at: number }>;
  /** Keys of the events above, to keep only each one's first arrival. */
  seen: Set<string>;
}

/**
 * Reads a node's transaction, shard head and chain events: the earliest reported time of each transaction
 * status, when each block was first announced as a shard head, and when each crosslink, justified and
 * finalized checkpoint first arrived.
 */
function watchTransactions(
  api: string,
  tracked: Map<string, Tracked>,
  headSeen: Map<string, number>,
  chain: ChainEvents,
  signal: AbortSignal,
): void {
  const firstArrival = (key: string): boolean => {
    if (chain.seen.has(key)) return false;
    chain.seen.add(key);
    return true;
  };
  void followEventStream(
    `${api}/v1/events?topics=transaction,shard_head,crosslink,justified,finalized`,
    ({ event, data }) => {
      const now = Date.now();
      if (event === "shard_head") {
        const head = JSON.parse(data) as { root: string };
        if (!headSeen.has(head.root)) headSeen.set(head.root, now);
        return;
      }
      if (event === "crosslink") {
        const c = JSON.parse(data) as {
          shard: number;
          slot: number;
          beaconSlot: number;
          beaconBlockRoot: string;
        };
        if (firstArrival(`crosslink:${c.shard}:${c.slot}:${c.beaconBlockRoot}`))
          chain.crosslinks.push({ shard: c.shard, slot: c.slot, beaconSlot: c.beaconSlot, at: now });
        return;
      }
      if (event === "justified" || event === "finalized") {
        const { epoch } = JSON.parse(data) as { epoch: number };
        if (firstArrival(`${event}:${epoch}`)) chain[event].push({ epoch, at: now });
        return;
      }
      const view = JSON.parse(data) as {
        hash: string;
        included?: { time: string; blockRoot: string; slot: number };
        crosslinked?: { time: string };
        finalized?: { time: string };
      };
      const t = tracked.get(view.hash.replace(/^0x/, ""));
      if (!t) return;
      const reported = (step: { time: string }) => Math.min(Date.parse(step.time) || now, now);
      if (view.included) {
        t.blockRoot = view.included.blockRoot;
        t.inclusionSlot = view.included.slot;
        const at = reported(view.included);
        if (t.included === undefined || at < t.included) t.included = at;
      }
      if (view.crosslinked) {
        const at = reported(view.crosslinked);
        if (t.crosslinked === undefined || at < t.crosslinked) t.crosslinked = at;
      }
      if (view.finalized) {
        const at = reported(view.finalized);
        if (t.finalized === undefined || at < t.finalized) t.finalized = at;
        t.finalizedObserved ??= now;
      }
    },
    signal,
  );
}

async function main(): Promise<void> {
  const { help, values } = parseOptions(options, process.argv.slice(2));
  if (help) {
    process.stdout.write(
      formatHelp("npm run bench:tx --", "open-loop transaction benchmark against a local devnet", options),
    );
    return;
  }
  const rates = values.rates.split(",").map((r) => Number(r.trim()));
  if (rates.some((r) => !Number.isFinite(r) || r <= 0))
    throw new UsageError(`--rates must be positive numbers, got ${values.rates}`);
  if (!(values["cross-shard"] >= 0 && values["cross-shard"] <= 1))
    throw new UsageError(`--cross-shard must be between 0 and 1, got ${values["cross-shard"]}`);
  const slotMs = values["slot-seconds"] * 1000;
  const shardCount = values.shards;

  // --- devnet -------------------------------------------------------------------------------------------
  const dir = mkdtempSync(join(tmpdir(), "shardnet-bench-tx-"));
  const topology = buildTopology({
    nodes: values.nodes,
    shards: shardCount,
    validators: values.validators,
    basePort: values["base-port"],
  });
  const genesisPath = join(dir, "genesis.json");
  const genesis = writeGenesisFile(genesisPath, {
    validators: values.validators,
    shards: shardCount,
    preset: "local",
    secondsPerSlot: values["slot-seconds"],
    genesisDelaySec: Math.max(20, 8 + 4 * topology.length),
    devAccounts: values.accounts,
  });
  const genesisTimeMs = genesis.genesisTime * 1000;
  const slotsPerEpoch = parseGenesis(genesis).preset.SLOTS_PER_EPOCH;
  let bootnode = "";
  const apis: string[] = [];
  for (const spec of topology) {
    const nodeDir = join(dir, spec.name);
    mkdirSync(nodeDir, { recursive: true });
    const args = nodeArgs(spec, nodeDir, genesisPath, bootnode, "warn");
    const profDir = values["cpu-prof-dir"] ? join(values["cpu-prof-dir"], spec.name) : "";
    const child = spawnNode(
      spec.role === "beacon" ? APP_ENTRY.beacon : APP_ENTRY.shard,
      args,
      join(nodeDir, "node.log"),
      profDir
        ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${profDir}`.trim() }
        : {},
    );
    children.set(spec.name, child);
    const api = `http://127.0.0.1:${spec.apiPort}`;
    if (spec.role === "beacon") {
      const status = await waitFor(
        "beacon node to become healthy",
        async () => {
          if (child.exitCode !== null) throw new Error(`beacon exited; see ${nodeDir}/node.log`);
          return getJson<NodeStatus>(`${api}/v1/node/status`);
        },
        90_000,
      );
      bootnode = `/ip4/127.0.0.1/tcp/${spec.p2pPort}/p2p/${status.peerId}`;
    } else {
      apis.push(api);
    }
  }
  await Promise.all(
    apis.map((api) =>
      waitFor(`${api} to become healthy`, async () => getJson(`${api}/v1/node/health`), 90_000),
    ),
  );
  const lead = (genesisTimeMs - Date.now()) / 1000;
  log(
    `devnet up in ${dir} (${values.nodes} shard nodes, ${shardCount} shards, ${values.validators} validators); genesis in ${lead.toFixed(1)} s`,
  );
  // Start after genesis + 2 epochs so the chain is finalising and every node tracks its shards.
  const startSlot = 16;
  const wait = genesisTimeMs + startSlot * slotMs - Date.now();
  if (wait > 0) await sleep(wait);
  const statuses = await Promise.all(apis.map((api) => getJson<NodeStatus>(`${api}/v1/node/status`)));
  const trackers: string[][] = Array.from({ length: shardCount }, () => []);
  statuses.forEach((s, i) => {
    for (const shard of s.trackedShards) trackers[shard]?.push(apis[i]!);
  });
  log(`tracked shards: ${statuses.map((s) => `${s.name}=[${s.trackedShards.join(",")}]`).join(" ")}`);
  if (trackers.some((t) => t.length === 0)) throw new Error("some shard is tracked by no shard node");

  const senders: Sender[] = Array.from({ length: values.accounts }, (_, n) => {
    const key = devAccountKey(n);
    const address = addressFromPubkey(key.publicKey);
    return { key, address, shard: shardOf(address, shardCount), nonce: 0 };
  });
  const byShard = Array.from({ length: shardCount }, (_, shard) => senders.filter((a) => a.shard === shard));
  const othersOf = byShard.map((_, shard) => senders.filter((a) => a.shard !== shard));
  if (byShard.some((accounts) => accounts.length === 0))
    throw new UsageError(`--accounts ${values.accounts} leaves some shard without an account: raise it`);
  const crossShare = values["cross-shard"];
  const tracked = new Map<string, Tracked>();
  const abort = new AbortController();
  const headSeen = new Map<string, number>();
  const chain: ChainEvents = { crosslinks: [], justified: [], finalized: [], seen: new Set() };
  for (const api of apis) watchTransactions(api, tracked, headSeen, chain, abort.signal);
  /** Inclusion time: when a node first announced the including block as its shard head (SSE shard_head). */
  const includedAt = (t: Tracked): number | undefined => {
    if (t.blockRoot === undefined) return undefined;
    return headSeen.get(t.blockRoot) ?? t.included;
  };
  /** Latency from the scheduled send to each stage, over every transfer of the step. */
  const latenciesOf = (step: readonly Tracked[]): StepLatencies => {
    const reached = (at: (t: Tracked) => number | undefined) =>
      step.flatMap((t) => {
        const v = at(t);
        return v === undefined ? [] : [v - t.scheduled];
      });
    return {
      sent: step.length,
      accepted: step.filter((t) => t.accepted).length,
      stages: {
        included: stageLatency(reached(includedAt), step.length),
        crosslinked: stageLatency(
          reached((t) => t.crosslinked),
          step.length,
        ),
        finalized: stageLatency(
          reached((t) => t.finalized),
          step.length,
        ),
      },
    };
  };
  const limits: LatencyLimits = { slotMs, slotsPerEpoch };
  await sleep(500);

  const idleStart = nodesCpu();
  const idleT0 = Date.now();
  await sleep(10_000);
  const idleRate = (nodesCpu() - idleStart) / ((Date.now() - idleT0) / 1000);
  log(`idle CPU of all nodes: ${(idleRate * 100).toFixed(0)}% of one core`);

  const results: StepResult[] = [];
  const httpLatencies: number[][] = [];
  let senderCursor = 0;
  let rng = 12345;
  const random = () => {
    rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
    return rng / 4294967296;
  };
  for (const [stepIndex, rate] of rates.entries()) {
    const total = Math.round(rate * values["step-seconds"]);
    // Pre-sign the step (nonces advance per sender). A receiver on another shard for --cross-shard of the
    // transfers, on the sender's own shard otherwise; random among those accounts.
    const txs = Array.from({ length: total }, () => {
      const s = senders[senderCursor++ % senders.length]!;
      const cross = random() < crossShare;
      const pool = cross ? othersOf[s.shard]! : byShard[s.shard]!;
      const to = pool[Math.floor(random() * pool.length)]!.address;
      const tx = signTransaction(
        { from: s.address, to, amount: 1n, nonce: s.nonce++, fee: 1n, pubkey: s.key.publicKey },
        s.key.secretKey,
      );
      return {
        json: Transaction.toJson(tx),
        hash: bytesToHex(transactionHash(tx)),
        shard: s.shard,
        cross,
      };
    });
    const http: number[] = [];
    httpLatencies.push(http);
    const cpu0 = nodesCpu();
    const ownCpu0 = process.cpuUsage();
    const start = Date.now() + 100;
    let next = 0;
    let rejected = 0;
    const inflight: Promise<void>[] = [];
    let batchNo = 0;
    while (next < total) {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate) + 1);
      if (due > next) {
        const byNode = new Map<string, typeof txs>();
        for (let i = next; i < due; i++) {
          const tx = txs[i]!;
          tracked.set(tx.hash, {
            step: stepIndex,
            scheduled: start + (i / rate) * 1000,
            shard: tx.shard,
            cross: tx.cross,
          });
          const candidates = trackers[tx.shard]!;
          const api = candidates[(batchNo + i) % candidates.length]!;
          const list = byNode.get(api) ?? [];
          if (list.length === 0) byNode.set(api, list);
          list.push(tx);
        }
        batchNo++;
        next = due;
        for (const [api, list] of byNode) {
          const sentAt = Date.now();
          inflight.push(
            fetch(`${api}/v1/transactions`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(list.map((t) => t.json)),
              signal: AbortSignal.timeout(60_000),
            })
              .then(async (res) => {
                http.push(Date.now() - sentAt);
                const body = (await res.json()) as { results?: Array<{ status: string }> };
                body.results?.forEach((r, i) => {
                  const t = tracked.get(list[i]!.hash);
                  if (!t) return;
                  t.accepted = r.status === "pending";
                  if (!t.accepted) rejected++;
                });
              })
              .catch(() => {
                rejected += list.length;
              }),
          );
        }
      }
      await sleep(TICK_MS);
    }
    const sendSeconds = (Date.now() - start) / 1000;
    await Promise.all(inflight);
    // Settle: give the last transfers 3 slots to be included before judging the step.
    await sleep(3 * slotMs);
    const cpu = nodesCpu() - cpu0;
    const ownCpu = process.cpuUsage(ownCpu0);
    const elapsed = (Date.now() - start) / 1000;
    const step = [...tracked.values()].filter((t) => t.step === stepIndex);
    const latencies = latenciesOf(step);
    const { included, crosslinked } = latencies.stages;
    const seenInc = step.filter((t) => t.included !== undefined).map((t) => t.included! - t.scheduled);
    const result: StepResult = {
      rate,
      sent: step.length,
      sendSeconds,
      rejected,
      accepted: latencies.accepted,
      cross: step.filter((t) => t.cross).length,
      latencies,
      seenP50: percentile(seenInc, 50),
      seenP99: percentile(seenInc, 99),
      // Judged once finality had its time (below).
      verdict: judgeStep(latencies, limits),
      cpuMsPerTx: (cpu * 1000) / Math.max(1, included.reached),
      netCpuMsPerTx: ((cpu - idleRate * elapsed) * 1000) / Math.max(1, included.reached),
      loadgenCpuMsPerTx: (ownCpu.user + ownCpu.system) / 1000 / Math.max(1, step.length),
      httpP99: percentile(http, 99),
    };
    results.push(result);
    log(
      `step ${rate}/s: sent ${result.sent} in ${sendSeconds.toFixed(1)} s, rejected ${rejected}, included ${included.reached}, ` +
        `p50 ${(included.p50 / 1000).toFixed(2)} s p99 ${(included.p99 / 1000).toFixed(2)} s (node-reported p99 ${(result.seenP99 / 1000).toFixed(2)} s), ` +
        `crosslinked so far ${crosslinked.reached} p99 ${(crosslinked.p99 / 1000).toFixed(2)} s, CPU ${result.cpuMsPerTx.toFixed(2)} ms/tx, HTTP p99 ${result.httpP99} ms`,
    );
    if (!(included.p99 <= 2 * slotMs)) {
      if (values["keep-going"] && included.reached >= 0.9 * result.sent) {
        log(
          `p99 inclusion latency above 2 slots (${(2 * slotMs) / 1000} s) at ${rate}/s: continuing (--keep-going)`,
        );
        continue;
      }
      log(`p99 inclusion latency above 2 slots (${(2 * slotMs) / 1000} s) at ${rate}/s: stopping`);
      break;
    }
  }

  // Finality for every step: every accepted transfer, until the deadline.
  const finalityDeadline = Date.now() + values["finality-wait"] * 1000;
  while (Date.now() < finalityDeadline) {
    const open = [...tracked.values()].filter((t) => t.accepted && t.finalized === undefined).length;
    if (open === 0) break;
    await sleep(1000);
  }
  // A finalized status may still be on its way from a slower node: the earliest report wins.
  await sleep(1000);
  abort.abort();
  for (const [index, r] of results.entries()) {
    const step = [...tracked.values()].filter((t) => t.step === index);
    r.latencies = latenciesOf(step);
    r.verdict = judgeStep(r.latencies, limits);
  }
  printTable(results);
  for (const [index, r] of results.entries()) {
    const step = [...tracked.values()].filter((t) => t.step === index);
    printVerdict(r);
    const times = step.map((t) => ({
      scheduled: t.scheduled,
      shard: t.shard,
      inclusionSlot: t.inclusionSlot,
      included: includedAt(t),
      crosslinkedReported: t.crosslinked,
      finalizedReported: t.finalized,
      finalizedObserved: t.finalizedObserved,
    }));
    printStages(r.rate, stageBreakdown(times, chain, slotsPerEpoch));
    printEpochPositions(finalityByEpochPosition(times, chain, slotsPerEpoch));
  }
  const clock = { genesisMs: genesisTimeMs, slotMs, slotsPerEpoch };
  const lags = (events: ChainEvents["justified"], after: number) =>
    checkpointLag(
      [...events].sort((a, b) => a.epoch - b.epoch),
      after,
      clock,
    )
      .map((l) => `${l.epoch}:${(l.lagMs / 1000).toFixed(2)}`)
      .join(" ");
  log(`justified epoch:seconds after the end of that epoch: ${lags(chain.justified, slotsPerEpoch)}`);
  log(
    `finalized epoch:seconds after the start of the next epoch's second slot (the earliest): ${lags(chain.finalized, slotsPerEpoch + 1)}`,
  );
  const best = highestSustained(results);
  const allSent = results.reduce((s, r) => s + r.sent, 0);
  const allCross = results.reduce((s, r) => s + r.cross, 0);
  log(
    best
      ? `highest sustained rate: ${best.rate} transfers/s (every line holds); cross-shard share ${((100 * allCross) / Math.max(1, allSent)).toFixed(0)}%`
      : "no step sustained: see the failed lines above",
  );
  if (values["cpu-prof-dir"]) {
    // SIGTERM: the nodes exit through process.exit, which writes their CPU profiles.
    await Promise.all([...children.values()].map((c) => stopProcess(c, 30_000)));
    log(`CPU profiles in ${values["cpu-prof-dir"]}/<node>/`);
  }
  killAll();
  if (!values["keep-dir"]) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}

function printTable(results: StepResult[]): void {
  const s = (ms: number) => (Number.isNaN(ms) ? "-" : Number.isFinite(ms) ? (ms / 1000).toFixed(2) : "∞");
  const header = [
    "rate/s",
    "sent",
    "send s",
    "rejected",
    "cross %",
    ...TX_STAGES.flatMap((stage) => [stage, `${stage} p50 s`, `${stage} p99 s`]),
    "seen p99 s",
    "CPU ms/tx",
    "net CPU ms/tx",
    "net / 1.0-ms goal",
    "net / Ed25519 bound",
    "loadgen CPU ms/tx",
    "HTTP p99 ms",
    "sustained",
  ];
  const rows = results.map((r) => [
    String(r.rate),
    String(r.sent),
    r.sendSeconds.toFixed(1),
    String(r.rejected),
    ((100 * r.cross) / Math.max(1, r.sent)).toFixed(0),
    ...TX_STAGES.flatMap((stage) => {
      const l = r.latencies.stages[stage];
      return [String(l.reached), s(l.p50), s(l.p99)];
    }),
    s(r.seenP99),
    r.cpuMsPerTx.toFixed(2),
    r.netCpuMsPerTx.toFixed(2),
    `${(r.netCpuMsPerTx / NET_CPU_GOAL_MS_PER_TX).toFixed(2)}x`,
    `${(r.netCpuMsPerTx / ED25519_BOUND_MS_PER_TX).toFixed(1)}x`,
    r.loadgenCpuMsPerTx.toFixed(2),
    String(r.httpP99),
    r.verdict.sustained ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  process.stdout.write(
    `\n${line(header)}\n${line(widths.map((w) => "-".repeat(w)))}\n${rows.map(line).join("\n")}\n\n`,
  );
}

/** Each of issue 17's lines for one step, held or not. */
function printVerdict(r: StepResult): void {
  const lines = r.verdict.lines.map((l) => `  ${l.ok ? "ok  " : "FAIL"} ${l.rule}: ${l.detail}`);
  process.stdout.write(
    `${r.rate}/s ${r.verdict.sustained ? "sustained" : "not sustained"}:\n${lines.join("\n")}\n`,
  );
}

/** Where the time to finality went, stage by stage (each stage's own percentiles: they do not add up). */
function printStages(rate: number, stages: readonly SegmentSummary[]): void {
  const s = (ms: number) => (Number.isNaN(ms) ? "-" : (ms / 1000).toFixed(2));
  const width = Math.max(...stages.map((x) => x.segment.length));
  const rows = stages.map(
    (x) =>
      `  ${x.segment.padEnd(width)}  ${String(x.count).padStart(6)}  ${s(x.p50).padStart(7)}  ${s(x.p99).padStart(7)}  ${s(x.max).padStart(7)}`,
  );
  process.stdout.write(
    `  stages at ${rate}/s (s; chain events timed by their arrival here, statuses by the node's report, so a stage between the two can be slightly negative):\n  ${"".padEnd(width)}  ${"count".padStart(6)}  ${"p50".padStart(7)}  ${"p99".padStart(7)}  ${"max".padStart(7)}\n${rows.join("\n")}\n\n`,
  );
}

/** Finality latency by the crosslink's slot within its epoch window (FFG finalizes a window at once). */
function printEpochPositions(rows: readonly EpochPositionRow[]): void {
  const s = (ms: number) => (Number.isNaN(ms) ? "-" : (ms / 1000).toFixed(2));
  const cells = rows.map(
    (r) =>
      `  ${String(r.position).padStart(8)}  ${String(r.count).padStart(6)}  ${s(r.finalizedP50).padStart(9)}  ${s(r.finalizedMax).padStart(9)}`,
  );
  process.stdout.write(
    `  finalized latency by the crosslink's slot in its epoch window (1: just after a checkpoint):\n  ${"position".padStart(8)}  ${"count".padStart(6)}  ${"p50 s".padStart(9)}  ${"max s".padStart(9)}\n${cells.join("\n")}\n\n`,
  );
}

process.on("SIGINT", () => {
  killAll();
  process.exit(130);
});
process.on("exit", killAll);
main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:tx: ${err instanceof UsageError ? err.message : (err as Error).stack}\n`);
    killAll();
    process.exit(1);
  },
);
