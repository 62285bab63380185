/**
 * End-to-end devnet harness: one beacon node and N shard nodes as real processes (real libp2p on
 * 127.0.0.1) in a temp directory, with their own ports. Unlike `npm run devnet`, every node is a handle
 * the test controls: it can be killed with SIGKILL, restarted on the same data dir, or started late, and
 * extra nodes (another genesis, another data dir) can be added.
 *
 * Cleanup is guaranteed three ways: `stop()` (call it in afterAll) SIGKILLs every process the harness
 * started; a process "exit" hook does the same if the test worker dies; and every wait has a deadline.
 */
import type { ChildProcess } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GenesisJson } from "@shardnet/consensus";
import { loadOrCreatePeerKey } from "@shardnet/p2p";
import { afterEach } from "vitest";
import { writeGenesisFile } from "../../../apps/devnet/src/genesisFile.js";
import {
  APP_ENTRY,
  getJson,
  REPO_ROOT,
  sleep,
  spawnNode,
  waitFor,
} from "../../../apps/devnet/src/processes.js";
import type { NodeStatus } from "../../../apps/devnet/src/statusTypes.js";

export type { NodeStatus };
export { getJson, sleep, waitFor };

export const SLOTS_PER_EPOCH = 8;

/** Where a failing e2e test leaves its evidence: one folder per failure, named in the failure message. */
export const EVIDENCE_ROOT = join(REPO_ROOT, "test-results", "e2e");

export interface DevnetOptions {
  /** First port: beacon API = basePort, shard node i API = basePort + i, p2p ports at +100. */
  basePort: number;
  shardNodes?: number;
  shards?: number;
  validators?: number;
  slotSeconds?: number;
  /** Seconds from genesis-file creation to genesis; default grows with the node count (startup time). */
  genesisDelaySec?: number;
  logLevel?: string;
  /** Keep the temp directory after stop() (for debugging). */
  keepDir?: boolean;
  /** Preset values by name (SLOTS_PER_EPOCH included: epochs() follows it). */
  presetOverrides?: Record<string, number>;
}

export interface NodeSpecE2e {
  name: string;
  role: "beacon" | "shard";
  apiPort: number;
  p2pPort: number;
  validators: number[];
  shards: number[];
  genesisPath: string;
  dataDir: string;
  bootnodes: string[];
  /** More flags, e.g. --checkpoint-sync-url. */
  extraArgs?: string[];
  /** Download the genesis from this node API (--genesis-url) instead of reading genesisPath. */
  genesisUrl?: string;
}

export interface NodeHandle extends NodeSpecE2e {
  api: string;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code / signal when the current process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  starts: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Startup allowance: the e2e project runs nodes from their sources (SHARDNET_RUN_FROM=source in
 * vitest.config.ts), and each compiles its TypeScript through tsx on start. In CI (2 cores) a devnet of 5
 * processes answered on every API 2.5 s after the spawn; this leaves more than 5× that.
 */
export function defaultGenesisDelaySec(processes: number): number {
  return Math.max(12, Math.round(4 + 2 * processes));
}

export class E2eDevnet {
  readonly nodes = new Map<string, NodeHandle>();
  readonly genesisTimeMs: number;
  readonly slotMs: number;
  readonly slotsPerEpoch: number;
  beaconBootnode = "";
  private nextExtraPort: number;
  /** The last /v1/node/status each node answered, with the wall-clock slot it answered in. */
  readonly lastStatus = new Map<string, { slot: number; time: string; status: NodeStatus }>();
  private statusTimer: NodeJS.Timeout | undefined;
  private statusPolling = false;

  private constructor(
    readonly dir: string,
    readonly genesisPath: string,
    readonly genesis: GenesisJson,
    readonly opts: Required<Omit<DevnetOptions, "genesisDelaySec">>,
  ) {
    this.genesisTimeMs = genesis.genesisTime * 1000;
    this.slotMs = opts.slotSeconds * 1000;
    this.slotsPerEpoch = opts.presetOverrides.SLOTS_PER_EPOCH ?? SLOTS_PER_EPOCH;
    this.nextExtraPort = opts.basePort + opts.shardNodes + 1;
  }

  get statusLogFile(): string {
    return join(this.dir, "status.log");
  }

  /** Milliseconds in `n` slots: every deadline in the e2e tests is counted in slots (or epochs). */
  slots(n: number): number {
    return n * this.slotMs;
  }

