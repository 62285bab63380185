/**
 * The real `prometheus` binary (Debian package, /usr/bin/prometheus) for end-to-end tests: a config and a
 * TSDB in a temp directory, listening on 127.0.0.1 only, killed (SIGKILL) by stop() or when the test worker
 * exits. Queries go through its HTTP API.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sleep, waitFor } from "../../../apps/devnet/src/processes.js";

/** Debian's package installs it here (.ci/run installs the package when it is missing). */
export const PROMETHEUS_BIN = "/usr/bin/prometheus";

export interface ScrapeJob {
  job: string;
  targets: Array<{ address: string; labels: Record<string, string> }>;
}

export interface InstantSeries {
  metric: Record<string, string>;
  value: [number, string];
}

export class PrometheusProcess {
  private output = "";

  private constructor(
    readonly dir: string,
    readonly url: string,
    private readonly child: ChildProcess,
    readonly exited: Promise<void>,
  ) {
    child.stdout?.on("data", (d) => {
      this.output = (this.output + d).slice(-20_000);
    });
    child.stderr?.on("data", (d) => {
      this.output = (this.output + d).slice(-20_000);
    });
  }

  /** Writes the config (JSON is YAML) and starts Prometheus; resolves once /-/ready answers. */
  static async start(opts: {
    port: number;
    scrapeIntervalSeconds: number;
    jobs: ScrapeJob[];
  }): Promise<PrometheusProcess> {
    const dir = mkdtempSync(join(tmpdir(), "shardnet-prometheus-"));
    const interval = `${opts.scrapeIntervalSeconds}s`;
    const config = {
      global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
      scrape_configs: opts.jobs.map((j) => ({
        job_name: j.job,
        metrics_path: "/metrics",
        static_configs: j.targets.map((t) => ({ targets: [t.address], labels: t.labels })),
      })),
    };
    writeFileSync(join(dir, "prometheus.yml"), JSON.stringify(config, null, 2));
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${opts.port}`,
        "--storage.tsdb.retention.time=1h",
        "--log.level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const prom = new PrometheusProcess(dir, `http://127.0.0.1:${opts.port}`, child, exited);
    live.add(prom);
    installExitHook();
    try {
      await waitFor(
        "prometheus to answer /-/ready",
        async () => {
          const res = await fetch(`${prom.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
          return res.ok ? true : undefined;
        },
        30_000,
        200,
        () => (child.exitCode === null ? undefined : `prometheus exited: ${prom.logTail()}`),
      );
    } catch (err) {
      await prom.stop();
      throw err;
    }
    return prom;
  }

  /** An instant query (`/api/v1/query`); throws with Prometheus' error on a bad expression. */
  async query(expr: string): Promise<InstantSeries[]> {
    const res = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr })}`, {
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: unknown };
    };
    if (body.status !== "success") throw new Error(`prometheus refused ${expr}: ${body.error ?? res.status}`);
    const { resultType, result } = body.data!;
    if (resultType === "scalar") return [{ metric: {}, value: result as [number, string] }];
    return resultType === "vector" ? (result as InstantSeries[]) : [];
  }

  /** Scrape targets and their health (`/api/v1/targets`). */
  async targets(): Promise<Array<{ job: string; address: string; health: string; lastError: string }>> {
    const res = await fetch(`${this.url}/api/v1/targets`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as {
      data: {
        activeTargets: Array<{
          labels: Record<string, string>;
          scrapeUrl: string;
          health: string;
          lastError: string;
        }>;
      };
    };
    return body.data.activeTargets.map((t) => ({
      job: t.labels.job ?? "",
      address: t.scrapeUrl,
      health: t.health,
      lastError: t.lastError,
    }));
  }

  logTail(): string {
    return this.output.slice(-3000);
  }

  /** SIGKILLs the process now (the test worker's exit hook). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  /** SIGKILLs Prometheus, waits for it to exit and removes its directory. */
  async stop(): Promise<void> {
    this.kill();
    await Promise.race([this.exited, sleep(5000)]);
    live.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const live = new Set<PrometheusProcess>();
let hookInstalled = false;
function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on("exit", () => {
    for (const p of live) p.kill();
  });
}
