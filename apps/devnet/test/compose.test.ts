import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { nodeOptionTable, parseOptions } from "@shardnet/node";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  BEACON_PEER_KEY_FILE,
  DEFAULT_INFRA_OPTIONS,
  FlowSeq,
  formatJson,
  PROMETHEUS_DATASOURCE,
  renderDockerCompose,
  renderPrometheusConfig,
  toYaml,
  type YamlValue,
} from "../src/compose.js";
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
  panels: Array<{ id: number; title: string; datasource: { uid: string }; targets: DashboardTarget[] }>;
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

  expect(compose.services.genesis?.command?.join(" ")).toContain("npm run genesis -- --validators");
  for (const spec of topology) {
    const service = compose.services[spec.name];
    expect(service, `service ${spec.name}`).toBeDefined();
    expect(service!.build).toEqual({ context: "..", dockerfile: "infra/Dockerfile" });
    expect(service!.ports).toEqual([`${spec.apiPort}:${spec.apiPort}`, `${spec.p2pPort}:${spec.p2pPort}`]);
    expect(service!.volumes).toContain("data:/data");
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
    expect(values.genesis).toBe("/data/genesis.json");

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
    expect(service!.healthcheck?.test.join(" ")).toContain(`127.0.0.1:${spec.apiPort}/v1/node/live`);

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
      "npm run genesis -- --validators 10 --shards 3 --preset local --slot-seconds 2",
    );
  });

  it("rejects a topology without exactly one beacon node", () => {
    const shardsOnly = buildTopology({ nodes: 2, shards: 2, validators: 4, basePort: 9000 }).slice(1);
    expect(() => renderDockerCompose(shardsOnly)).toThrow(/exactly one beacon/);
    expect(() => renderPrometheusConfig(shardsOnly)).toThrow(/exactly one beacon/);
  });

  it("Grafana provisioning parses and points the dashboards at the provisioned datasource", () => {
    const ds = parse(readRepoFile("infra/grafana/provisioning/datasources/prometheus.yml")) as {
      datasources: Array<{ uid: string; url: string }>;
    };
    expect(ds.datasources[0]?.uid).toBe(PROMETHEUS_DATASOURCE.uid);
    expect(ds.datasources[0]?.url).toBe("http://prometheus:9090");
    const providers = parse(readRepoFile("infra/grafana/provisioning/dashboards/dashboards.yml")) as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(providers.providers[0]?.options.path).toBe("/var/lib/grafana/dashboards");
    for (const d of dashboards()) {
      for (const p of d.panels) {
        expect(p.datasource.uid).toBe(PROMETHEUS_DATASOURCE.uid);
        expect(p.targets.length).toBeGreaterThan(0);
      }
    }
  });
});

function dashboards(): Dashboard[] {
  const dir = join(ROOT, "infra/grafana/dashboards");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Dashboard);
}

/** Metric names declared as `name: "shardnet_..."` in the node and p2p metric sources. */
function declaredShardnetMetrics(): Set<string> {
  const names = new Set<string>();
  for (const file of ["packages/node/src/metrics/nodeMetrics.ts", "packages/p2p/src/metrics.ts"]) {
    for (const m of readRepoFile(file).matchAll(/name:\s*"(shardnet_[a-z0-9_]+)"/g)) names.add(m[1]!);
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
