/**
 * Writes infra/docker-compose.yml, infra/prometheus/prometheus.yml and the Grafana dashboards from the default
 * devnet topology (the one `npm run devnet` starts). Run after changing the topology, node flags or dashboards:
 *   npm run infra:generate
 * test/compose.test.ts fails when the committed files differ from what this writes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_INFRA_OPTIONS,
  type InfraOptions,
  renderDockerCompose,
  renderGrafanaDashboards,
  renderPrometheusConfig,
} from "./compose.js";
import { buildTopology, type NodeSpec, type TopologyOptions } from "./topology.js";

/** The launcher's defaults (main.ts): 4 shard nodes, 4 shards, 64 validators, base port 9000. */
export const DEFAULT_TOPOLOGY: TopologyOptions = { nodes: 4, shards: 4, validators: 64, basePort: 9000 };

export function defaultInfra(): { topology: NodeSpec[]; options: InfraOptions } {
  return {
    topology: buildTopology(DEFAULT_TOPOLOGY),
    options: {
      ...DEFAULT_INFRA_OPTIONS,
      validators: DEFAULT_TOPOLOGY.validators,
      shards: DEFAULT_TOPOLOGY.shards,
    },
  };
}

/** Every generated file, relative to the repository root → content. */
export function renderInfraFiles(): Record<string, string> {
  const { topology, options } = defaultInfra();
  const files: Record<string, string> = {
    "infra/docker-compose.yml": renderDockerCompose(topology, options),
    "infra/prometheus/prometheus.yml": renderPrometheusConfig(topology, options),
  };
  for (const [name, text] of Object.entries(renderGrafanaDashboards())) {
    files[`infra/grafana/dashboards/${name}`] = text;
  }
  return files;
}

export function writeInfraFiles(repoRoot: string): string[] {
  const written: string[] = [];
  for (const [path, text] of Object.entries(renderInfraFiles())) {
    const full = join(repoRoot, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    written.push(path);
  }
  return written;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  for (const path of writeInfraFiles(root)) process.stdout.write(`wrote ${path}\n`);
}
