/**
 * Every panel of every generated Grafana dashboard shows data against a real devnet (issue 19, DESIGN.md §8):
 * a beacon node and 2 shard nodes (2 shards, 1-second slots) as processes, the load generator sending
 * cross-shard transfers with --metrics-port, a rogue peer sending invalid gossip and req/resp floods for a
 * few seconds (the error panels: blocks rejected, gossip dropped, req/resp errors), and the real `prometheus`
 * binary scraping every node and the load generator every second. Each panel expression is queried through
 * Prometheus' HTTP API (`$node` → `.*`, `$__rate_interval` → RATE_WINDOW); an expression that returns no
 * series fails the test by name. The reverse holds too: every shardnet_* metric a node serves is shown by a
 * panel.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RoguePeer, startRoguePeer } from "../../apps/devnet/src/chaos/rogue/index.js";
import { metricsWithoutPanel, panelExpressions } from "../../apps/devnet/src/dashboards/coverage.js";
import { E2eDevnet, saveEvidenceOnFailure, sleep, withEvidence } from "./helpers/devnet.js";
import { type LoadgenRun, spawnLoadgen } from "./helpers/loadgen.js";
import { PrometheusProcess } from "./helpers/prometheus.js";

const BASE_PORT = 30200;
const PROMETHEUS_PORT = BASE_PORT + 90;
const LOADGEN_METRICS_PORT = BASE_PORT + 91;
const SHARD_NODES = 2;
/** Four scrape intervals, as Grafana's $__rate_interval is at least. */
const SCRAPE_SECONDS = 1;
const RATE_WINDOW = "15s";
/** How long the panels get to fill once the load generator and the rogue peer have started. */
const FILL_DEADLINE_MS = 60_000;

/** A panel expression as Grafana would send it with every node selected. */
function instantiate(expr: string): string {
  return expr.replaceAll("$node", ".*").replaceAll("$__rate_interval", RATE_WINDOW);
}

describe.sequential("dashboards against a real Prometheus scraping a devnet", () => {
  let devnet: E2eDevnet | undefined;
  let prometheus: PrometheusProcess | undefined;
  let loadgen: LoadgenRun | undefined;
  let rogue: RoguePeer | undefined;
  const failures = saveEvidenceOnFailure(() => devnet);

  beforeAll(async () => {
    const node = (name: string, port: number, role: string) => ({
      address: `127.0.0.1:${port}`,
      labels: { node: name, role },
    });
    prometheus = await PrometheusProcess.start({
      port: PROMETHEUS_PORT,
      scrapeIntervalSeconds: SCRAPE_SECONDS,
      jobs: [
        {
          job: "shardnet",
          targets: [
            node("beacon", BASE_PORT, "beacon"),
            ...Array.from({ length: SHARD_NODES }, (_, i) =>
              node(`node-${i + 1}`, BASE_PORT + 1 + i, "shard"),
            ),
          ],
        },
        { job: "loadgen", targets: [{ address: `127.0.0.1:${LOADGEN_METRICS_PORT}`, labels: {} }] },
      ],
    });
    devnet = await E2eDevnet.start({
      basePort: BASE_PORT,
      shardNodes: SHARD_NODES,
      shards: 2,
      validators: 16,
      slotSeconds: 1,
    });
    await devnet.untilSlot(2);
  });

  afterAll(async () => {
    loadgen?.child.kill("SIGKILL");
    await loadgen?.exited;
    await rogue?.stop().catch(() => undefined);
    await prometheus?.stop();
    await devnet?.stop(failures.any());
  });

  it("every panel expression of every dashboard returns series; every shardnet_* metric a node serves is on a panel", async () => {
    const d = devnet!;
    const shardApis = [...d.nodes.values()].filter((n) => n.role === "shard").map((n) => n.api);
    loadgen = spawnLoadgen(
      [
        `--apis=${shardApis.join(",")}`,
        "--rate=10",
        "--duration=20",
        "--cross-shard=0.5",
        "--senders=0..15",
        "--receivers=0..31",
        "--finality-timeout=60",
        `--metrics-port=${LOADGEN_METRICS_PORT}`,
        `--out=${d.dir}/loadgen-report`,
        "--quiet",
      ],
      120_000,
    );
    // The error panels (blocks rejected, gossip dropped, req/resp errors, peers penalised) need a peer that
    // misbehaves: a rogue peer attacks every topic and req/resp protocol for a few seconds.
    await withEvidence(d, "rogue peer", async () => {
      const statuses = await Promise.all([...d.nodes.keys()].map((name) => d.status(name)));
      const bootnodes = [...d.nodes.values()].map(
        (n, i) => `/ip4/127.0.0.1/tcp/${n.p2pPort}/p2p/${statuses[i]!.peerId}`,
      );
      rogue = await startRoguePeer({
        genesisPath: d.genesisPath,
        bootnodes,
        seed: 19,
        ratePerSecond: 20,
        requestsPerSecond: 20,
      });
      await sleep(5000);
      await rogue.stop();
    });

    const expressions = panelExpressions();
    const deadline = Date.now() + FILL_DEADLINE_MS;
    let empty: typeof expressions = expressions;
    while (empty.length > 0 && Date.now() < deadline) {
      await sleep(3000);
      const results = await Promise.all(
        empty.map(async (e) => ({ e, series: await prometheus!.query(instantiate(e.expr)) })),
      );
      empty = results.filter((r) => r.series.length === 0).map((r) => r.e);
    }
    const targets = await prometheus!.targets();
    expect(
      empty.map((e) => `${e.dashboard} / ${e.panel}: ${e.expr}`),
      `panel expressions without series (targets: ${JSON.stringify(targets)}; loadgen: ${loadgen.output().slice(-1500)})`,
    ).toEqual([]);

    // The reverse: what the nodes serve, not only what a fresh registry declares.
    const served = new Set<string>();
    for (const name of d.nodes.keys()) {
      for (const m of (await d.metrics(name)).matchAll(/^# TYPE (shardnet_\S+)/gm)) served.add(m[1]!);
    }
    expect(served.size).toBeGreaterThan(40);
    expect(metricsWithoutPanel(served)).toEqual([]);
  });
});
