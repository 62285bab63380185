import { type DashboardSpec, N, quantile, rateBy, W } from "./grafana.js";

export const overview: DashboardSpec = {
  uid: "shardnet-overview",
  title: "shardnet overview",
  description:
    "Beacon and shard chain progress, crosslinks and their lag, finality, validator duties and verification cost",
  panels: [
    {
      type: "stat",
      title: "Beacon head slot",
      description: "Highest beacon head slot among the selected nodes",
      queries: [{ expr: `max(shardnet_beacon_head_slot{${N}})`, legend: "head" }],
    },
    {
      type: "stat",
      title: "Wall-clock slot",
      description: "Current slot by the nodes' slot clocks",
      queries: [{ expr: `max(shardnet_clock_slot{${N}})`, legend: "clock" }],
    },
    {
      type: "stat",
      title: "Justified epoch",
      description: "Casper FFG current justified epoch",
      queries: [{ expr: `max(shardnet_beacon_justified_epoch{${N}})`, legend: "justified" }],
    },
    {
      type: "stat",
      title: "Finalized epoch",
      description: "Casper FFG finalized epoch",
      queries: [{ expr: `max(shardnet_beacon_finalized_epoch{${N}})`, legend: "finalized" }],
    },
    {
      title: "Beacon head slot per node",
      description: "Each node's beacon head against the wall clock",
      queries: [
        { expr: `shardnet_beacon_head_slot{${N}}`, legend: "{{node}}" },
        { expr: `max(shardnet_clock_slot{${N}})`, legend: "clock" },
      ],
    },
    {
      title: "Justified and finalized epoch",
      description: "FFG checkpoints (highest among the selected nodes)",
      queries: [
        { expr: `max(shardnet_beacon_justified_epoch{${N}})`, legend: "justified" },
        { expr: `max(shardnet_beacon_finalized_epoch{${N}})`, legend: "finalized" },
      ],
    },
    {
      title: "Shard head slot per shard",
      description: "Highest head slot of each shard among the nodes tracking it",
      queries: [{ expr: `max by (shard) (shardnet_shard_head_slot{${N}})`, legend: "shard {{shard}}" }],
    },
    {
      title: "Crosslink lag per shard",
      description:
        "Slots between each shard's head and its crosslink in the beacon head state (highest among the nodes tracking the shard); it grows while a shard goes uncrosslinked",
      queries: [{ expr: `max by (shard) (shardnet_crosslink_lag_slots{${N}})`, legend: "shard {{shard}}" }],
    },
    {
      title: "Sync distance",
      description: "Slots between the wall clock and each node's beacon head",
      queries: [{ expr: `shardnet_sync_distance_slots{${N}}`, legend: "{{node}}" }],
    },
    {
      title: "Crosslinks per minute, per shard",
      description:
        "Crosslinks imported on the canonical beacon chain (highest rate among the selected nodes)",
      queries: [
        {
          expr: `max by (shard) (rate(shardnet_crosslinks_total{${N}}[${W}])) * 60`,
          legend: "shard {{shard}}",
        },
      ],
    },
    {
      title: "Crosslink latency p50 / p99 per shard",
      description: "Shard block slot start → beacon block that crosslinks it",
      unit: "s",
      queries: [
        { expr: quantile(0.5, "shardnet_crosslink_latency_seconds", "shard"), legend: "shard {{shard}} p50" },
        {
          expr: quantile(0.99, "shardnet_crosslink_latency_seconds", "shard"),
          legend: "shard {{shard}} p99",
        },
      ],
    },
    {
      title: "Block import p99 per chain",
      description: "Time to validate and import one block",
      unit: "s",
      queries: [{ expr: quantile(0.99, "shardnet_block_import_seconds", "chain"), legend: "{{chain}} p99" }],
    },
    {
      title: "Blocks imported per second, per chain",
      description: "Blocks imported by the selected nodes",
      unit: "ops",
      queries: [{ expr: rateBy("shardnet_blocks_imported_total", "chain"), legend: "{{chain}}" }],
    },
    {
      title: "Blocks rejected per second, by chain and reason",
      description:
        "Blocks that failed validation or import (a peer sent an invalid block, or this node lacks what it builds on); empty while every block imports",
      unit: "ops",
      queries: [
        { expr: rateBy("shardnet_blocks_rejected_total", "chain, reason"), legend: "{{chain}} {{reason}}" },
      ],
    },
    {
      title: "Validator duties by result",
      description: "Duties performed per second, by duty and result",
      unit: "ops",
      queries: [
        { expr: rateBy("shardnet_validator_duties_total", "duty, result"), legend: "{{duty}} {{result}}" },
      ],
    },
    {
      title: "Duty time p99 by phase",
      description: "Time spent on validator duties in one slot phase",
      unit: "s",
      queries: [{ expr: quantile(0.99, "shardnet_duty_seconds", "phase"), legend: "{{phase}} p99" }],
    },
    {
      title: "Attestations by result",
      description: "Attestations received per second, by validation result",
      unit: "ops",
      queries: [{ expr: rateBy("shardnet_attestations_total", "result"), legend: "{{result}}" }],
    },
    {
      title: "BLS verify p99",
      description: "One BLS verification call (single, aggregate or batch), per node",
      unit: "s",
      queries: [{ expr: quantile(0.99, "shardnet_bls_verify_seconds", "node"), legend: "{{node}} p99" }],
    },
    {
      title: "Peers",
      description: "Connected libp2p peers per node",
      queries: [{ expr: `shardnet_peers{${N}}`, legend: "{{node}}" }],
    },
    {
      title: "In-memory cache entries",
      description:
        "Entries of each in-memory cache, index and pool (largest among the selected nodes); each is bounded by finality or a size, so none should grow without end",
      queries: [{ expr: `max by (cache) (shardnet_cache_entries{${N}})`, legend: "{{cache}}" }],
    },
  ],
};
