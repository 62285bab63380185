/**
 * The devnet topology: one definition from which both the local-process launcher and
 * infra/docker-compose.yml (plus the Prometheus scrape config) are generated, so they cannot drift.
 */
export type NodeRole = "beacon" | "shard";

export interface NodeSpec {
  name: string;
  role: NodeRole;
  apiPort: number;
  p2pPort: number;
  /** Shards always tracked (--shards); validators' shards are added at run time by the node. */
  shards: number[];
  /** Interop validator indices hosted by this node. */
  validators: number[];
}

export interface TopologyOptions {
  nodes: number;
  shards: number;
  validators: number;
  basePort: number;
}

export function buildTopology(opts: TopologyOptions): NodeSpec[] {
  if (opts.nodes < 1) throw new Error(`--nodes must be at least 1, got ${opts.nodes}`);
  if (opts.shards < 1) throw new Error(`--shards must be at least 1, got ${opts.shards}`);
  if (opts.validators < opts.nodes) {
    throw new Error(`--validators (${opts.validators}) must be at least --nodes (${opts.nodes})`);
  }
  const specs: NodeSpec[] = [
    {
      name: "beacon",
      role: "beacon",
      apiPort: opts.basePort,
      p2pPort: opts.basePort + 100,
      shards: [],
      validators: [],
    },
  ];
  const perNode = Math.floor(opts.validators / opts.nodes);
  let next = 0;
  for (let i = 0; i < opts.nodes; i++) {
    const count = i === opts.nodes - 1 ? opts.validators - next : perNode;
    const validators = Array.from({ length: count }, (_, k) => next + k);
    next += count;
    specs.push({
      name: `node-${i + 1}`,
      role: "shard",
      apiPort: opts.basePort + 1 + i,
      p2pPort: opts.basePort + 101 + i,
      shards: [i % opts.shards],
      validators,
    });
  }
  return specs;
}

/** Command-line flags that start the node `spec` (one definition for the launcher, the benchmarks and the chaos harness). */
export function nodeArgs(
  spec: NodeSpec,
  nodeDir: string,
  genesisPath: string,
  bootnode: string,
  logLevel: string,
  peerKeyFile?: string,
): string[] {
  const args = ["--name", spec.name, "--genesis", genesisPath, "--data-dir", `${nodeDir}/db`];
  if (peerKeyFile) args.push("--peer-key-file", peerKeyFile);
  args.push("--api-port", String(spec.apiPort), "--p2p-port", String(spec.p2pPort), "--log-level", logLevel);
  if (bootnode) args.push("--bootnodes", bootnode);
  if (spec.shards.length > 0) args.push("--shards", spec.shards.join(","));
  if (spec.validators.length > 0) args.push("--validators", formatIndexList(spec.validators));
  return args;
}

/** "0..15" style range text for a contiguous list, comma list otherwise. */
export function formatIndexList(indices: number[]): string {
  if (indices.length === 0) return "";
  const first = indices[0]!;
  const last = indices[indices.length - 1]!;
  if (last - first + 1 === indices.length) return first === last ? `${first}` : `${first}..${last}`;
  return indices.join(",");
}
