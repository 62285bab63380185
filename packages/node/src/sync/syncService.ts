import { SignedBeaconBlock, SignedShardBlock } from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";
import { type P2pNode, ReqRespError } from "@shardnet/p2p";
import type { Logger } from "pino";
import type { BeaconChain } from "../chain/beaconChain.js";
import type { ShardChain } from "../chain/shardChain.js";
import { beaconLag } from "../health.js";
import type { NodeMetrics } from "../metrics/nodeMetrics.js";
import {
  BeaconBlocksByRangeRequest,
  MAX_BLOCKS_PER_REQUEST,
  ShardBlocksByRangeRequest,
  ShardStateSnapshotRequest,
  Status,
  type StatusValue,
} from "../network/messages.js";
import {
  fetchShardSnapshot,
  MAX_SNAPSHOT_CHUNKS,
  SNAPSHOT_CHUNK_BYTES,
  SnapshotRefused,
  snapshotChunks,
} from "./shardSnapshot.js";
import { ShardSyncStall } from "./shardSyncStall.js";

export interface SyncDeps {
  p2p: P2pNode;
  beacon: BeaconChain;
  shards: () => ReadonlyMap<number, ShardChain>;
  genesisHashHex: string;
  metrics: NodeMetrics;
  log: Logger;
  currentSlot: () => number;
  /** Retry shard blocks parked because their beacon block or parent was missing. */
  retryParked: () => void;
}

const REQUEST_TIMEOUT_MS = 5000;
/** Most peers remembered as "ask first" between two sync rounds. */
const MAX_ASK_FIRST = 16;
/** A tracked shard further behind its crosslink than this starts from a snapshot instead of its blocks. */
const SNAPSHOT_DISTANCE_EPOCHS = 4;
/** A snapshot of 1M accounts (36 MB) comes in 36 chunks: generous, it is one request. */
const SNAPSHOT_TIMEOUT_MS = 60_000;

function decodeRequest<T>(type: { deserialize(bytes: Uint8Array): T }, bytes: Uint8Array): T {
  try {
    return type.deserialize(bytes);
  } catch (err) {
    throw new ReqRespError("INVALID_REQUEST", `undecodable request: ${(err as Error).message}`);
  }
}

/**
 * Status handshake and range sync (DESIGN.md §5): peers of another genesis are disconnected; when a peer's
 * head is ahead, beacon blocks and then every tracked shard's blocks are fetched by range and imported
 * (each validated by the chain as on gossip).
 */
export class SyncService {
  private readonly peerStatus = new Map<string, StatusValue>();
  private readonly stall = new ShardSyncStall();
  /** Peers that sent orphans since the last round began; asked first in the next (bounded). */
  private askFirst = new Set<string>();
  private running: Promise<void> | undefined;
  private wanted = false;
  private stopped = false;

  constructor(private readonly d: SyncDeps) {}

  localStatus(): StatusValue {
    const head = this.d.beacon.head();
    const finalized = this.d.beacon.finalizedCheckpoint();
    return {
      genesisHash: hexToBytes(this.d.genesisHashHex),
      finalizedEpoch: finalized.epoch,
      finalizedRoot: finalized.root,
      headSlot: head.slot,
      headRoot: hexToBytes(head.root),
    };
  }

