import { ContainerType } from "@chainsafe/ssz";
import {
  buildReceiptProofs,
  type CrosslinkValue,
  IncomingReceipt,
  isReceiptProofValid,
  ShardNumber,
  Uint64,
} from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import { type P2pNode, ReqRespError } from "@shardnet/p2p";
import type { Logger } from "pino";
import type { BeaconChain } from "../chain/beaconChain.js";
import type { ShardChain } from "../chain/shardChain.js";

export const ReceiptsByRangeRequest = new ContainerType(
  { source: ShardNumber, dest: ShardNumber, startSeq: Uint64, count: Uint64 },
  { typeName: "ReceiptsByRangeRequest", jsonCase: "eth2" },
);
export const MAX_RECEIPTS_PER_REQUEST = 256;
/** Most receipts relayed per (source, dest) at one crosslink. */
const MAX_RELAY_PER_CROSSLINK = 1024;
const REQUEST_TIMEOUT_MS = 4000;

export type IncomingReceiptValue = ReturnType<typeof IncomingReceipt.defaultValue>;

/**
 * Moves receipts from source shards to destination shards (DESIGN.md §4):
 * - push: when the beacon head crosslinks a new block of a tracked source shard, the receipts of that block's
 *   outboxes that the destination has not credited are proven against the crosslink and gossiped on
 *   `shard_{dest}_receipts` (and pooled directly when this node tracks the destination);
 * - pull: destination nodes ask source-shard peers with `receipts_by_range` for the next receipt in sequence,
 *   so a receipt whose relay message was lost is still credited.
 * Proofs are always against the source's *current* crosslink in the beacon head: when it moves, pooled
 * receipts proven against the old one are dropped and re-proven.
 */
export class ReceiptRelay {
  private readonly lastRelayed = new Map<number, string>();

  constructor(
    private readonly beacon: BeaconChain,
    private readonly shards: () => ReadonlyMap<number, ShardChain>,
    private readonly p2p: P2pNode,
    private readonly log: Logger,
  ) {}

  private currentCrosslink(shard: number): CrosslinkValue | undefined {
    return this.beacon.head().state.state.currentCrosslinks.getReadonly(shard)?.toValue();
  }

  /** True if `incoming` is proven against the current crosslink of its source in the beacon head. */
  verify(incoming: IncomingReceiptValue): boolean {
    const { receipt } = incoming;
    if (receipt.source !== incoming.crosslinkShard || receipt.source === receipt.dest) return false;
    if (receipt.source >= this.beacon.preset.SHARD_COUNT || receipt.dest >= this.beacon.preset.SHARD_COUNT)
      return false;
    const crosslink = this.currentCrosslink(receipt.source);
    if (!crosslink || bytesToHex(crosslink.shardBlockRoot) !== bytesToHex(incoming.crosslinkBlockRoot))
      return false;
    if (crosslink.slot !== incoming.crosslinkSlot) return false;
    return isReceiptProofValid(incoming, crosslink.outboxRoot);
  }

  /** Adds a verified receipt to the destination's pool unless already credited. */
  pool(incoming: IncomingReceiptValue): boolean {
    const chain = this.shards().get(incoming.receipt.dest);
    if (!chain) return false;
    if (incoming.receipt.seq < chain.head().state.inboxCursor(incoming.receipt.source)) return false;
    chain.pendingReceipts.set(`${incoming.receipt.source}:${incoming.receipt.seq}`, incoming);
    return true;
  }

  /** Receipts of `source`'s crosslinked state for `dest`, seq in [from, to), proven against the crosslink. */
  private proveRange(source: number, dest: number, from: number, count: number): IncomingReceiptValue[] {
    const crosslink = this.currentCrosslink(source);
    const chain = this.shards().get(source);
    if (!crosslink || !chain) return [];
    const rootHex = bytesToHex(crosslink.shardBlockRoot);
    const entry = chain.get(rootHex);
    if (!entry) return [];
    // The receipt log keeps what destinations may still need; older receipts are credited for good.
    const log = chain.receiptLog();
    const start = Math.max(from, log.base(dest));
    const end = Math.min(entry.state.outboxLength(dest), from + count);
    if (end <= start) return [];
    const seqs = Array.from({ length: end - start }, (_, i) => start + i);
    try {
      return buildReceiptProofs(entry.state, log, dest, seqs, {
        slot: crosslink.slot,
        shardBlockRoot: crosslink.shardBlockRoot,
      });
    } catch (err) {
      this.log.debug(
        { source, dest, from, err: (err as Error).message },
        "cannot prove receipts from the log",
      );
      return [];
    }
  }

