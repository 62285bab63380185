import { type GossipTopic, type ReqRespErrorCode, topicName } from "@shardnet/p2p";
import type { GossipAttackKind } from "./gossipPayloads.js";
import { payloadHash } from "./payloadHash.js";
import type { ReqRespAttackKind } from "./reqrespFlood.js";

/** Outcome counts of the requests of one protocol. */
export interface ReqRespCounts {
  sent: number;
  /** Served: the peer answered with success chunks (possibly none). */
  answered: number;
  /** The peer answered with an error (invalid request, rate limited, unavailable, server error). */
  refused: number;
  /** No answer: no connection (the rogue is banned), timeout, reset stream. */
  failed: number;
  /** Error codes seen, with counts (refusals and failures). */
  codes: Partial<Record<ReqRespErrorCode, number>>;
  /** Requests sent per attack kind. */
  byKind: Partial<Record<ReqRespAttackKind, number>>;
}

/** What a rogue peer did, returned by RoguePeer.stop(). */
export interface RogueReport {
  peerId: string;
  seed: number;
  durationMs: number;
  /** Gossip messages handed to gossipsub, per topic name (`beacon_block`, `shard_0_tx`, ...) and attack kind. */
  gossipSent: Record<string, Partial<Record<GossipAttackKind, number>>>;
  gossipSentTotal: number;
  /** Publishes that reached no peer (none subscribed, or the rogue was disconnected). */
  gossipUnrouted: number;
  /** Req/resp requests per protocol. */
  reqresp: Record<string, ReqRespCounts>;
  /** Requests the rogue sent to learn the chain's heads (status, shard_blocks_by_range), apart from the flood. */
  probeRequests: number;
  /** Times a peer connected to or disconnected from the rogue. */
  connections: { connected: number; disconnected: number };
  /** Peers connected when the rogue stopped (the honest nodes should have dropped it). */
  connectedAtStop: string[];
  /** sha256 hex of every gossip payload sent: compare with Observer.received(). */
  payloadHashes: string[];
}

/** Accumulates a RogueReport while the rogue runs. */
export class ReportBuilder {
  private readonly gossipSent: RogueReport["gossipSent"] = {};
  private gossipSentTotal = 0;
  private gossipUnrouted = 0;
  private readonly reqresp: Record<string, ReqRespCounts> = {};
  private readonly hashes = new Set<string>();
  readonly connections = { connected: 0, disconnected: 0 };
  private readonly startedMs = Date.now();

  constructor(
    private readonly peerId: string,
    private readonly seed: number,
  ) {}

  /** Records one gossip payload as sent (its hash is recorded before publishing: a relay may race the call). */
  gossip(topic: GossipTopic, kind: GossipAttackKind, data: Uint8Array): void {
    const name = topicName(topic);
    const perTopic = this.gossipSent[name] ?? {};
    perTopic[kind] = (perTopic[kind] ?? 0) + 1;
    this.gossipSent[name] = perTopic;
    this.gossipSentTotal++;
    this.hashes.add(payloadHash(data));
  }

  unrouted(): void {
    this.gossipUnrouted++;
  }

  private counts(protocol: string): ReqRespCounts {
    let counts = this.reqresp[protocol];
    if (counts === undefined) {
      counts = { sent: 0, answered: 0, refused: 0, failed: 0, codes: {}, byKind: {} };
      this.reqresp[protocol] = counts;
    }
    return counts;
  }

  requestSent(protocol: string, kind: ReqRespAttackKind): void {
    const counts = this.counts(protocol);
    counts.sent++;
    counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
  }

  requestDone(protocol: string, outcome: "answered" | "refused" | "failed", code?: ReqRespErrorCode): void {
    const counts = this.counts(protocol);
    counts[outcome]++;
    if (code !== undefined) counts.codes[code] = (counts.codes[code] ?? 0) + 1;
  }

  build(probeRequests: number, connectedAtStop: string[]): RogueReport {
    return {
      peerId: this.peerId,
      seed: this.seed,
      durationMs: Date.now() - this.startedMs,
      gossipSent: this.gossipSent,
      gossipSentTotal: this.gossipSentTotal,
      gossipUnrouted: this.gossipUnrouted,
      reqresp: this.reqresp,
      probeRequests,
      connections: { ...this.connections },
      connectedAtStop,
      payloadHashes: [...this.hashes],
    };
  }
}
