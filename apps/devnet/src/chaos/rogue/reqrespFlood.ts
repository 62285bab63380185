import {
  BeaconBlocksByRangeRequest,
  ShardBlocksByRangeRequest,
  ShardStateSnapshotRequest,
  Status,
} from "@shardnet/node";
import {
  type P2pNode,
  protocolId,
  REQRESP_PROTOCOLS,
  ReqRespError,
  type ReqRespProtocol,
} from "@shardnet/p2p";
import type { ChainView } from "./chainView.js";
import type { TargetNetwork } from "./network.js";
import type { AttackRandom } from "./random.js";
import type { ReportBuilder } from "./report.js";

/** Every protocol a node serves: DESIGN.md §5 plus the p2p package's peer_exchange. */
export const FLOODED_PROTOCOLS: readonly ReqRespProtocol[] = [...REQRESP_PROTOCOLS, "peer_exchange"];

export const REQRESP_ATTACK_KINDS = [
  /** A plausible request (what a syncing peer would ask), sent far faster than the rate limit allows. */
  "well_formed",
  /** Well-formed with extreme values: counts of 2^53, slots far ahead, shard 1023, a status claiming a huge head. */
  "absurd",
  /** Random bytes as the payload. */
  "malformed",
  /** A payload above the servers' request limit (1 KiB). */
  "oversized",
  /** Bytes that break the framing: a length varint that never ends, or trailing bytes after the payload. */
  "bad_framing",
  /** A stream opened and never written: holds the server until its timeout. */
  "stalled",
  /** A status from another network (the node must disconnect, not crash). */
  "wrong_network",
] as const;
export type ReqRespAttackKind = (typeof REQRESP_ATTACK_KINDS)[number];

/** ReceiptsByRangeRequest of packages/node/src/receipts/receiptRelay.ts (not exported): four uint64, little-endian. */
function receiptsByRange(source: number, dest: number, startSeq: number, count: number): Uint8Array {
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  for (const [i, v] of [source, dest, startSeq, count].entries()) view.setBigUint64(8 * i, BigInt(v), true);
  return out;
}

type RawStream = Awaited<ReturnType<P2pNode["libp2p"]["dialProtocol"]>>;

export interface FloodOptions {
  /** Requests per second over all targets and protocols. */
  requestsPerSecond: number;
  /** Most requests awaiting an answer at once (stalled streams included). */
  maxInFlight: number;
  /** How long a stalled stream is held open, ms (beyond the servers' 10 s timeout by default). */
  stallMs: number;
  /** Deadline of one request, ms. */
  timeoutMs: number;
}

/**
 * Floods every req/resp protocol of the target peers: many requests, fast, of every REQRESP_ATTACK_KINDS kind,
 * counting what was answered, refused (error response) and failed (no connection, timeout). Peers that ban the
 * rogue make its requests fail: the counts show when.
 */
export class ReqRespFlood {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly pending = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private turn = 0;

  constructor(
    private readonly p2p: P2pNode,
    private readonly net: TargetNetwork,
    private readonly view: ChainView,
    private readonly rng: AttackRandom,
    private readonly report: ReportBuilder,
    /** Peer ids to send to (the honest nodes, connected or not). */
    private readonly targets: () => string[],
    private readonly opts: FloodOptions,
  ) {}

  start(): void {
    const tickMs = 50;
    const perTick = Math.max(1, Math.round((this.opts.requestsPerSecond * tickMs) / 1000));
    this.timer = setInterval(() => {
      for (let i = 0; i < perTick && this.inFlight < this.opts.maxInFlight; i++) this.sendOne();
    }, tickMs);
  }

  /** Stops sending, aborts stalled streams and waits for the requests in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.controller.abort();
    await Promise.allSettled([...this.pending]);
  }

  private sendOne(): void {
    const targets = this.targets();
    if (targets.length === 0) return;
    // Round-robin over target × protocol × kind, so every combination is exercised early.
    const n = this.turn++;
    const peer = targets[n % targets.length] as string;
    const protocol = FLOODED_PROTOCOLS[
      Math.floor(n / targets.length) % FLOODED_PROTOCOLS.length
    ] as ReqRespProtocol;
    const kind = this.kindFor(protocol, Math.floor(n / (targets.length * FLOODED_PROTOCOLS.length)));
    this.report.requestSent(protocol, kind);
    this.inFlight++;
    const job = this.run(peer, protocol, kind)
      .catch(() => this.report.requestDone(protocol, "failed", "STREAM_ERROR"))
      .finally(() => {
        this.inFlight--;
        this.pending.delete(job);
      });
    this.pending.add(job);
  }

  /** The kind of the `round`-th request of one (peer, protocol): a fixed cycle, wrong_network rarely. */
  private kindFor(protocol: ReqRespProtocol, round: number): ReqRespAttackKind {
    // A node hangs up on a peer of another network, which would cut the gossip attack short: 1 in 50 status.
    if (protocol === "status" && round % 50 === 49) return "wrong_network";
    const cycle = REQRESP_ATTACK_KINDS.filter((k) => k !== "wrong_network");
    return cycle[round % cycle.length] as ReqRespAttackKind;
  }

