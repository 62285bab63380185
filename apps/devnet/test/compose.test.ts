import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { nodeOptionTable, parseOptions } from "@shardnet/node";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  BEACON_PEER_KEY_FILE,
  CONTAINER_GENESIS,
  DEFAULT_INFRA_OPTIONS,
  FlowSeq,
  formatJson,
  GRAFANA_DASHBOARDS_DIR,
  GRAFANA_PROVISIONING_DIR,
  nodeVolume,
  PROMETHEUS_DATASOURCE,
  renderDockerCompose,
  renderPrometheusConfig,
  toYaml,
  type YamlValue,
} from "../src/compose.js";
import { DASHBOARDS } from "../src/dashboards/index.js";
import { defaultInfra, renderInfraFiles } from "../src/generateInfra.js";
import { buildTopology, formatIndexList, type NodeSpec } from "../src/topology.js";

const ROOT = resolve(import.meta.dirname, "../../..");

interface ComposeService {
  build?: { context: string; dockerfile: string };
  image: string;
  command?: Array<string | number>;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  restart?: string;
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

interface PromConfig {
  scrape_configs: Array<{
    job_name: string;
    static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
  }>;
}

interface DashboardTarget {
  expr: string;
  datasource: { uid: string };
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Array<{
    id: number;
    title: string;
    description?: string;
    datasource: { uid: string };
    targets: DashboardTarget[];
  }>;
  templating: { list: Array<{ query: { query: string }; datasource: { uid: string } }> };
}

function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), "utf8");
}

/** The node flags after `start-node.sh <app>`. */
function nodeFlags(service: ComposeService): string[] {
  const command = (service.command ?? []).map(String);
  expect(command[0]).toBe("infra/scripts/start-node.sh");
  return command.slice(2);
}

function checkTopology(topology: NodeSpec[], composeText: string, promText: string): void {
  const compose = parse(composeText) as ComposeFile;
  const prom = parse(promText) as PromConfig;
  const beacon = topology.find((s) => s.role === "beacon")!;
  const job = prom.scrape_configs.find((j) => j.job_name === "shardnet")!;
  expect(job.static_configs).toHaveLength(topology.length);

  const genesis = compose.services.genesis!;
  expect(genesis.command?.join(" ")).toContain("node apps/devnet/dist/genesisCli.js --validators");
  // Written once: the command skips when the genesis exists (a second `up` keeps it).
  expect(genesis.command?.join(" ")).toContain(`test -f ${CONTAINER_GENESIS} ||`);
  expect(genesis.volumes).toEqual(["network:/network"]);
  for (const spec of topology) {
    const service = compose.services[spec.name];
    expect(service, `service ${spec.name}`).toBeDefined();
    expect(service!.build).toEqual({ context: "..", dockerfile: "infra/Dockerfile" });
    expect(service!.ports).toEqual([`${spec.apiPort}:${spec.apiPort}`, `${spec.p2pPort}:${spec.p2pPort}`]);
    // Its own named volume for its database and peer key, and the shared one (genesis, bootnode key),
    // writable only by the beacon node, which writes its key there.
    expect(service!.volumes).toEqual([
      spec.role === "beacon" ? "network:/network" : "network:/network:ro",
      `${nodeVolume(spec)}:/data`,
    ]);
    expect(compose.volumes).toHaveProperty(nodeVolume(spec));
    expect(service!.restart).toBe("unless-stopped");
    expect(service!.deploy?.resources?.limits?.cpus).toMatch(/^\d+(\.\d+)?$/);
    expect(service!.deploy?.resources?.limits?.memory).toMatch(/^\d+[MG]$/);
    expect(service!.command?.[1]).toBe(spec.role === "beacon" ? "beacon" : "shard-node");

    // Every flag is one the node apps accept, and the values are the topology's.
    const { values } = parseOptions(nodeOptionTable, nodeFlags(service!), {});
    expect(values.name).toBe(spec.name);
    expect(values["api-host"]).toBe("0.0.0.0");
    expect(values["p2p-host"]).toBe("0.0.0.0");
    expect(values["api-port"]).toBe(spec.apiPort);
    expect(values["p2p-port"]).toBe(spec.p2pPort);
    expect(values.shards).toBe(spec.shards.join(","));
    expect(values.validators).toBe(formatIndexList(spec.validators));
    expect(values.genesis).toBe(CONTAINER_GENESIS);
    expect(values["data-dir"]).toBe("/data/db");

    const deps = service!.depends_on as Record<string, { condition: string }>;
    expect(deps.genesis).toEqual({ condition: "service_completed_successfully" });
    if (spec.role === "beacon") {
      expect(values["peer-key-file"]).toBe(BEACON_PEER_KEY_FILE);
      expect(service!.environment).toBeUndefined();
    } else {
      expect(deps[beacon.name]).toEqual({ condition: "service_healthy" });
      expect(service!.environment).toEqual({
        BOOTNODE_KEY_FILE: BEACON_PEER_KEY_FILE,
        BOOTNODE_ADDR: `/dns4/${beacon.name}/tcp/${beacon.p2pPort}`,
      });
    }
    expect(service!.healthcheck?.test).toEqual([
      "CMD",
      "node",
      "infra/scripts/healthcheck.mjs",
      String(spec.apiPort),
    ]);

    const target = job.static_configs.find((c) => c.labels?.node === spec.name);
    expect(target, `scrape target ${spec.name}`).toBeDefined();
    expect(target!.targets).toEqual([`${spec.name}:${spec.apiPort}`]);
    expect(target!.labels?.role).toBe(spec.role);
  }
  expect(compose.services.prometheus?.image).toMatch(/^prom\/prometheus:/);
  expect(compose.services.grafana?.image).toMatch(/^grafana\/grafana:/);
  expect(Object.keys(compose.services).sort()).toEqual(
    ["genesis", "prometheus", "grafana", ...topology.map((s) => s.name)].sort(),
  );
}

