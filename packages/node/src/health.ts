/**
 * What /v1/node/health answers (DESIGN.md §7): a node is healthy only while it is connected and follows
 * the chain. It is `isolated` with no peers, and `syncing` while it is behind on the beacon chain or on a
 * shard it tracks. Pure: the node gathers the inputs.
 */

/** Sync state of one tracked shard, as /v1/node/status reports it. */
export interface ShardSyncState {
  shard: number;
  /** Slot of the shard head this node has on disk. */
  headSlot: number;
  /** Slot of the shard block the beacon head crosslinks. */
  crosslinkSlot: number;
  /** `synced` once the chain holds the beacon head's crosslinked block (and builds on it). */
  state: "synced" | "syncing";
}

export interface HealthInputs {
  peers: number;
  /** Wall-clock slot (negative before genesis). */
  currentSlot: number;
  beaconHeadSlot: number;
  /** Highest head slot a connected peer reported in its last status (our own head when none did). */
  bestPeerHeadSlot: number;
  slotsPerEpoch: number;
  shards: ShardSyncState[];
}

export type NodeHealth =
  | { status: "ok"; syncing: false }
  | { status: "syncing" | "isolated"; syncing: boolean; reasons: string[] };

/** A peer's head this many slots ahead of ours means we are behind (gossip delivers a block in 1). */
export const PEER_HEAD_LEAD_SLOTS = 2;
/** Without a peer ahead, a head this many epochs behind the wall clock still means we are behind. */
export const WALL_CLOCK_LAG_EPOCHS = 2;

/** Reasons the node is behind on the beacon chain, empty when it follows it. */
export function beaconLag(
  i: Pick<HealthInputs, "currentSlot" | "beaconHeadSlot" | "bestPeerHeadSlot" | "slotsPerEpoch">,
): string[] {
  const reasons: string[] = [];
  if (i.bestPeerHeadSlot > i.beaconHeadSlot + PEER_HEAD_LEAD_SLOTS) {
    reasons.push(`beacon head at slot ${i.beaconHeadSlot}, a peer's at ${i.bestPeerHeadSlot}`);
  }
  const wallLag = i.currentSlot - i.beaconHeadSlot;
  if (wallLag > WALL_CLOCK_LAG_EPOCHS * i.slotsPerEpoch) {
    reasons.push(`beacon head at slot ${i.beaconHeadSlot}, ${wallLag} slots behind the clock`);
  }
  return reasons;
}

export function assessHealth(i: HealthInputs): NodeHealth {
  const behind = [
    ...beaconLag(i),
    ...i.shards
      .filter((s) => s.state !== "synced")
      .map(
        (s) =>
          `shard ${s.shard} head at slot ${s.headSlot} lacks the crosslinked block of slot ${s.crosslinkSlot}`,
      ),
  ];
  if (i.peers === 0)
    return { status: "isolated", syncing: behind.length > 0, reasons: ["no peers", ...behind] };
  if (behind.length > 0) return { status: "syncing", syncing: true, reasons: behind };
  return { status: "ok", syncing: false };
}
