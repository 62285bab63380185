/**
 * The chaos harness's devnet: a beacon node and shard nodes as real processes on 127.0.0.1 (inside the
 * harness's network namespace), each with a group id of its own so the firewall can partition them, and
 * the process controls faults need: kill -9 and restart with the same flags, freeze (SIGSTOP) and thaw.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GenesisJson } from "@shardnet/consensus";
import { BLOCK_WRITE_FAILPOINT_MARKER } from "@shardnet/node";
import { loadOrCreatePeerKey } from "@shardnet/p2p";
import { writeGenesisFile } from "../genesisFile.js";
import { APP_ENTRY, getJson, sleep, spawnNode, waitFor } from "../processes.js";
import type { NodeStatus } from "../statusTypes.js";
import { type NodeSpec, nodeArgs } from "../topology.js";

/** Group ids of the nodes' processes: FIRST_GID + the node's index. */
const FIRST_GID = 47000;

export interface ClusterOptions {
  shardNodes: number;
  shards: number;
  validators: number;
  slotSeconds: number;
  slotsPerEpoch: number;
  basePort: number;
  /** Seconds from now to genesis (every node must be up by then). */
  genesisDelaySec: number;
  logLevel: string;
  /** Parent folder of the devnet's temp folder. */
  parentDir?: string;
}

export interface ChaosNode {
  name: string;
  role: "beacon" | "shard";
  gid: number;
  apiPort: number;
  p2pPort: number;
  api: string;
  validators: number[];
  args: string[];
  logFile: string;
  dataDir: string;
  /** Extra environment of the node's process (a failpoint, say). */
  env: NodeJS.ProcessEnv;
  /** Waiting for the current process's next BLOCK_WRITE_FAILPOINT_MARKER line. */
  blockWriteWaiters: Array<() => void>;
  child: ChildProcess;
  exited: Promise<void>;
  frozen: boolean;
  starts: number;
  /** When the current process started (ms). */
  startedAt: number;
}

/** Every node process a cluster started and that has not exited: what a signal to the harness must stop. */
const live = new Set<ChildProcess>();

