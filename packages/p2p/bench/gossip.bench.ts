// Gossip benchmark: 4 nodes in separate processes on 127.0.0.1, node 0 publishes at a fixed offered rate,
// nodes 1-3 measure delivered messages/s and delivery latency (send timestamp embedded in the payload).
// Each case runs twice: through this package's validation path ("shardnet") and with bare libp2p gossipsub.
// The machine is shared, so each case alternates bare/shardnet runs `--reps` times and reports medians.
// Usage: npm run bench -w packages/p2p [-- --duration 10000 --reps 2 --cases 200@1000,2048@500]  (size@offered msg/s)
// BENCH_VARIANT=async|score|async,score makes the bare runs use asyncValidation and/or this package's scoring,
// to attribute a difference to one of them.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ParentMessage, WorkerMessage } from "./protocol.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const DURATION_MS = Number(args.get("duration") ?? 10_000);
const CASES = (args.get("cases") ?? "200@1000,200@4000,2048@500,2048@2000").split(",").map((c) => {
  const [size, rate] = c.split("@").map(Number);
  return { size: size!, rate: rate! };
});
const REPS = Number(args.get("reps") ?? 2);
const NODES = 4;
const workerPath = fileURLToPath(new URL("./worker.ts", import.meta.url));

class Worker {
  private readonly waiting: Array<{
    type: WorkerMessage["type"];
    resolve: (m: WorkerMessage) => void;
    reject: (e: Error) => void;
  }> = [];
  constructor(readonly proc: ChildProcess) {
    proc.on("message", (m: WorkerMessage) => {
      const i = this.waiting.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(m);
    });
    proc.on("exit", (code) => {
      for (const w of this.waiting.splice(0))
        w.reject(new Error(`worker exited with code ${code} before ${w.type}`));
    });
  }
  next<T extends WorkerMessage["type"]>(
    type: T,
    timeoutMs = 60_000,
  ): Promise<Extract<WorkerMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker did not send ${type} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.push({
        type,
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<WorkerMessage, { type: T }>);
        },
      });
    });
  }
  send(msg: ParentMessage): void {
    this.proc.send(msg);
  }
}

interface CaseResult {
  mode: string;
  size: number;
  offered: number;
  published: number;
  deliveredPerSec: number;
  deliveryRatio: number;
  p50: number;
  p99: number;
  /** CPU time (user + system) a receiver process spent per delivered message, µs, including its relaying. */
  receiverCpuPerMsg: number;
  /** CPU time of the publisher process per published message, µs. */
  publisherCpuPerMsg: number;
}