  /** Milliseconds in `n` epochs. */
  epochs(n: number): number {
    return n * this.slotsPerEpoch * this.slotMs;
  }

  /**
   * Writes a genesis and starts the beacon node and the shard nodes (all at once: the beacon node's peer
   * key is created up front so its peer id is known before it runs). Resolves once every node answers
   * /v1/node/health. Validators are spread evenly (interop keys), shard node i always tracks shard i % S.
   */
  static async start(options: DevnetOptions): Promise<E2eDevnet> {
    installExitHook();
    const opts = {
      shardNodes: 4,
      shards: 4,
      validators: 32,
      slotSeconds: 1,
      logLevel: "info",
      keepDir: false,
      presetOverrides: {},
      ...options,
    };
    const dir = mkdtempSync(join(tmpdir(), "shardnet-e2e-"));
    const genesisPath = join(dir, "genesis.json");
    const genesis = writeGenesisFile(genesisPath, {
      validators: opts.validators,
      shards: opts.shards,
      preset: "local",
      secondsPerSlot: opts.slotSeconds,
      genesisDelaySec: options.genesisDelaySec ?? defaultGenesisDelaySec(opts.shardNodes + 1),
      devAccounts: 16,
      presetOverrides: opts.presetOverrides,
    });
    const devnet = new E2eDevnet(dir, genesisPath, genesis, opts);
    try {
      const beaconDir = join(dir, "beacon");
      mkdirSync(beaconDir, { recursive: true });
      const beaconKey = await loadOrCreatePeerKey(join(beaconDir, "peer.key"));
      devnet.beaconBootnode = `/ip4/127.0.0.1/tcp/${opts.basePort + 100}/p2p/${beaconKey.publicKey.toString()}`;
      devnet.spawn(devnet.spec("beacon", "beacon", 0, [], []));
      const perNode = Math.floor(opts.validators / opts.shardNodes);
      for (let i = 0; i < opts.shardNodes; i++) {
        const first = i * perNode;
        const last = i === opts.shardNodes - 1 ? opts.validators - 1 : first + perNode - 1;
        const validators = Array.from({ length: last - first + 1 }, (_, k) => first + k);
        devnet.spawn(devnet.spec(`node-${i + 1}`, "shard", i + 1, validators, [i % opts.shards]));
      }
      devnet.startStatusLog();
      await Promise.all([...devnet.nodes.keys()].map((name) => devnet.waitHealthy(name, 90_000)));
    } catch (err) {
      const evidence = await devnet.saveEvidence(`devnet failed to start: ${(err as Error).message}`);
      devnet.printLogTails(`devnet failed to start: ${(err as Error).message}`);
      await devnet.stop();
      throw new Error(`${(err as Error).message}\n  evidence saved in ${evidence}`, { cause: err });
    }
    return devnet;
  }

  /** A node spec on port offset `index` (API basePort+index, p2p +100), data in <dir>/<name>/db. */
  spec(
    name: string,
    role: "beacon" | "shard",
    index: number,
    validators: number[],
    shards: number[],
  ): NodeSpecE2e {
    return {
      name,
      role,
      apiPort: this.opts.basePort + index,
      p2pPort: this.opts.basePort + 100 + index,
      validators,
      shards,
      genesisPath: this.genesisPath,
      dataDir: join(this.dir, name, "db"),
      bootnodes: role === "beacon" ? [] : [this.beaconBootnode],
    };
  }

  /** Spec for a node beyond the initial ones, on the next free port offset. */
  extraSpec(name: string, validators: number[] = [], shards: number[] = []): NodeSpecE2e {
    const index = this.nextExtraPort - this.opts.basePort;
    this.nextExtraPort++;
    return this.spec(name, "shard", index, validators, shards);
  }

