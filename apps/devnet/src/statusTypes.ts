/** Shape of `GET /v1/node/status` as the devnet launcher and tests read it. */
export interface NodeStatus {
  name: string;
  role: "beacon" | "shard";
  peerId: string;
  listenAddrs: string[];
  slot: number;
  epoch: number;
  head: { slot: number; root: string };
  justified: { epoch: number; root: string };
  finalized: { epoch: number; root: string };
  peers: number;
  trackedShards: number[];
  validators: number[];
  syncing: boolean;
  /** What /v1/node/health answers (200 only with status ok). */
  health: { status: "ok" | "syncing" | "isolated"; syncing: boolean; reasons?: string[] };
  /** Sync state of each tracked shard. */
  shardSync: Array<{ shard: number; headSlot: number; crosslinkSlot: number; state: "synced" | "syncing" }>;
  shardHeads: Array<{ shard: number; slot: number; root: string }>;
  /** Crosslinks seen on the canonical beacon chain since genesis, per shard. */
  crosslinkCounts: number[];
  /** The stored anchor this process started from (0: genesis) and the beacon blocks it replayed above it. */
  restoredFrom: { anchorSlot: number; replayedBlocks: number };
}

export interface EndpointEntry {
  name: string;
  role: "beacon" | "shard";
  api: string;
  metrics: string;
  peerId: string;
  p2p: string;
  trackedShards: number[];
  validators: number[];
  logFile: string;
  dataDir: string;
}