/** Waits until every receiver has every message, or no receiver made progress for 3 s (at most 20 s). */
async function drain(receivers: Worker[], published: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = -1;
  let lastProgressAt = Date.now();
  while (Date.now() < deadline && Date.now() - lastProgressAt < 3000) {
    for (const w of receivers) w.send({ type: "count" });
    const counts = await Promise.all(receivers.map((w) => w.next("count")));
    const total = counts.reduce((a, c) => a + c.received, 0);
    if (total >= published * receivers.length) return;
    if (total > last) {
      last = total;
      lastProgressAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runCase(mode: "shardnet" | "bare", size: number, rate: number): Promise<CaseResult> {
  const workers = Array.from(
    { length: NODES },
    () =>
      new Worker(
        fork(workerPath, [mode], {
          execArgv: ["--import", "tsx", "--conditions=@shardnet/source"],
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        }),
      ),
  );
  try {
    const ready = await Promise.all(workers.map((w) => w.next("ready")));
    // Full mesh: each node dials the nodes started before it.
    workers.forEach((w, i) => {
      w.send({ type: "connect", addrs: ready.slice(0, i).map((r) => r.addrs[0]!), expectPeers: NODES - 1 });
    });
    await Promise.all(workers.map((w) => w.next("meshed")));
    for (const w of workers) w.send({ type: "mark" });
    await Promise.all(workers.map((w) => w.next("marked")));
    const publisher = workers[0]!;
    publisher.send({ type: "publish", size, rate, durationMs: DURATION_MS });
    const { count, cpuMicros: publisherCpu } = await publisher.next("published", DURATION_MS + 60_000);
    const receivers = workers.slice(1);
    await drain(receivers, count);
    for (const w of receivers) w.send({ type: "report" });
    const reports = await Promise.all(receivers.map((w) => w.next("report")));
    const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const perNodeRates = reports.map((r) =>
      r.received > 1 ? r.received / ((r.lastAt - r.firstAt) / 1000) : 0,
    );
    return {
      mode,
      size,
      offered: rate,
      published: count,
      deliveredPerSec: perNodeRates.reduce((a, b) => a + b, 0) / perNodeRates.length,
      deliveryRatio: reports.reduce((a, r) => a + r.received, 0) / (count * receivers.length),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      receiverCpuPerMsg:
        reports.reduce((a, r) => a + r.cpuMicros / Math.max(1, r.received), 0) / reports.length,
      publisherCpuPerMsg: publisherCpu / Math.max(1, count),
    };
  } finally {
    for (const w of workers) {
      if (w.proc.connected) w.send({ type: "stop" });
    }
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.proc.exitCode !== null) return resolve();
            const kill = setTimeout(() => w.proc.kill("SIGKILL"), 5000);
            w.proc.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
          }),
      ),
    );
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function medianResult(runs: CaseResult[]): CaseResult {
  return {
    ...runs[0]!,
    published: median(runs.map((r) => r.published)),
    deliveredPerSec: median(runs.map((r) => r.deliveredPerSec)),
    deliveryRatio: median(runs.map((r) => r.deliveryRatio)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    receiverCpuPerMsg: median(runs.map((r) => r.receiverCpuPerMsg)),
    publisherCpuPerMsg: median(runs.map((r) => r.publisherCpuPerMsg)),
  };
}

async function main(): Promise<void> {
  console.log(
    `gossip bench: ${NODES} processes, ${DURATION_MS / 1000} s per run, ${REPS} runs per mode and case (medians), publisher = node 0, receivers = 3`,
  );
  const rows: string[] = [];
  rows.push(
    "| size | offered msg/s | delivered msg/s bare / shardnet | ratio | p50 / p99 ms bare | p50 / p99 ms shardnet | delivered % bare / shardnet | receiver CPU µs/msg bare / shardnet | CPU ratio |",
  );
  rows.push("|---|---|---|---|---|---|---|---|---|");
  for (const { size, rate } of CASES) {
    const bareRuns: CaseResult[] = [];
    const ourRuns: CaseResult[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      bareRuns.push(await runCase("bare", size, rate));
      console.log(JSON.stringify(bareRuns.at(-1)));
      ourRuns.push(await runCase("shardnet", size, rate));
      console.log(JSON.stringify(ourRuns.at(-1)));
    }
    const bare = medianResult(bareRuns);
    const ours = medianResult(ourRuns);
    const f = (n: number): string => n.toFixed(1);
    rows.push(
      `| ${size} B | ${rate} | ${bare.deliveredPerSec.toFixed(0)} / ${ours.deliveredPerSec.toFixed(0)} | ${(ours.deliveredPerSec / bare.deliveredPerSec).toFixed(2)} | ${f(bare.p50)} / ${f(bare.p99)} | ${f(ours.p50)} / ${f(ours.p99)} | ${(bare.deliveryRatio * 100).toFixed(1)} / ${(ours.deliveryRatio * 100).toFixed(1)} | ${bare.receiverCpuPerMsg.toFixed(0)} / ${ours.receiverCpuPerMsg.toFixed(0)} | ${(bare.receiverCpuPerMsg / ours.receiverCpuPerMsg).toFixed(2)} |`,
    );
  }
  console.log(`\n${rows.join("\n")}`);
  console.log(
    "\nratio = shardnet / bare delivered msg/s (wall clock, sensitive to other load on the machine);" +
      "\nCPU ratio = bare / shardnet receiver CPU per delivered message (capacity ratio, robust to other load).",
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
