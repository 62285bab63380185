/**
 * Light load across every fault: the load generator (apps/loadgen) at a low rate against every shard node,
 * so transfers cross partitions, freezes and kills; its report says how many accepted transfers were lost.
 * And the starve fault's CPU burners.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { entryArgs, REPO_ROOT } from "../processes.js";

export interface LoadSummary {
  sent: number;
  accepted: number;
  rejected: number;
  /** Accepted transfers that were dropped or never finalized. */
  lost: number;
  includedP99Seconds: number | null;
  exitCode: number | null;
  /** Why there is no report: the exit code and the last lines the load generator printed. */
  failure?: string;
}

/** Lines of the load generator's output kept for a failure message. */
const TAIL_LINES = 8;

export class LightLoad {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  /** Starts `loadgen --rate <rate> --duration <seconds>` against `apis`; report in `outDir`. */
  constructor(
    apis: readonly string[],
    opts: { rate: number; durationSec: number; finalityTimeoutSec: number; outDir: string; seed: number },
  ) {
    const args = [
      `--apis=${apis.join(",")}`,
      `--rate=${opts.rate}`,
      `--duration=${opts.durationSec}`,
      "--cross-shard=0.3",
      // dev:48..63 belong to the harness (durability checks); the load generator never sends from them.
      "--senders=0..47",
      "--receivers=0..63",
      `--finality-timeout=${opts.finalityTimeoutSec}`,
      `--seed=${opts.seed}`,
      "--quiet",
      `--out=${opts.outDir}`,
    ];
    this.outDir = opts.outDir;
    this.child = spawn(process.execPath, [...entryArgs("apps/loadgen/src/main.ts"), ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const log = createWriteStream(join(opts.outDir, "..", "loadgen.log"), { flags: "a" });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    let markPlanned: (planned: boolean) => void = () => {};
    this.planned = new Promise((res) => {
      markPlanned = res;
    });
    for (const stream of [this.child.stdout, this.child.stderr])
      stream?.on("data", (d: Buffer) => {
        const text = d.toString();
        if (text.includes("transfers planned")) markPlanned(true);
        this.tail.push(...text.split("\n").filter((l) => l.trim() !== ""));
        this.tail.splice(0, Math.max(0, this.tail.length - TAIL_LINES));
      });
    this.exited = new Promise((res) =>
      this.child.once("exit", (code) => {
        markPlanned(false);
        res(code);
      }),
    );
  }

  private readonly outDir: string;
  private readonly tail: string[] = [];
  private readonly planned: Promise<boolean>;

  /**
   * Resolves once the load generator has read the nodes and planned its transfers (true), or exited before
   * that (false): a fault started after it cannot make its start-up reads fail.
   */
  started(): Promise<boolean> {
    return this.planned;
  }

  /** Waits for the load generator to finish (sending, then following every transfer to finality). */
  async finish(timeoutMs: number): Promise<LoadSummary> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const exitCode = await this.exited;
    clearTimeout(timer);
    const file = join(this.outDir, "report.json");
    if (!existsSync(file))
      return {
        sent: 0,
        accepted: 0,
        rejected: 0,
        lost: 0,
        includedP99Seconds: null,
        exitCode,
        failure: `the load generator exited (code ${exitCode}) without a report; its last lines: ${this.tail.join(" | ") || "none"}`,
      };
    const r = JSON.parse(readFileSync(file, "utf8")) as {
      sent: number;
      accepted: number;
      rejected: number;
      notFinalized: number;
      dropped: number;
      latency: { included?: { p99?: number | null } };
    };
    return {
      sent: r.sent,
      accepted: r.accepted,
      rejected: r.rejected,
      lost: r.notFinalized + r.dropped,
      includedP99Seconds: r.latency.included?.p99 ?? null,
      exitCode,
    };
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

/** CPU burners beside the nodes (one per core, pinned with taskset when it exists): the starve fault. */
export class CpuBurners {
  private readonly children: ChildProcess[] = [];

  start(count: number): void {
    const pin = spawnSync("sh", ["-c", "command -v taskset"]).status === 0;
    for (let i = 0; i < count; i++) {
      const burn = [process.execPath, "-e", "for(;;){}"];
      const child = pin
        ? spawn("taskset", ["-c", String(i), ...burn], { stdio: "ignore" })
        : spawn(burn[0]!, burn.slice(1), { stdio: "ignore" });
      this.children.push(child);
    }
  }

  async stop(): Promise<void> {
    const exits = this.children.map((c) =>
      c.exitCode === null && c.signalCode === null
        ? new Promise<void>((res) => c.once("exit", () => res()))
        : Promise.resolve(),
    );
    for (const c of this.children) c.kill("SIGKILL");
    await Promise.all(exits);
    this.children.length = 0;
  }
}