  /** Serves `status`, `beacon_blocks_by_range` and `shard_blocks_by_range`. */
  async registerHandlers(): Promise<void> {
    const { p2p, beacon } = this.d;
    await p2p.handleRequests("status", async (req, peerId) => {
      this.notePeerStatus(peerId, decodeRequest(Status, req));
      return [Status.serialize(this.localStatus())];
    });
    await p2p.handleRequests("beacon_blocks_by_range", async (req) => {
      const { startSlot, count } = decodeRequest(BeaconBlocksByRangeRequest, req);
      return beacon.blocksByRange(startSlot, Math.min(count, MAX_BLOCKS_PER_REQUEST));
    });
    await p2p.handleRequests(
      "shard_state_snapshot",
      async (req) => {
        const { shard, shardBlockRoot } = decodeRequest(ShardStateSnapshotRequest, req);
        const state = this.d.shards().get(shard)?.stateOf(bytesToHex(shardBlockRoot));
        if (!state)
          throw new ReqRespError(
            "RESOURCE_UNAVAILABLE",
            `no state of shard ${shard} block 0x${bytesToHex(shardBlockRoot)}`,
          );
        return snapshotChunks(state);
      },
      {
        maxChunkBytes: SNAPSHOT_CHUNK_BYTES,
        maxResponseChunks: MAX_SNAPSHOT_CHUNKS + 1,
        requestsPerSecond: 2,
      },
    );
    await p2p.handleRequests("shard_blocks_by_range", async (req) => {
      const { shard, startSlot, count } = decodeRequest(ShardBlocksByRangeRequest, req);
      const chain = this.d.shards().get(shard);
      if (!chain) throw new ReqRespError("RESOURCE_UNAVAILABLE", `this node does not track shard ${shard}`);
      return chain.blocksByRange(startSlot, Math.min(count, MAX_BLOCKS_PER_REQUEST));
    });
  }

  private notePeerStatus(peerId: string, status: StatusValue): boolean {
    if (bytesToHex(status.genesisHash) !== this.d.genesisHashHex) {
      this.d.log.warn(
        { peer: peerId, genesis: bytesToHex(status.genesisHash) },
        "peer is on another network: disconnecting",
      );
      this.peerStatus.delete(peerId);
      void this.d.p2p.hangUp(peerId).catch(() => undefined);
      return false;
    }
    this.peerStatus.set(peerId, status);
    return true;
  }

