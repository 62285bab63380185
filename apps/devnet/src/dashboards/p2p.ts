import { type DashboardSpec, N, W } from "./grafana.js";

export const p2p: DashboardSpec = {
  uid: "shardnet-p2p",
  title: "shardnet p2p",
  description: "Gossip by topic and validation result, req/resp, libp2p connections and traffic",
  panels: [
    {
      title: "Peers",
      description: "Connected libp2p peers per node",
      queries: [{ expr: `shardnet_peers{${N}}`, legend: "{{node}}" }],
    },
    {
      title: "libp2p connections by direction",
      description: "Open and pending connections (connection manager)",
      queries: [
        {
          expr: `sum by (libp2p_connection_manager_connections) (libp2p_connection_manager_connections{${N}})`,
          legend: "{{libp2p_connection_manager_connections}}",
        },
      ],
    },
    {
      title: "Gossip received by topic",
      description: "Messages received per second on subscribed topics, before validation",
      unit: "ops",
      queries: [
        {
          expr: `sum by (topic) (rate(shardnet_gossip_messages_received_total{${N}}[${W}]))`,
          legend: "{{topic}}",
        },
      ],
    },
    {
      title: "Gossip published by topic",
      description: "Messages published per second by the selected nodes",
      unit: "ops",
      queries: [
        {
          expr: `sum by (topic) (rate(shardnet_gossip_messages_published_total{${N}}[${W}]))`,
          legend: "{{topic}}",
        },
      ],
    },
    {
      title: "Gossip validated by topic and result",
      description: "Validation outcomes (accept / ignore / reject) reported to gossipsub",
      unit: "ops",
      queries: [
        {
          expr: `sum by (topic, result) (rate(shardnet_gossip_messages_validated_total{${N}}[${W}]))`,
          legend: "{{topic}} {{result}}",
        },
      ],
    },
    {
      title: "Gossip dropped by topic and reason",
      description:
        "Messages dropped before the topic validator ran (oversize, undecodable, queue full, ...); empty while no peer sent such a message",
      unit: "ops",
      queries: [
        {
          expr: `sum by (topic, reason) (rate(shardnet_gossip_messages_dropped_total{${N}}[${W}]))`,
          legend: "{{topic}} {{reason}}",
        },
      ],
    },
    {
      title: "Req/resp requests",
      description: "Requests per second by protocol and direction (inbound = served, outbound = sent)",
      unit: "ops",
      queries: [
        {
          expr: `sum by (protocol, direction) (rate(shardnet_reqresp_requests_total{${N}}[${W}]))`,
          legend: "{{protocol}} {{direction}}",
        },
      ],
    },
    {
      title: "Req/resp errors",
      description: "Errors per second by protocol and code; empty while every request succeeded",
      unit: "ops",
      queries: [
        {
          expr: `sum by (protocol, code) (rate(shardnet_reqresp_errors_total{${N}}[${W}]))`,
          legend: "{{protocol}} {{code}}",
        },
      ],
    },
    {
      title: "libp2p traffic per node",
      description: "Bytes per second sent and received, all protocols",
      unit: "Bps",
      queries: [
        {
          expr: `sum by (node, protocol) (rate(libp2p_data_transfer_bytes_total{${N}, protocol=~"global .*"}[${W}]))`,
          legend: "{{node}} {{protocol}}",
        },
      ],
    },
    {
      title: "libp2p traffic by protocol",
      description: "Bytes per second by protocol and direction",
      unit: "Bps",
      queries: [
        {
          expr: `sum by (protocol) (rate(libp2p_data_transfer_bytes_total{${N}, protocol!~"global .*"}[${W}]))`,
          legend: "{{protocol}}",
        },
      ],
    },
    {
      title: "libp2p streams opened by protocol",
      description: "Streams opened per second",
      unit: "ops",
      queries: [
        {
          expr: `sum by (protocol) (rate(libp2p_protocol_streams_total{${N}}[${W}]))`,
          legend: "{{protocol}}",
        },
      ],
    },
    {
      title: "Noise handshakes",
      description: "Noise XX handshakes per second, successes and errors",
      unit: "ops",
      queries: [
        { expr: `sum(rate(libp2p_noise_xxhandshake_successes_total{${N}}[${W}]))`, legend: "successes" },
        { expr: `sum(rate(libp2p_noise_xxhandshake_error_total{${N}}[${W}]))`, legend: "errors" },
      ],
    },
    {
      title: "libp2p dial queue",
      description: "Dials queued and running",
      queries: [
        { expr: `sum by (libp2p_dial_queue) (libp2p_dial_queue{${N}})`, legend: "{{libp2p_dial_queue}}" },
      ],
    },
    {
      title: "libp2p dials",
      description: "Dials per second by direction (connection manager)",
      unit: "ops",
      queries: [
        {
          expr: `sum by (libp2p_connection_manager_dials_total) (rate(libp2p_connection_manager_dials_total{${N}}[${W}]))`,
          legend: "{{libp2p_connection_manager_dials_total}}",
        },
      ],
    },
    {
      title: "Dial failures by kind",
      description: "Outbound dials that failed per second, by kind of peer (bootstrap, known, discovered)",
      unit: "ops",
      queries: [
        { expr: `sum by (kind) (rate(shardnet_p2p_dial_failures_total{${N}}[${W}]))`, legend: "{{kind}}" },
      ],
    },
    {
      title: "Peers penalized by reason",
      description:
        "Peers disconnected and refused for a while, per second: gossip score below the graylist threshold (gossip_score) or provably bad data over req/resp (the protocol); empty while no peer misbehaved",
      unit: "ops",
      queries: [
        {
          expr: `sum by (reason) (rate(shardnet_p2p_peers_penalized_total{${N}}[${W}]))`,
          legend: "{{reason}}",
        },
      ],
    },
  ],
};
