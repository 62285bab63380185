import { SignedBeaconBlock, SignedShardBlock } from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";
import { type P2pNode, ReqRespError } from "@shardnet/p2p";
import type { Logger } from "pino";
import type { BeaconChain } from "../chain/beaconChain.js";
import type { ShardChain } from "../chain/shardChain.js";
import type { NodeMetrics } from "../metrics/nodeMetrics.js";
import {
  BeaconBlocksByRangeRequest,
  MAX_BLOCKS_PER_REQUEST,
  ShardBlocksByRangeRequest,
  Status,
  type StatusValue,
} from "../network/messages.js";

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

/**
 * Status handshake and range sync (DESIGN.md §5): peers of another genesis are disconnected; when a peer's
 * head is ahead, beacon blocks and then every tracked shard's blocks are fetched by range and imported
 * (each validated by the chain as on gossip).
 */
export class SyncService {
  private readonly peerStatus = new Map<string, StatusValue>();
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
      this.notePeerStatus(peerId, Status.deserialize(req));
      return [Status.serialize(this.localStatus())];
    });
    await p2p.handleRequests("beacon_blocks_by_range", async (req) => {
      const { startSlot, count } = BeaconBlocksByRangeRequest.deserialize(req);
      return beacon.blocksByRange(startSlot, Math.min(count, MAX_BLOCKS_PER_REQUEST));
    });
    await p2p.handleRequests("shard_blocks_by_range", async (req) => {
      const { shard, startSlot, count } = ShardBlocksByRangeRequest.deserialize(req);
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

  forgetPeer(peerId: string): void {
    this.peerStatus.delete(peerId);
  }

  /** Asks for a sync round; rounds never overlap, a request during one schedules another. */
  trigger(): void {
    if (this.stopped) return;
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

  isSyncing(): boolean {
    const head = this.d.beacon.head().slot;
    const best = Math.max(head, ...[...this.peerStatus.values()].map((s) => s.headSlot));
    return best > head + 2 || this.d.currentSlot() > head + this.d.beacon.preset.SLOTS_PER_EPOCH * 2;
  }

  private async syncRound(): Promise<void> {
    const { p2p, beacon } = this.d;
    const peers = p2p.connectedPeers();
    await Promise.all(peers.map((p) => this.exchangeStatus(p)));
    const ours = beacon.head();
    const ahead = [...this.peerStatus.entries()]
      .filter(
        ([peer, s]) =>
          peers.includes(peer) && (s.headSlot > ours.slot || bytesToHex(s.headRoot) !== ours.root),
      )
      .sort((a, b) => b[1].headSlot - a[1].headSlot);
    for (const [peer, status] of ahead.slice(0, 2)) {
      if (!beacon.has(bytesToHex(status.headRoot))) await this.syncBeaconFrom(peer, status.headSlot);
    }
    for (const chain of this.d.shards().values()) await this.syncShard(chain, peers);
    this.d.retryParked();
  }

  private async syncBeaconFrom(peer: string, targetSlot: number): Promise<void> {
    const { beacon, log } = this.d;
    const finalizedSlot = beacon.finalizedCheckpoint().epoch * beacon.preset.SLOTS_PER_EPOCH;
    let start = Math.max(finalizedSlot, beacon.head().slot - beacon.preset.SLOTS_PER_EPOCH, 0);
    let imported = 0;
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
        return;
      }
      for (const bytes of chunks) {
        let block: ReturnType<typeof SignedBeaconBlock.deserialize>;
        try {
          block = SignedBeaconBlock.deserialize(bytes);
        } catch {
          log.warn({ peer }, "peer sent an undecodable beacon block");
          return;
        }
        const result = beacon.importBlock(block);
        if (result.status === "imported") {
          imported++;
          await result.persisted;
        } else if (result.status === "invalid") {
          log.warn(
            { peer, slot: block.message.slot, reason: result.reason },
            "peer sent an invalid beacon block during sync",
          );
        }
      }
      start += count;
    }
    if (imported > 0)
      log.info({ peer, imported, headSlot: beacon.head().slot }, "beacon sync imported blocks");
  }

  private async syncShard(chain: ShardChain, peers: string[]): Promise<void> {
    const { log } = this.d;
    const target = this.d.beacon.head().slot;
    const from = chain.head().slot + 1;
    if (from > target) return;
    for (const peer of peers) {
      let start = Math.max(from - this.d.beacon.preset.SLOTS_PER_EPOCH, 0);
      let imported = 0;
      let failed = false;
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
          failed = true;
          break;
        }
        for (const bytes of chunks) {
          try {
            const result = chain.importBlock(SignedShardBlock.deserialize(bytes));
            if (result.status === "imported") {
              imported++;
              await result.persisted;
            }
          } catch {
            log.warn({ peer, shard: chain.shard }, "peer sent an undecodable shard block");
            failed = true;
            break;
          }
        }
        start += count;
      }
      if (imported > 0)
        log.info(
          { peer, shard: chain.shard, imported, headSlot: chain.head().slot },
          "shard sync imported blocks",
        );
      if (!failed && chain.head().slot >= target - 1) return;
    }
  }

  stop(): void {
    this.stopped = true;
  }
}