  /** Called on every new beacon head: re-proves and pushes receipts of sources whose crosslink moved. */
  onBeaconHead(): void {
    const shardCount = this.beacon.preset.SHARD_COUNT;
    for (const [source, chain] of this.shards()) {
      const crosslink = this.currentCrosslink(source);
      if (!crosslink) continue;
      const rootHex = bytesToHex(crosslink.shardBlockRoot);
      if (this.lastRelayed.get(source) === rootHex) continue;
      if (!chain.get(rootHex)) continue;
      this.lastRelayed.set(source, rootHex);
      for (let dest = 0; dest < shardCount; dest++) {
        if (dest === source) continue;
        const destChain = this.shards().get(dest);
        if (destChain) {
          for (const [key, pending] of destChain.pendingReceipts) {
            if (pending.receipt.source === source && bytesToHex(pending.crosslinkBlockRoot) !== rootHex)
              destChain.pendingReceipts.delete(key);
          }
        }
        const from = destChain ? destChain.head().state.inboxCursor(source) : 0;
        const receipts = this.proveRange(source, dest, from, MAX_RELAY_PER_CROSSLINK);
        for (const incoming of receipts) {
          if (destChain) this.pool(incoming);
          void this.p2p
            .publish({ kind: "shard_receipts", shard: dest }, IncomingReceipt.serialize(incoming))
            .catch(() => undefined);
        }
        if (receipts.length > 0)
          this.log.debug({ source, dest, count: receipts.length, from }, "relayed receipts");
      }
    }
  }

  /** Serves `receipts_by_range` for tracked source shards. */
  async registerHandler(): Promise<void> {
    await this.p2p.handleRequests("receipts_by_range", (req) => {
      let request: ReturnType<typeof ReceiptsByRangeRequest.deserialize>;
      try {
        request = ReceiptsByRangeRequest.deserialize(req);
      } catch (err) {
        throw new ReqRespError("INVALID_REQUEST", `bad receipts_by_range request: ${(err as Error).message}`);
      }
      if (!this.shards().has(request.source)) {
        throw new ReqRespError("RESOURCE_UNAVAILABLE", `this node does not track shard ${request.source}`);
      }
      const count = Math.min(request.count, MAX_RECEIPTS_PER_REQUEST);
      return this.proveRange(request.source, request.dest, request.startSeq, count).map((r) =>
        IncomingReceipt.serialize(r),
      );
    });
  }

  /**
   * For every tracked destination and untracked source, asks peers for the receipts after the inbox cursor
   * (tracked sources are relayed locally by onBeaconHead).
   */
  async pull(): Promise<void> {
    const shardCount = this.beacon.preset.SHARD_COUNT;
    const peers = this.p2p.connectedPeers();
    if (peers.length === 0) return;
    for (const [dest, destChain] of this.shards()) {
      for (let source = 0; source < shardCount; source++) {
        if (source === dest || this.shards().has(source)) continue;
        const cursor = destChain.head().state.inboxCursor(source);
        if (destChain.pendingReceipts.has(`${source}:${cursor}`)) continue;
        const request = ReceiptsByRangeRequest.serialize({
          source,
          dest,
          startSeq: cursor,
          count: MAX_RECEIPTS_PER_REQUEST,
        });
        for (const peer of peers.slice(0, 3)) {
          try {
            const chunks = await this.p2p.request(peer, "receipts_by_range", request, {
              timeoutMs: REQUEST_TIMEOUT_MS,
            });
            let pooled = 0;
            for (const chunk of chunks) {
              const incoming = IncomingReceipt.deserialize(chunk);
              if (incoming.receipt.dest === dest && this.verify(incoming) && this.pool(incoming)) pooled++;
            }
            if (pooled > 0) this.log.debug({ source, dest, pooled }, "pulled receipts");
            break;
          } catch {
            // peer does not track the source shard or timed out: try the next one
          }
        }
      }
    }
  }
}