  private async run(peer: string, protocol: ReqRespProtocol, kind: ReqRespAttackKind): Promise<void> {
    if (kind === "bad_framing" || kind === "stalled") {
      await this.raw(peer, protocol, kind);
      return;
    }
    try {
      await this.p2p.request(peer, protocol, this.payload(protocol, kind), {
        timeoutMs: this.opts.timeoutMs,
        maxRequestBytes: 1 << 20,
      });
      this.report.requestDone(protocol, "answered");
    } catch (err) {
      const code = err instanceof ReqRespError ? err.code : "STREAM_ERROR";
      const refused =
        code === "INVALID_REQUEST" || code === "RESOURCE_UNAVAILABLE" || code === "SERVER_ERROR";
      this.report.requestDone(protocol, refused ? "refused" : "failed", code);
    }
  }

  /** The request payload of one kind (bad_framing and stalled go through raw()). */
  private payload(protocol: ReqRespProtocol, kind: ReqRespAttackKind): Uint8Array {
    const { rng, view, net } = this;
    if (kind === "malformed") return rng.bytes(rng.between(0, 1024));
    if (kind === "oversized") return rng.bytes(rng.between(1025, 4096));
    const absurd = kind === "absurd";
    const huge = Number.MAX_SAFE_INTEGER;
    switch (protocol) {
      case "status":
        return Status.serialize({
          ...view.ownStatus(),
          ...(kind === "wrong_network" ? { genesisHash: rng.bytes(32) } : {}),
          ...(absurd ? { headSlot: huge, headRoot: rng.bytes(32), finalizedEpoch: 2 ** 40 } : {}),
        });
      case "beacon_blocks_by_range":
        return BeaconBlocksByRangeRequest.serialize(
          absurd ? { startSlot: 0, count: huge } : { startSlot: rng.int(view.beaconHeadSlot + 1), count: 64 },
        );
      case "shard_blocks_by_range":
        return ShardBlocksByRangeRequest.serialize({
          shard: absurd ? 1023 : rng.int(net.preset.SHARD_COUNT),
          startSlot: absurd ? huge : rng.int(view.beaconHeadSlot + 1),
          count: absurd ? huge : 64,
        });
      case "shard_state_snapshot": {
        // Snapshots are the most expensive thing a node serves: ask for real heads (and for unknown roots).
        const shard = rng.int(net.preset.SHARD_COUNT);
        const known = view.shardHead(shard).root;
        return ShardStateSnapshotRequest.serialize({
          shard: absurd ? 1023 : shard,
          shardBlockRoot: absurd ? rng.bytes(32) : known,
        });
      }
      case "receipts_by_range": {
        const source = rng.int(net.preset.SHARD_COUNT);
        const dest = rng.int(net.preset.SHARD_COUNT);
        return absurd ? receiptsByRange(source, dest, huge, huge) : receiptsByRange(source, dest, 0, 256);
      }
      case "peer_exchange":
        // Its servers take no payload: any byte is already too much.
        return absurd ? rng.bytes(8) : new Uint8Array(0);
    }
  }

  /** A stream written by hand: broken framing, or opened and left silent. */
  private async raw(peer: string, protocol: ReqRespProtocol, kind: "bad_framing" | "stalled"): Promise<void> {
    const target = this.p2p.libp2p.getPeers().find((p) => p.toString() === peer);
    if (target === undefined) {
      this.report.requestDone(protocol, "failed", "STREAM_ERROR");
      return;
    }
    const signal = AbortSignal.any([
      this.controller.signal,
      AbortSignal.timeout(kind === "stalled" ? this.opts.stallMs : this.opts.timeoutMs),
    ]);
    let stream: RawStream;
    try {
      stream = await this.p2p.libp2p.dialProtocol(target, protocolId(protocol), { signal });
    } catch {
      this.report.requestDone(protocol, "failed", "STREAM_ERROR");
      return;
    }
    try {
      if (kind === "bad_framing") {
        const bytes =
          this.rng.next() < 0.5
            ? Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)
            : Uint8Array.of(2, 0xaa, 0xbb, 0xcc, 0xdd); // length 2, then 4 bytes
        stream.send(bytes);
        await stream.close({ signal });
      }
      // Stalled: nothing is written; the first byte read is the server's verdict (or the stream ends).
      const first = await this.firstByte(stream, signal);
      if (first === undefined) this.report.requestDone(protocol, "failed", "STREAM_ERROR");
      else if (first === 0) this.report.requestDone(protocol, "answered");
      else this.report.requestDone(protocol, "refused", first === 1 ? "INVALID_REQUEST" : "SERVER_ERROR");
    } catch {
      this.report.requestDone(protocol, "failed", signal.aborted ? "TIMEOUT" : "STREAM_ERROR");
    } finally {
      stream.abort(new Error("rogue: done"));
    }
  }

  private async firstByte(stream: RawStream, signal: AbortSignal): Promise<number | undefined> {
    const aborted = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      signal.addEventListener("abort", () => resolve(undefined), { once: true });
    });
    const read = (async () => {
      for await (const chunk of stream) {
        const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray();
        if (bytes.length > 0) return bytes[0];
      }
      return undefined;
    })().catch(() => undefined);
    return Promise.race([read, aborted]);
  }
}