  /** Starts (or restarts, with the same spec) a node process; does not wait for it. */
  spawn(spec: NodeSpecE2e): NodeHandle {
    const nodeDir = join(this.dir, spec.name);
    mkdirSync(nodeDir, { recursive: true });
    const args = [
      "--name",
      spec.name,
      ...(spec.genesisUrl ? ["--genesis-url", spec.genesisUrl] : ["--genesis", spec.genesisPath]),
      "--data-dir",
      spec.dataDir,
      "--peer-key-file",
      join(nodeDir, "peer.key"),
      "--api-port",
      String(spec.apiPort),
      "--p2p-port",
      String(spec.p2pPort),
      "--log-level",
      this.opts.logLevel,
    ];
    if (spec.bootnodes.length > 0) args.push("--bootnodes", spec.bootnodes.join(","));
    if (spec.shards.length > 0) args.push("--shards", spec.shards.join(","));
    if (spec.validators.length > 0) args.push("--validators", spec.validators.join(","));
    args.push(...(spec.extraArgs ?? []));
    const logFile = join(nodeDir, "node.log");
    const previous = this.nodes.get(spec.name);
    if (previous && isRunning(previous.child)) throw new Error(`${spec.name} is still running`);
    const child = spawnNode(spec.role === "beacon" ? APP_ENTRY.beacon : APP_ENTRY.shard, args, logFile);
    live.add(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
      child.once("exit", (code, signal) => {
        live.delete(child);
        res({ code, signal });
      });
    });
    const handle: NodeHandle = {
      ...spec,
      api: `http://127.0.0.1:${spec.apiPort}`,
      logFile,
      child,
      exited,
      starts: (previous?.starts ?? 0) + 1,
    };
    this.nodes.set(spec.name, handle);
    return handle;
  }