describe("emitters", () => {
  it("toYaml round-trips strings YAML could misread", () => {
    const tricky = [
      "no",
      "yes",
      "on",
      "null",
      "~",
      "",
      "9000:9000",
      "1",
      "0.5",
      "a # b",
      "k: v",
      "-x",
      "*a",
      "[x]",
      "é",
    ];
    const doc: { [key: string]: YamlValue } = {
      list: tricky,
      map: Object.fromEntries(tricky.map((t, i) => [`k${i}`, t])),
      "odd key: x": [{ a: 1, b: true, c: [] }, { d: {} }],
      flow: new FlowSeq(tricky),
      long: new FlowSeq(Array.from({ length: 40 }, (_, i) => `--flag-${i}`)),
    };
    const back = parse(toYaml(doc, ["# header"])) as Record<string, unknown>;
    expect(back).toEqual({ ...doc, flow: tricky, long: Array.from({ length: 40 }, (_, i) => `--flag-${i}`) });
  });

  it("formatJson is JSON", () => {
    const value = {
      a: [1, 2, "x"],
      b: [{ c: null }],
      d: {},
      e: [],
      f: Array.from({ length: 60 }, (_, i) => i),
    };
    expect(JSON.parse(formatJson(value))).toEqual(value);
  });
});

describe("infra generated from the devnet topology", () => {
  it("committed infra files equal what the generator renders (run `npm run infra:generate`)", () => {
    // Generated files are written already formatted (Biome leaves them unchanged), so they must match exactly.
    for (const [path, text] of Object.entries(renderInfraFiles()))
      expect(readRepoFile(path), path).toBe(text);
  });

  it("every node of the default topology is a compose service and a scrape target", () => {
    const { topology } = defaultInfra();
    expect(topology).toHaveLength(5);
    checkTopology(
      topology,
      readRepoFile("infra/docker-compose.yml"),
      readRepoFile("infra/prometheus/prometheus.yml"),
    );
  });

  it("renders other topologies too", () => {
    const topology = buildTopology({ nodes: 2, shards: 3, validators: 10, basePort: 7000 });
    const opts = { ...DEFAULT_INFRA_OPTIONS, validators: 10, shards: 3 };
    const compose = renderDockerCompose(topology, opts);
    checkTopology(topology, compose, renderPrometheusConfig(topology, opts));
    expect(compose).toContain(
      "node apps/devnet/dist/genesisCli.js --validators 10 --shards 3 --preset local --slot-seconds 2",
    );
  });

  it("rejects a topology without exactly one beacon node", () => {
    const shardsOnly = buildTopology({ nodes: 2, shards: 2, validators: 4, basePort: 9000 }).slice(1);
    expect(() => renderDockerCompose(shardsOnly)).toThrow(/exactly one beacon/);
    expect(() => renderPrometheusConfig(shardsOnly)).toThrow(/exactly one beacon/);
  });

  it("Grafana's mounts hold its provisioning where Grafana reads it, and the provisioning finds the dashboards", () => {
    const compose = parse(readRepoFile("infra/docker-compose.yml")) as ComposeFile;
    const grafana = compose.services.grafana!;
    // host path (relative to infra/, where the compose file is) → container path, for every bind mount
    const mounts = new Map<string, string>();
    for (const v of grafana.volumes ?? []) {
      const [host, container, mode] = v.split(":");
      expect(mode, `${v} is read-only`).toBe("ro");
      mounts.set(container!, join(ROOT, "infra", host!));
    }
    // Grafana reads provisioning from its paths.provisioning, /etc/grafana/provisioning by default.
    expect(GRAFANA_PROVISIONING_DIR).toBe("/etc/grafana/provisioning");
    const provisioning = mounts.get(GRAFANA_PROVISIONING_DIR);
    expect(provisioning, `a mount at ${GRAFANA_PROVISIONING_DIR}`).toBeDefined();
    const yamlIn = (dir: string) =>
      readdirSync(join(provisioning!, dir)).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
    expect(yamlIn("datasources")).toEqual(["prometheus.yml"]);
    expect(yamlIn("dashboards")).toEqual(["dashboards.yml"]);

    const ds = parse(readFileSync(join(provisioning!, "datasources/prometheus.yml"), "utf8")) as {
      apiVersion: number;
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toHaveLength(1);
    expect(ds.datasources[0]?.uid).toBe(PROMETHEUS_DATASOURCE.uid);
    expect(ds.datasources[0]?.type).toBe("prometheus");
    // The datasource is the compose network's Prometheus service, on the port it listens on in its container.
    const url = new URL(ds.datasources[0]!.url);
    expect(compose.services).toHaveProperty(url.hostname);
    expect(compose.services[url.hostname]?.ports).toContain(
      `${DEFAULT_INFRA_OPTIONS.prometheusPort}:${url.port}`,
    );

    const providers = parse(readFileSync(join(provisioning!, "dashboards/dashboards.yml"), "utf8")) as {
      apiVersion: number;
      providers: Array<{ type: string; options: { path: string } }>;
    };
    expect(providers.apiVersion).toBe(1);
    expect(providers.providers).toHaveLength(1);
    expect(providers.providers[0]?.type).toBe("file");
    // The provider's path is a mount of the folder that holds the generated dashboards.
    const path = providers.providers[0]!.options.path;
    expect(path).toBe(GRAFANA_DASHBOARDS_DIR);
    const dashboardsDir = mounts.get(path);
    expect(dashboardsDir, `a mount at ${path}`).toBe(join(ROOT, "infra/grafana/dashboards"));
    const files = readdirSync(dashboardsDir!).filter((f) => f.endsWith(".json"));
    expect(files.sort()).toEqual(DASHBOARDS.map((d) => `${d.uid}.json`).sort());
    // The home dashboard is one of the mounted files.
    const home = grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(home?.startsWith(`${path}/`)).toBe(true);
    expect(files).toContain(home!.slice(path.length + 1));

    for (const d of dashboards()) {
      for (const p of d.panels) {
        expect(p.datasource.uid).toBe(PROMETHEUS_DATASOURCE.uid);
        expect(p.targets.length).toBeGreaterThan(0);
      }
    }
  });
});

describe("dashboard panels", () => {
  const panels = () => dashboards().flatMap((d) => d.panels.map((p) => ({ dashboard: d.title, ...p })));

  it("every panel has a description", () => {
    expect(
      panels()
        .filter((p) => !p.description?.trim())
        .map((p) => `${p.dashboard}: ${p.title}`),
    ).toEqual([]);
  });

  it("no query hides emptiness with a vector() filler, and every window is $__rate_interval", () => {
    const bad: string[] = [];
    for (const p of panels()) {
      for (const t of p.targets) {
        if (/vector\(/.test(t.expr)) bad.push(`${p.title}: filler in ${t.expr}`);
        for (const m of t.expr.matchAll(/\[([^\]]+)\]/g))
          if (m[1] !== "$__rate_interval") bad.push(`${p.title}: window [${m[1]}]`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("every query of a node metric selects the $node variable (the load generator's are not per node)", () => {
    const bad: string[] = [];
    for (const p of panels()) {
      for (const t of p.targets) {
        const nodeMetric = /\b(shardnet_(?!loadgen_)|nodejs_|libp2p_)/.test(t.expr);
        if (nodeMetric && !t.expr.includes('node=~"$node"')) bad.push(`${p.title}: ${t.expr}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

function dashboards(): Dashboard[] {
  const dir = join(ROOT, "infra/grafana/dashboards");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Dashboard);
}

/**
 * Metric names declared as `name: "shardnet_..."` in the node, p2p and load generator metric sources, and
 * prom-client's process metrics as the node names them (shardnet_process_*, NodeMetrics).
 */
function declaredShardnetMetrics(): Set<string> {
  const names = new Set<string>();
  for (const file of [
    "packages/node/src/metrics/nodeMetrics.ts",
    "packages/p2p/src/metrics.ts",
    "apps/loadgen/src/metrics.ts",
  ]) {
    for (const m of readRepoFile(file).matchAll(/name:\s*"(shardnet_[a-z0-9_]+)"/g)) names.add(m[1]!);
  }
  const promClient = join(ROOT, "node_modules/prom-client/lib/metrics");
  for (const file of readdirSync(promClient).filter((f) => f.endsWith(".js"))) {
    for (const m of readFileSync(join(promClient, file), "utf8").matchAll(/'(process_[a-z0-9_]+)'/g))
      names.add(`shardnet_${m[1]}`);
  }
  return names;
}

/** The installed libp2p packages' JavaScript, where libp2p registers its own `libp2p_*` metrics. */
function libp2pSources(): string {
  const dirs = [
    join(ROOT, "node_modules/libp2p/dist/src"),
    join(ROOT, "node_modules/@chainsafe/libp2p-noise/dist/src"),
  ];
  for (const pkg of readdirSync(join(ROOT, "node_modules/@libp2p"))) {
    dirs.push(join(ROOT, "node_modules/@libp2p", pkg, "dist/src"));
  }
  const chunks: string[] = [];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(dir, e);
      if (statSync(full).isDirectory()) walk(full);
      else if (e.endsWith(".js")) chunks.push(readFileSync(full, "utf8"));
    }
  };
  for (const d of dirs) walk(d);
  return chunks.join("\n");
}

describe("dashboards reference only metrics that exist", () => {
  it("every shardnet_* / libp2p_* name in a dashboard query is declared in the sources", () => {
    const declared = declaredShardnetMetrics();
    expect(declared.has("shardnet_beacon_head_slot")).toBe(true);
    expect(declared.has("shardnet_gossip_messages_received_total")).toBe(true);
    expect(declared.has("shardnet_process_cpu_seconds_total")).toBe(true);
    const libp2p = libp2pSources();
    const used = new Set<string>();
    for (const d of dashboards()) {
      const exprs = [
        ...d.panels.flatMap((p) => p.targets.map((t) => t.expr)),
        ...d.templating.list.map((v) => v.query.query),
      ];
      for (const expr of exprs) {
        for (const m of expr.matchAll(/\b((?:shardnet|libp2p)_[a-z0-9_]+)\b/g)) used.add(m[1]!);
      }
    }
    expect(used.size).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const name of used) {
      if (name.startsWith("shardnet_")) {
        const base = name.replace(/_(bucket|sum|count)$/, "");
        if (!declared.has(name) && !declared.has(base)) missing.push(name);
      } else if (!libp2p.includes(`'${name}'`) && !libp2p.includes(`"${name}"`)) {
        // libp2p_* label names equal their metric names (metric groups), so they pass this check too.
        missing.push(name);
      }
    }
    expect(missing).toEqual([]);
  });
});
