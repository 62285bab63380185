import type { OptionTable } from "./cliOptions.js";

/** Flags shared by `apps/beacon` and `apps/shard-node`; each also has an env var and a config-file key. */
export const nodeOptionTable = {
  name: { kind: "string", description: "node name used in logs and status", default: "node" },
  genesis: {
    kind: "string",
    description: "genesis JSON file (written by `npm run genesis`)",
    default: ".devnet/genesis.json",
  },
  "genesis-url": {
    kind: "string",
    description: "download the genesis from this running node's API (http://host:port) instead of --genesis",
    default: "",
  },
  "genesis-hash": {
    kind: "string",
    description:
      "0x hash the genesis must have (with --genesis-url; else the downloaded hash is logged as trusted)",
    default: "",
  },
  "data-dir": {
    kind: "string",
    description: "database directory (one LevelDB per node)",
    default: ".devnet/node/db",
  },
  "api-host": { kind: "string", description: "HTTP API listen address", default: "127.0.0.1" },
  "api-port": { kind: "number", description: "HTTP API port (also serves /metrics)", default: 9000 },
  "p2p-host": { kind: "string", description: "libp2p TCP listen address", default: "127.0.0.1" },
  "p2p-port": { kind: "number", description: "libp2p TCP port", default: 9100 },
  "p2p-announce": {
    kind: "string",
    description:
      "comma-separated multiaddrs peers should dial, e.g. /ip4/203.0.113.7/tcp/9100 (default: the listen addresses, without loopback when listening on 0.0.0.0)",
    default: "",
  },
  bootnodes: {
    kind: "string",
    description: "comma-separated multiaddrs with /p2p/<peer id> to dial at start",
    default: "",
  },
  "max-peers": { kind: "number", description: "connection limit", default: 50 },
  "peer-key-file": {
    kind: "string",
    description: "libp2p private key file (created on first start; default <data-dir>/../peer.key)",
    default: "",
  },
  shards: {
    kind: "string",
    description: "shards always tracked, e.g. 0,2 (validators' shards are added)",
    default: "",
  },
  validators: {
    kind: "string",
    description: "interop (dev) validator indices to host, e.g. 0..15 — dev networks only",
    default: "",
  },
  keystores: {
    kind: "string",
    description: "directory of EIP-2335 keystore JSON files to host",
    default: "",
  },
  "password-file": { kind: "string", description: "file holding the keystores' password", default: "" },
  "checkpoint-sync-url": {
    kind: "string",
    description:
      "start an empty database from the finalized state served by this node API (http://host:port)",
    default: "",
  },
  "checkpoint-root": {
    kind: "string",
    description: "0x block root the checkpoint must have (else its root is logged as trusted)",
    default: "",
  },
  backfill: {
    kind: "boolean",
    description: "after a checkpoint sync, fetch the older beacon blocks from peers (parent chain verified)",
    default: false,
  },
  history: {
    kind: "string",
    description: "epochs of blocks and transaction indexes kept below finality (older are deleted), or all",
    default: "all",
  },
  bls: { kind: "string", description: "BLS backend: blst | noble", default: "blst" },
  "log-level": {
    kind: "string",
    description: "fatal | error | warn | info | debug | trace | silent",
    default: "info",
  },
  "log-pretty": { kind: "boolean", description: "human-readable logs instead of JSON lines", default: false },
} as const satisfies OptionTable;