  node(name: string): NodeHandle {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Names of the nodes whose process is running. */
  running(): string[] {
    return [...this.nodes.values()].filter((n) => isRunning(n.child)).map((n) => n.name);
  }

  /**
   * Waits until the node answers /v1/node/health with 200: it has peers and follows the beacon chain and
   * its tracked shards. Fails at once if its process exits.
   */
  async waitHealthy(name: string, timeoutMs = 60_000): Promise<NodeStatus> {
    return this.waitEndpoint(name, "/v1/node/health", "healthy", timeoutMs);
  }

  /** Waits until the node's API answers /v1/node/live (a node that may never be healthy, e.g. isolated). */
  async waitLive(name: string, timeoutMs = 60_000): Promise<NodeStatus> {
    return this.waitEndpoint(name, "/v1/node/live", "live", timeoutMs);
  }

  private async waitEndpoint(
    name: string,
    path: string,
    what: string,
    timeoutMs: number,
  ): Promise<NodeStatus> {
    const n = this.node(name);
    const exitedEarly = n.exited.then(({ code, signal }) => {
      throw new Error(
        `${name} exited (code ${code}, signal ${signal}) before becoming ${what}; log ${n.logFile}`,
      );
    });
    const healthy = waitFor(
      `${name} to become ${what} (log ${n.logFile})`,
      async () => {
        if (!isRunning(n.child)) return undefined;
        await getJson(`${n.api}${path}`, 1000);
        return this.status(name);
      },
      timeoutMs,
      250,
    );
    exitedEarly.catch(() => undefined); // observed by the race below; avoid an unhandled rejection later
    return Promise.race([healthy, exitedEarly]);
  }

  async status(name: string): Promise<NodeStatus> {
    return getJson<NodeStatus>(`${this.node(name).api}/v1/node/status`, 2000);
  }

  /** Status of each running node (undefined for one that does not answer). */
  async statuses(names = this.running()): Promise<Map<string, NodeStatus | undefined>> {
    const entries = await Promise.all(
      names.map(async (name) => [name, await this.status(name).catch(() => undefined)] as const),
    );
    return new Map(entries);
  }

  async crosslinks(name = "beacon"): Promise<CrosslinksResponse> {
    return getJson<CrosslinksResponse>(`${this.node(name).api}/v1/beacon/crosslinks`, 2000);
  }

  async metrics(name: string): Promise<string> {
    const res = await fetch(`${this.node(name).api}/metrics`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`GET metrics of ${name} → ${res.status}`);
    return res.text();
  }

  /** Wall-clock slot (negative before genesis). */
  currentSlot(now = Date.now()): number {
    return Math.floor((now - this.genesisTimeMs) / this.slotMs);
  }

  currentEpoch(now = Date.now()): number {
    return Math.floor(Math.max(0, this.currentSlot(now)) / this.slotsPerEpoch);
  }

  /** Sleeps until the wall clock reaches the start of `slot` (plus `offsetMs`). */
  async untilSlot(slot: number, offsetMs = 0): Promise<void> {
    const wait = this.genesisTimeMs + slot * this.slotMs + offsetMs - Date.now();
    if (wait > 0) await sleep(wait);
  }

  /** SIGKILLs a node and waits for the process to be gone. */
  async kill(name: string): Promise<void> {
    const n = this.node(name);
    if (!isRunning(n.child)) return;
    n.child.kill("SIGKILL");
    await n.exited;
  }

  /** Starts a stopped node again with the same spec (same data dir, keys, ports). */
  restart(name: string): NodeHandle {
    const n = this.node(name);
    return this.spawn({
      name: n.name,
      role: n.role,
      apiPort: n.apiPort,
      p2pPort: n.p2pPort,
      validators: n.validators,
      shards: n.shards,
      genesisPath: n.genesisPath,
      dataDir: n.dataDir,
      bootnodes: n.bootnodes,
    });
  }

  /** Waits for a node's process to exit (e.g. one expected to refuse to start). */
  async waitExit(
    name: string,
    timeoutMs: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const n = this.node(name);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${name} did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([n.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  readLog(name: string): string {
    const file = this.node(name).logFile;
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  }

  /** Parsed JSON log lines of a node (non-JSON lines, e.g. stderr text, are skipped). */
  logEvents(name: string): LogEvent[] {
    const events: LogEvent[] = [];
    for (const line of this.readLog(name).split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        events.push(JSON.parse(line) as LogEvent);
      } catch {
        // partial last line
      }
    }
    return events;
  }

  logTail(name: string, lines = 30): string {
    const all = this.readLog(name).trimEnd().split("\n");
    return all
      .slice(-lines)
      .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l))
      .join("\n");
  }

  /** Prints the tail of every node's log (call when a test fails). */
  printLogTails(reason: string, lines = 30): void {
    const parts = [`\n===== e2e devnet logs (${reason}); dir ${this.dir} =====`];
    for (const n of this.nodes.values()) {
      const state = isRunning(n.child)
        ? "running"
        : `exited code=${n.child.exitCode} signal=${n.child.signalCode}`;
      parts.push(
        `----- ${n.name} (${state}, ${n.logFile}) last ${lines} lines -----`,
        this.logTail(n.name, lines),
      );
    }
    process.stderr.write(`${parts.join("\n")}\n`);
  }

  /**
   * Once a slot: asks every running node for /v1/node/status, keeps the last answer of each, and appends
   * one status line per node to status.log in the devnet's folder (the evidence of a failure).
   */
  private startStatusLog(): void {
    const poll = async () => {
      if (this.statusPolling) return;
      this.statusPolling = true;
      try {
        const statuses = await this.statuses();
        const slot = this.currentSlot();
        const time = new Date().toISOString();
        for (const [name, status] of statuses) if (status) this.lastStatus.set(name, { slot, time, status });
        appendFileSync(
          this.statusLogFile,
          `--- ${time} wall-clock slot ${slot}\n${formatStatuses(statuses)}\n`,
        );
      } catch {
        // the folder is gone (stop) or the disk is full: the log is evidence, never a reason to fail
      } finally {
        this.statusPolling = false;
      }
    };
    this.statusTimer = setInterval(() => void poll(), this.slotMs);
    this.statusTimer.unref();
  }

  /**
   * Copies what a failure needs into a new folder under test-results/e2e and returns its path: every
   * node's log, the status lines of every slot, and the last /v1/node/status of every node (asked once
   * more now, and otherwise the last one it answered).
   */
  async saveEvidence(reason: string): Promise<string> {
    const now = await this.statuses().catch(() => new Map<string, NodeStatus | undefined>());
    for (const [name, status] of now) {
      if (status)
        this.lastStatus.set(name, { slot: this.currentSlot(), time: new Date().toISOString(), status });
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const label = reason
      .replace(/[^A-Za-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60);
    const dir = join(EVIDENCE_ROOT, `${stamp}-${label}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "reason.txt"), `${reason}\ndevnet folder: ${this.dir}\n`);
    for (const n of this.nodes.values()) {
      if (existsSync(n.logFile)) copyFileSync(n.logFile, join(dir, `${n.name}.log`));
    }
    if (existsSync(this.statusLogFile)) copyFileSync(this.statusLogFile, join(dir, "status.log"));
    const last = Object.fromEntries(
      [...this.nodes.keys()].map((name) => [
        name,
        {
          running: isRunning(this.node(name).child),
          ...(this.lastStatus.get(name) ?? { status: "never answered" }),
        },
      ]),
    );
    writeFileSync(join(dir, "last-status.json"), `${JSON.stringify(last, null, 2)}\n`);
    return dir;
  }

  /** SIGKILLs every process the harness started and removes the temp dir (unless keepDir or a failure). */
  async stop(keepDir = this.opts.keepDir): Promise<void> {
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = undefined;
    const all = [...this.nodes.values()];
    for (const n of all) if (isRunning(n.child)) n.child.kill("SIGKILL");
    await Promise.all(all.map((n) => n.exited));
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The failure hook of a suite that shares one devnet: when a test fails, its evidence is saved
 * (E2eDevnet.saveEvidence), the folder is named in the failure message, and the log tails are printed.
 * `any()` says whether a test failed (then the devnet's temp folder is kept too).
 */
export function saveEvidenceOnFailure(devnet: () => E2eDevnet | undefined): { any: () => boolean } {
  let failed = false;
  afterEach(async ({ task }) => {
    if (task.result?.state !== "fail") return;
    failed = true;
    const d = devnet();
    if (!d) return;
    const folder = await d.saveEvidence(`${task.name}`);
    for (const e of task.result.errors ?? []) e.message = `${e.message}\n  evidence saved in ${folder}`;
    d.printLogTails(`test failed: ${task.name}; evidence saved in ${folder}`);
  });
  return { any: () => failed };
}

/** Runs `fn` (a suite's setup on a started devnet); on error, saves the evidence and names its folder. */
export async function withEvidence<T>(devnet: E2eDevnet, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const folder = await devnet.saveEvidence(`${what}: ${(err as Error).message}`);
    devnet.printLogTails(`${what} failed; evidence saved in ${folder}`);
    throw new Error(`${what}: ${(err as Error).message}\n  evidence saved in ${folder}`, { cause: err });
  }
}

export interface CrosslinksResponse {
  headSlot: number;
  crosslinks: Array<{ shard: number; slot: number; shardBlockRoot: string }>;
}

export interface LogEvent {
  level: number;
  msg: string;
  time?: number;
  [key: string]: unknown;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Polls a node's /v1/beacon/crosslinks and records every distinct crosslink it sees with the beacon head
 * slot at which it was first seen (≈ the slot of the block that included it).
 */
export class CrosslinkRecorder {
  /** key `${shard}:${slot}:${root}` → first beacon head slot seen with it. */
  readonly seen = new Map<string, { shard: number; slot: number; includedBy: number }>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly devnet: E2eDevnet,
    private readonly name = "beacon",
    private readonly intervalMs = 250,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const res = await this.devnet.crosslinks(this.name);
      for (const c of res.crosslinks) {
        if (c.slot === 0 && /^0x0+$/.test(c.shardBlockRoot)) continue; // genesis crosslink
        const key = `${c.shard}:${c.slot}:${c.shardBlockRoot}`;
        if (!this.seen.has(key))
          this.seen.set(key, { shard: c.shard, slot: c.slot, includedBy: res.headSlot });
      }
    } catch {
      // node busy or restarting: the next poll catches up (a crosslink stays current for a while)
    } finally {
      this.busy = false;
    }
  }

  /** For each shard, the epochs of beacon blocks (by first-seen head slot) that crosslinked it. */
  epochsByShard(shards: number): Array<Set<number>> {
    const out = Array.from({ length: shards }, () => new Set<number>());
    for (const c of this.seen.values()) out[c.shard]?.add(Math.floor(c.includedBy / SLOTS_PER_EPOCH));
    return out;
  }

  /** For each shard, the epochs of the shard blocks that were crosslinked. */
  shardBlockEpochsByShard(shards: number): Array<Set<number>> {
    const out = Array.from({ length: shards }, () => new Set<number>());
    for (const c of this.seen.values()) out[c.shard]?.add(Math.floor(c.slot / SLOTS_PER_EPOCH));
    return out;
  }
}

/** One-line summary of statuses for test output. */
export function formatStatuses(statuses: Map<string, NodeStatus | undefined>): string {
  return [...statuses.entries()]
    .map(([name, s]) =>
      s
        ? `${name}: slot ${s.slot} head ${s.head.slot}:${s.head.root.slice(0, 10)} just ${s.justified.epoch} fin ${s.finalized.epoch}:${s.finalized.root.slice(0, 10)} peers ${s.peers}${s.health && s.health.status !== "ok" ? ` ${s.health.status}: ${(s.health.reasons ?? []).join("; ")}` : ""}`
        : `${name}: down`,
    )
    .join("\n");
}