/** SIGKILLs every node process still running (the harness got SIGINT/SIGTERM). */
export function killAllNodes(): void {
  for (const child of live) {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
  }
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export class ChaosCluster {
  readonly nodes = new Map<string, ChaosNode>();
  readonly genesisTimeMs: number;
  readonly slotMs: number;
  private nextIndex = 0;

  private constructor(
    readonly dir: string,
    readonly genesisPath: string,
    readonly genesis: GenesisJson,
    readonly opts: ClusterOptions,
    readonly beaconBootnode: string,
  ) {
    this.genesisTimeMs = genesis.genesisTime * 1000;
    this.slotMs = opts.slotSeconds * 1000;
  }

  /**
   * Writes a genesis (interop validators spread evenly over the shard nodes; shard node i tracks shard
   * i % shards) and defines every node; `start()` spawns them.
   */
  static async create(opts: ClusterOptions): Promise<ChaosCluster> {
    const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), "shardnet-chaos-"));
    const genesisPath = join(dir, "genesis.json");
    const genesis = writeGenesisFile(genesisPath, {
      validators: opts.validators,
      shards: opts.shards,
      preset: "local",
      secondsPerSlot: opts.slotSeconds,
      slotsPerEpoch: opts.slotsPerEpoch,
      genesisDelaySec: opts.genesisDelaySec,
      devAccounts: 64,
    });
    const beaconDir = join(dir, "beacon");
    mkdirSync(beaconDir, { recursive: true });
    const beaconKey = await loadOrCreatePeerKey(join(beaconDir, "peer.key"));
    const bootnode = `/ip4/127.0.0.1/tcp/${opts.basePort + 100}/p2p/${beaconKey.publicKey.toString()}`;
    const cluster = new ChaosCluster(dir, genesisPath, genesis, opts, bootnode);
    cluster.define("beacon", "beacon", [], []);
    const perNode = Math.floor(opts.validators / opts.shardNodes);
    for (let i = 0; i < opts.shardNodes; i++) {
      const first = i * perNode;
      const count = i === opts.shardNodes - 1 ? opts.validators - first : perNode;
      cluster.define(
        `node-${i + 1}`,
        "shard",
        Array.from({ length: count }, (_, k) => first + k),
        [i % opts.shards],
      );
    }
    return cluster;
  }

  /**
   * Defines a node (not started): ports and group id from its index. A node may host validators another
   * node hosts too (the equivocation scenario); each keeps its own slashing-protection database.
   */
  define(name: string, role: "beacon" | "shard", validators: number[], shards: number[]): ChaosNode {
    const index = this.nextIndex++;
    const nodeDir = join(this.dir, name);
    mkdirSync(nodeDir, { recursive: true });
    const apiPort = this.opts.basePort + index;
    const p2pPort = this.opts.basePort + 100 + index;
    const dataDir = join(nodeDir, "db"); // nodeArgs' --data-dir
    const spec: NodeSpec = { name, role, apiPort, p2pPort, shards, validators };
    const args = nodeArgs(
      spec,
      nodeDir,
      this.genesisPath,
      role === "beacon" ? "" : this.beaconBootnode,
      this.opts.logLevel,
      join(nodeDir, "peer.key"),
    );
    const node: ChaosNode = {
      name,
      role,
      gid: FIRST_GID + index,
      apiPort,
      p2pPort,
      api: `http://127.0.0.1:${apiPort}`,
      validators,
      args,
      logFile: join(nodeDir, "node.log"),
      dataDir,
      env: {},
      blockWriteWaiters: [],
      child: undefined as unknown as ChildProcess,
      exited: Promise.resolve(),
      frozen: false,
      starts: 0,
      startedAt: 0,
    };
    this.nodes.set(name, node);
    return node;
  }

  /** Starts (or restarts, with the same flags and data) a node's process; does not wait for it. */
  spawn(name: string): ChaosNode {
    const n = this.node(name);
    if (n.starts > 0 && isRunning(n.child)) throw new Error(`${name} is still running`);
    const child = spawnNode(
      n.role === "beacon" ? APP_ENTRY.beacon : APP_ENTRY.shard,
      n.args,
      n.logFile,
      n.env,
      {
        gid: n.gid,
      },
    );
    n.blockWriteWaiters = [];
    child.stderr?.on("data", (chunk: Buffer) => {
      if (n.blockWriteWaiters.length > 0 && chunk.includes(BLOCK_WRITE_FAILPOINT_MARKER))
        for (const wake of n.blockWriteWaiters.splice(0)) wake();
    });
    n.child = child;
    n.frozen = false;
    n.starts++;
    n.startedAt = Date.now();
    live.add(child);
    n.exited = new Promise<void>((res) =>
      child.once("exit", () => {
        live.delete(child);
        res();
      }),
    );
    return n;
  }

  /** Spawns every defined node that has not started yet and waits until each is healthy. */
  async start(timeoutMs: number): Promise<void> {
    for (const n of this.nodes.values()) if (n.starts === 0) this.spawn(n.name);
    await Promise.all([...this.nodes.keys()].map((name) => this.waitHealthy(name, timeoutMs)));
  }

  node(name: string): ChaosNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  shardNodes(): ChaosNode[] {
    return [...this.nodes.values()].filter((n) => n.role === "shard");
  }

  /**
   * Resolves true as soon as the node (started with the block-write failpoint) announces a block write it holds,
   * false after `timeoutMs`: a kill right then lands inside a block import, before its batch is on disk.
   */
  nextBlockWrite(name: string, timeoutMs: number): Promise<boolean> {
    const n = this.node(name);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        n.blockWriteWaiters = n.blockWriteWaiters.filter((w) => w !== wake);
        resolve(false);
      }, timeoutMs);
      n.blockWriteWaiters.push(wake);
    });
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(name: string): Promise<void> {
    const n = this.node(name);
    if (!isRunning(n.child)) return;
    if (n.frozen) n.child.kill("SIGCONT");
    n.child.kill("SIGKILL");
    await n.exited;
    n.frozen = false;
  }

  /** SIGSTOP: the process stops where it is (a GC pause, an overloaded host, a stalled VM). */
  freeze(name: string): void {
    const n = this.node(name);
    if (!isRunning(n.child) || n.frozen) return;
    n.child.kill("SIGSTOP");
    n.frozen = true;
  }

  thaw(name: string): void {
    const n = this.node(name);
    if (!isRunning(n.child) || !n.frozen) return;
    n.child.kill("SIGCONT");
    n.frozen = false;
  }

  /** Running and not frozen. */
  isUp(name: string): boolean {
    const n = this.node(name);
    return n.starts > 0 && isRunning(n.child) && !n.frozen;
  }

  async status(name: string, timeoutMs = 2000): Promise<NodeStatus> {
    return getJson<NodeStatus>(`${this.node(name).api}/v1/node/status`, timeoutMs);
  }

  async waitHealthy(name: string, timeoutMs: number): Promise<void> {
    const n = this.node(name);
    await waitFor(
      `${name} to become healthy (log ${n.logFile})`,
      () => getJson(`${n.api}/v1/node/health`, 1000),
      timeoutMs,
      250,
      () =>
        isRunning(n.child)
          ? undefined
          : `${name} exited (code ${n.child.exitCode}, signal ${n.child.signalCode}); log ${n.logFile}`,
    );
  }

  async waitLive(name: string, timeoutMs: number): Promise<void> {
    const n = this.node(name);
    await waitFor(
      `${name} to serve its API (log ${n.logFile})`,
      () => getJson(`${n.api}/v1/node/live`, 1000),
      timeoutMs,
      250,
      () => (isRunning(n.child) ? undefined : `${name} exited; log ${n.logFile}`),
    );
  }

  slotsPerEpoch(): number {
    return this.opts.slotsPerEpoch;
  }

  /** Wall-clock slot (negative before genesis). */
  currentSlot(now = Date.now()): number {
    return Math.floor((now - this.genesisTimeMs) / this.slotMs);
  }

  currentEpoch(now = Date.now()): number {
    return Math.floor(Math.max(0, this.currentSlot(now)) / this.opts.slotsPerEpoch);
  }

  /** Milliseconds in `n` epochs. */
  epochs(n: number): number {
    return n * this.opts.slotsPerEpoch * this.slotMs;
  }

  /** Sleeps until the wall clock reaches the start of `slot` plus `offsetMs`. */
  async untilSlot(slot: number, offsetMs = 0): Promise<void> {
    const wait = this.genesisTimeMs + slot * this.slotMs + offsetMs - Date.now();
    if (wait > 0) await sleep(wait);
  }

  async untilEpoch(epoch: number): Promise<void> {
    await this.untilSlot(epoch * this.opts.slotsPerEpoch);
  }

  /** SIGKILLs every process (thawing frozen ones first) and waits for them. */
  async stop(): Promise<void> {
    const all = [...this.nodes.values()].filter((n) => n.starts > 0);
    for (const n of all) {
      if (!isRunning(n.child)) continue;
      if (n.frozen) n.child.kill("SIGCONT");
      n.child.kill("SIGKILL");
    }
    await Promise.all(all.map((n) => n.exited));
  }
}
