import { Counter, Gauge, Registry } from "prom-client";

export type ValidationResultLabel = "accept" | "ignore" | "reject";
export type DropReason = "oversize" | "undecodable" | "no_handler" | "validator_error" | "queue_full";

/** Kinds of outbound dial (shardnet_p2p_dial_failures_total). */
export const DIAL_KINDS = ["bootstrap", "known", "discovered"] as const;

/** The `shardnet_*` network metrics of DESIGN.md §7, registered on one prom-client registry. */
export class P2pMetrics {
  readonly gossipReceived: Counter<"topic">;
  readonly gossipPublished: Counter<"topic">;
  readonly gossipValidated: Counter<"topic" | "result">;
  readonly gossipDropped: Counter<"topic" | "reason">;
  readonly peers: Gauge;
  readonly reqrespRequests: Counter<"protocol" | "direction">;
  readonly reqrespErrors: Counter<"protocol" | "code">;
  readonly dialFailures: Counter<"kind">;
  readonly peersPenalized: Counter<"reason">;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.gossipReceived = new Counter({
      name: "shardnet_gossip_messages_received_total",
      help: "Gossip messages received on subscribed topics, before validation",
      labelNames: ["topic"],
      registers,
    });
    this.gossipPublished = new Counter({
      name: "shardnet_gossip_messages_published_total",
      help: "Gossip messages published by this node",
      labelNames: ["topic"],
      registers,
    });
    this.gossipValidated = new Counter({
      name: "shardnet_gossip_messages_validated_total",
      help: "Gossip validation outcomes reported to gossipsub",
      labelNames: ["topic", "result"],
      registers,
    });
    this.gossipDropped = new Counter({
      name: "shardnet_gossip_messages_dropped_total",
      help: "Gossip messages dropped without a validator verdict (oversize, undecodable, no_handler, validator_error, queue_full)",
      labelNames: ["topic", "reason"],
      registers,
    });
    this.peers = new Gauge({ name: "shardnet_peers", help: "Connected libp2p peers", registers });
    this.reqrespRequests = new Counter({
      name: "shardnet_reqresp_requests_total",
      help: "Req/resp requests by protocol and direction (inbound = served, outbound = sent)",
      labelNames: ["protocol", "direction"],
      registers,
    });
    this.dialFailures = new Counter({
      name: "shardnet_p2p_dial_failures_total",
      help: "Outbound dials that failed, by kind of peer (bootstrap, discovered, known)",
      labelNames: ["kind"],
      registers,
    });
    // The kinds are a fixed set: each is exported from the start (0 until a dial of that kind fails).
    for (const kind of DIAL_KINDS) this.dialFailures.inc({ kind }, 0);
    this.peersPenalized = new Counter({
      name: "shardnet_p2p_peers_penalized_total",
      help: "Peers disconnected and refused for a while: their gossip score fell below the graylist threshold (reason gossip_score), or they sent provably bad data over req/resp (reason: the protocol)",
      labelNames: ["reason"],
      registers,
    });
    this.reqrespErrors = new Counter({
      name: "shardnet_reqresp_errors_total",
      help: "Req/resp errors by protocol and error code",
      labelNames: ["protocol", "code"],
      registers,
    });
  }
}

/** Reads the current value of a counter/gauge for one label set (tests, status endpoints). */
export async function metricValue(
  metric: Counter<string> | Gauge<string>,
  labels: Record<string, string> = {},
): Promise<number> {
  const data = await metric.get();
  const match = data.values.find((v) =>
    Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val),
  );
  return match?.value ?? 0;
}
