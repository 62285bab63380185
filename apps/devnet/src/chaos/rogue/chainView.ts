import { ShardBlockHeader, SignedShardBlock } from "@shardnet/consensus";
import { ShardBlocksByRangeRequest, Status, type StatusValue } from "@shardnet/node";
import type { P2pNode } from "@shardnet/p2p";
import type { TargetNetwork } from "./network.js";

/** A shard's head as an honest peer served it: the rogue builds its shard messages on it. */
export interface ShardHead {
  slot: number;
  root: Uint8Array;
}

/**
 * The newest heads the rogue has learned from honest peers. Messages built on real parents and known beacon
 * roots get past the cheap checks (unknown parent, unknown block) to the expensive ones (signatures,
 * committees), which is what the attack must exercise. Zero roots until the first refresh answers.
 */
export class ChainView {
  beaconHeadSlot = 0;
  beaconHeadRoot: Uint8Array = new Uint8Array(32);
  finalizedEpoch = 0;
  finalizedRoot: Uint8Array = new Uint8Array(32);
  readonly shardHeads = new Map<number, ShardHead>();
  /** Requests the view itself sent (counted apart from the flood in the report). */
  probes = 0;

  constructor(private readonly net: TargetNetwork) {}

  /** The status the rogue presents: this network's genesis, nothing imported (a node that just started). */
  ownStatus(): StatusValue {
    return {
      genesisHash: this.net.genesisHash,
      finalizedEpoch: 0,
      finalizedRoot: new Uint8Array(32),
      headSlot: 0,
      headRoot: new Uint8Array(32),
    };
  }

  shardHead(shard: number): ShardHead {
    return this.shardHeads.get(shard) ?? { slot: 0, root: new Uint8Array(32) };
  }

  /** Asks one connected peer for its status and the newest block of every shard; failures keep the old view. */
  async refresh(p2p: P2pNode, peer: string): Promise<void> {
    const timeoutMs = 2000;
    try {
      this.probes++;
      const [chunk] = await p2p.request(peer, "status", Status.serialize(this.ownStatus()), { timeoutMs });
      if (chunk === undefined) return;
      const status = Status.deserialize(chunk);
      if (status.headSlot >= this.beaconHeadSlot) {
        this.beaconHeadSlot = status.headSlot;
        this.beaconHeadRoot = status.headRoot;
        this.finalizedEpoch = status.finalizedEpoch;
        this.finalizedRoot = status.finalizedRoot;
      }
    } catch {
      return;
    }
    const window = 2 * this.net.preset.SLOTS_PER_EPOCH;
    for (let shard = 0; shard < this.net.preset.SHARD_COUNT; shard++) {
      try {
        this.probes++;
        const startSlot = Math.max(0, this.beaconHeadSlot - window);
        const request = ShardBlocksByRangeRequest.serialize({ shard, startSlot, count: window + 1 });
        const chunks = await p2p.request(peer, "shard_blocks_by_range", request, { timeoutMs });
        const last = chunks.at(-1);
        if (last === undefined) continue;
        const header = SignedShardBlock.deserialize(last).message.header;
        if (header.slot >= this.shardHead(shard).slot)
          this.shardHeads.set(shard, { slot: header.slot, root: ShardBlockHeader.hashTreeRoot(header) });
      } catch {
        // A peer that does not track the shard refuses; another refresh may ask another peer.
      }
    }
  }
}