  async exchangeStatus(peerId: string): Promise<StatusValue | undefined> {
    try {
      const [chunk] = await this.d.p2p.request(peerId, "status", Status.serialize(this.localStatus()), {
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
      if (!chunk) return undefined;
      const status = Status.deserialize(chunk);
      return this.notePeerStatus(peerId, status) ? status : undefined;
    } catch (err) {
      this.d.log.debug({ peer: peerId, err: (err as Error).message }, "status request failed");
      return undefined;
    }
  }

  /** Entries of this service's maps (shardnet_cache_entries). */
  cacheSizes(): Record<string, number> {
    return { sync_peer_status: this.peerStatus.size };
  }

  forgetPeer(peerId: string): void {
    this.peerStatus.delete(peerId);
  }

  /**
   * Asks for a sync round; rounds never overlap, a request during one schedules another. `fromPeer` sent
   * something this node could not place (an orphan block): the next round asks it first, before peers that
   * may already agree with us.
   */
  trigger(fromPeer?: string): void {
    if (this.stopped) return;
    if (fromPeer !== undefined && this.askFirst.size < MAX_ASK_FIRST) this.askFirst.add(fromPeer);
    this.wanted = true;
    if (this.running) return;
    this.running = (async () => {
      while (this.wanted && !this.stopped) {
        this.wanted = false;
        try {
          await this.syncRound();
        } catch (err) {
          this.d.log.warn({ err: (err as Error).message }, "sync round failed");
        }
      }
      this.running = undefined;
    })();
  }

  /** Highest head slot a connected peer reported in its last status (our own head when none did). */
  bestPeerHeadSlot(): number {
    const connected = new Set(this.d.p2p.connectedPeers());
    let best = this.d.beacon.head().slot;
    for (const [peer, status] of this.peerStatus)
      if (connected.has(peer)) best = Math.max(best, status.headSlot);
    return best;
  }

  /** Behind on the beacon chain: a peer's head is ahead of ours, or ours is far behind the clock. */
  isSyncing(): boolean {
    return (
      beaconLag({
        currentSlot: this.d.currentSlot(),
        beaconHeadSlot: this.d.beacon.head().slot,
        bestPeerHeadSlot: this.bestPeerHeadSlot(),
        slotsPerEpoch: this.d.beacon.preset.SLOTS_PER_EPOCH,
      }).length > 0
    );
  }

  private async syncRound(): Promise<void> {
    const { p2p, beacon } = this.d;
    const askFirst = this.askFirst;
    this.askFirst = new Set();
    const connected = p2p.connectedPeers();
    const peers = [...connected.filter((p) => askFirst.has(p)), ...connected.filter((p) => !askFirst.has(p))];
    await Promise.all(peers.map((p) => this.exchangeStatus(p)));
    const ours = beacon.head();
    const ahead = [...this.peerStatus.entries()]
      .filter(
        ([peer, s]) =>
          peers.includes(peer) && (s.headSlot > ours.slot || bytesToHex(s.headRoot) !== ours.root),
      )
      .sort((a, b) => b[1].headSlot - a[1].headSlot);
    // A peer on a beacon branch that left ours below our recent blocks (a healed partition): every peer may
    // hold shard branches built on either side, so this round asks each of them, not only the first that
    // brings a shard chain up to the head.
    let forked = false;
    for (const [peer, status] of ahead.slice(0, 2)) {
      if (!beacon.has(bytesToHex(status.headRoot)))
        forked = (await this.syncBeaconFrom(peer, status.headSlot)) || forked;
    }
    for (const chain of this.d.shards().values()) await this.syncShard(chain, peers, forked);
    this.d.retryParked();
  }

  /**
   * Fetches the peer's canonical beacon blocks up to `targetSlot` by range, from an epoch below our head. When
   * the peer's chain does not connect there (its blocks' parents are unknown: it is on a branch that left ours
   * further back, e.g. the other side of a healed partition), once more from our finalized slot: two branches
   * always share the finalized block, so from there every parent is known. True when the peer's chain forked
   * below our recent blocks.
   */
  private async syncBeaconFrom(peer: string, targetSlot: number): Promise<boolean> {
    const { beacon, log } = this.d;
    const finalizedSlot = beacon.finalizedCheckpoint().epoch * beacon.preset.SLOTS_PER_EPOCH;
    const nearHead = Math.max(finalizedSlot, beacon.head().slot - beacon.preset.SLOTS_PER_EPOCH, 0);
    const first = await this.fetchBeaconRange(peer, nearHead, targetSlot);
    let imported = first.imported;
    if (first.unknownParent > 0 && nearHead > finalizedSlot) {
      log.info(
        { peer, from: finalizedSlot, to: targetSlot, unknownParents: first.unknownParent },
        "peer's chain forks below our recent blocks: syncing its branch from our finalized slot",
      );
      imported += (await this.fetchBeaconRange(peer, finalizedSlot, targetSlot)).imported;
    }
    if (imported > 0)
      log.info({ peer, imported, headSlot: beacon.head().slot }, "beacon sync imported blocks");
    return first.unknownParent > 0;
  }

  /**
   * Imports the peer's beacon blocks, of every fork it holds, from our finalized slot to `upToSlot`: the
   * branch a shard block of slot `upToSlot` builds on is among them (a beacon block is never above the shard
   * block that references it). Returns how many were imported.
   */
  private async fetchBeaconBranchesOf(peer: string, upToSlot: number): Promise<number> {
    const { beacon } = this.d;
    const finalizedSlot = beacon.finalizedCheckpoint().epoch * beacon.preset.SLOTS_PER_EPOCH;
    return (await this.fetchBeaconRange(peer, finalizedSlot, upToSlot)).imported;
  }

  /** Imports the peer's beacon blocks of slots [start, targetSlot]; counts those imported and orphaned. */
  private async fetchBeaconRange(
    peer: string,
    start: number,
    targetSlot: number,
  ): Promise<{ imported: number; unknownParent: number }> {
    const { beacon, log } = this.d;
    let imported = 0;
    let unknownParent = 0;
    while (start <= targetSlot && !this.stopped) {
      const count = Math.min(MAX_BLOCKS_PER_REQUEST, targetSlot - start + 1);
      let chunks: Uint8Array[];
      try {
        chunks = await this.d.p2p.request(
          peer,
          "beacon_blocks_by_range",
          BeaconBlocksByRangeRequest.serialize({ startSlot: start, count }),
          {
            timeoutMs: REQUEST_TIMEOUT_MS,
          },
        );
      } catch (err) {
        log.debug({ peer, err: (err as Error).message }, "beacon_blocks_by_range failed");
        break;
      }
      for (const bytes of chunks) {
        let block: ReturnType<typeof SignedBeaconBlock.deserialize>;
        try {
          block = SignedBeaconBlock.deserialize(bytes);
        } catch {
          log.warn({ peer }, "peer sent an undecodable beacon block");
          return { imported, unknownParent };
        }
        const result = beacon.importBlock(block);
        if (result.status === "imported") {
          imported++;
          await result.persisted;
        } else if (result.status === "unknown_parent") {
          unknownParent++;
        } else if (result.status === "invalid") {
          log.warn(
            { peer, slot: block.message.slot, root: result.root, reason: result.reason, err: result.message },
            "peer sent an invalid beacon block during sync",
          );
        }
      }
      start += count;
    }
    return { imported, unknownParent };
  }

  /**
   * When a tracked shard is far behind its crosslink, fetches the crosslinked state from a peer, checks it
   * against the crosslink's `state_root` in the beacon head, and restarts the shard chain from it.
   */
  private async snapshotShardIfFarBehind(chain: ShardChain, peers: string[]): Promise<void> {
    const { beacon, log } = this.d;
    const crosslink = beacon.head().state.state.currentCrosslinks.getReadonly(chain.shard).toValue();
    // A chain that has nothing yet (a shard newly tracked, for --shards or a validator's next-period duty,
    // or after checkpoint sync) starts from the crosslinked state instead of replaying the shard's history.
    const fresh = chain.head().slot === 0 && crosslink.slot > 0;
    const far = crosslink.slot - chain.head().slot > SNAPSHOT_DISTANCE_EPOCHS * beacon.preset.SLOTS_PER_EPOCH;
    // Range sync has not brought the crosslinked block, nor anything else, for rounds spanning an epoch
    // (ShardSyncStall): its ancestors are out of reach, so its state is fetched, as for a far-behind chain.
    const stuck = this.stall.stuck(chain.shard, this.d.currentSlot(), beacon.preset.SLOTS_PER_EPOCH);
    // A beacon reorg reverted the crosslink this chain was anchored at, and it no longer holds the older one.
    const reverted = chain.anchorReverted();
    if (!fresh && !far && !stuck && !reverted) return;
    if (stuck)
      log.info(
        {
          shard: chain.shard,
          crosslinkSlot: crosslink.slot,
          headSlot: chain.head().slot,
          rounds: stuck.rounds,
          sinceSlot: stuck.sinceSlot,
        },
        "range sync cannot reach the crosslinked shard block: fetching its state instead",
      );
    const rootHex = bytesToHex(crosslink.shardBlockRoot);
    const expected = {
      shard: chain.shard,
      slot: crosslink.slot,
      blockRoot: crosslink.shardBlockRoot,
      stateRoot: crosslink.stateRoot,
    };
    for (const peer of peers) {
      try {
        const { state, bytes } = await fetchShardSnapshot(this.d.p2p, peer, expected, SNAPSHOT_TIMEOUT_MS);
        await chain.anchorAt(rootHex, state, bytes);
        this.stall.forget(chain.shard);
        return;
      } catch (err) {
        if (err instanceof SnapshotRefused)
          log.warn(
            { peer, shard: chain.shard, problem: err.problem, err: err.message },
            "shard snapshot refused",
          );
        else
          log.debug({ peer, shard: chain.shard, err: (err as Error).message }, "shard_state_snapshot failed");
      }
    }
  }

  /** Range-syncs `chain` from `peers` in order, stopping at the first that brings it up to the head unless `everyPeer`. */
  private async syncShard(chain: ShardChain, peers: string[], everyPeer: boolean): Promise<void> {
    const { log, beacon } = this.d;
    await this.snapshotShardIfFarBehind(chain, peers);
    const target = beacon.head().slot;
    const crosslink = chain.beaconHeadCrosslink();
    // From the head, or, when the head misses the crosslinked block (a head built on a stale parent, e.g.
    // by this node's own proposer right after a restart), from the last crosslinked block this chain has.
    const from = chain.syncStartSlot(crosslink);
    if (from > target) return;
    let importedInRound = 0;
    for (const peer of peers) {
      const nearHead = Math.max(from - this.d.beacon.preset.SLOTS_PER_EPOCH, 0);
      const first = await this.fetchShardRange(peer, chain, nearHead, target);
      let { imported } = first;
      let { failed } = first;
      // The peer's branch left ours below that (the other side of a healed partition: both sides built
      // on the last crosslinked block, which neither may leave): once more from the crosslinked block.
      const crosslinkedSlot = chain.crosslinkedSlot();
      let unknownBeaconSlot = first.unknownBeaconSlot;
      if (first.unknownParent > 0 && nearHead > crosslinkedSlot) {
        log.info(
          {
            peer,
            shard: chain.shard,
            from: crosslinkedSlot,
            to: target,
            unknownParents: first.unknownParent,
          },
          "peer's shard branch forks below our recent blocks: syncing it from the crosslinked block",
        );
        const again = await this.fetchShardRange(peer, chain, crosslinkedSlot, target);
        imported += again.imported;
        failed = again.failed;
        unknownBeaconSlot = Math.max(unknownBeaconSlot, again.unknownBeaconSlot);
      }
      // The peer's shard blocks build on beacon blocks this node never saw: the other side of a healed
      // partition, whose beacon branch lost before this node exchanged status with it, so beacon sync never
      // fetched it. `beacon_blocks_by_range` serves every fork: the peer's blocks since our finalized slot
      // bring that branch, and then its shard blocks import (and can be voted for and crosslinked).
      if (unknownBeaconSlot >= 0 && !failed) {
        const beaconImported = await this.fetchBeaconBranchesOf(peer, unknownBeaconSlot);
        log.info(
          { peer, shard: chain.shard, upToSlot: unknownBeaconSlot, beaconImported },
          "peer's shard blocks build on beacon blocks this node lacks: fetched the peer's beacon blocks",
        );
        if (beaconImported > 0) {
          const again = await this.fetchShardRange(peer, chain, crosslinkedSlot, target);
          imported += again.imported;
          failed = again.failed;
        }
      }
      importedInRound += imported;
      if (imported > 0)
        log.info(
          { peer, shard: chain.shard, imported, headSlot: chain.head().slot },
          "shard sync imported blocks",
        );
      if (!everyPeer && !failed && chain.hasCrosslinked(crosslink) && chain.head().slot >= target - 1) break;
    }
    this.stall.record(chain.shard, {
      hasCrosslinked: chain.hasCrosslinked(crosslink),
      imported: importedInRound,
      slot: this.d.currentSlot(),
    });
  }

  /** Imports the peer's blocks of `chain`'s shard of slots [start, target]; counts imported and orphaned. */
  private async fetchShardRange(
    peer: string,
    chain: ShardChain,
    start: number,
    target: number,
  ): Promise<{ imported: number; unknownParent: number; unknownBeaconSlot: number; failed: boolean }> {
    const { log } = this.d;
    let imported = 0;
    let unknownParent = 0;
    /** Highest slot of a block whose beacon block is unknown here; -1 when none. */
    let unknownBeaconSlot = -1;
    while (start <= target && !this.stopped) {
      const count = Math.min(MAX_BLOCKS_PER_REQUEST, target - start + 1);
      let chunks: Uint8Array[];
      try {
        chunks = await this.d.p2p.request(
          peer,
          "shard_blocks_by_range",
          ShardBlocksByRangeRequest.serialize({ shard: chain.shard, startSlot: start, count }),
          { timeoutMs: REQUEST_TIMEOUT_MS },
        );
      } catch {
        return { imported, unknownParent, unknownBeaconSlot, failed: true };
      }
      for (const bytes of chunks) {
        try {
          const block = SignedShardBlock.deserialize(bytes);
          const result = chain.importBlock(block);
          if (result.status === "imported") {
            imported++;
            await result.persisted;
          } else if (result.status === "unknown_parent") {
            unknownParent++;
          } else if (result.status === "unknown_beacon_block") {
            unknownBeaconSlot = Math.max(unknownBeaconSlot, block.message.header.slot);
          }
        } catch {
          log.warn({ peer, shard: chain.shard }, "peer sent an undecodable shard block");
          return { imported, unknownParent, unknownBeaconSlot, failed: true };
        }
      }
      start += count;
    }
    return { imported, unknownParent, unknownBeaconSlot, failed: false };
  }

  stop(): void {
    this.stopped = true;
  }
}
