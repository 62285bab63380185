import { type DashboardSpec, N, rateBy, W } from "./grafana.js";

export const validators: DashboardSpec = {
  uid: "shardnet-validators",
  title: "shardnet validators",
  description:
    "Participation, validator duties and what was missed, the registry by status, slashings and crosslink candidates",
  panels: [
    {
      title: "Participation (previous epoch)",
      description:
        "Share of the previous epoch's active stake whose attestations voted for its target, in each node's beacon head state; 2/3 justifies the epoch",
      unit: "percentunit",
      queries: [{ expr: `shardnet_validator_participation_ratio{${N}}`, legend: "{{node}}" }],
    },
    {
      title: "Validators by status",
      description:
        "Validators in the beacon head state: active, queued for activation, exiting (exit scheduled), exited, slashed",
      queries: [{ expr: `max by (status) (shardnet_validators{${N}})`, legend: "{{status}}" }],
    },
    {
      title: "Duties by result",
      description:
        "Duties the hosted validators performed per second, by duty and result (ok, skipped, failed, refused by slashing protection)",
      unit: "ops",
      queries: [
        { expr: rateBy("shardnet_validator_duties_total", "duty, result"), legend: "{{duty}} {{result}}" },
      ],
    },
    {
      title: "Missed duties",
      description:
        "Duties of the hosted validators that left nothing on the canonical chain, per window: a proposal slot without their block (not proposed or orphaned), an epoch without their target vote",
      queries: [
        {
          expr: `sum by (duty) (increase(shardnet_validator_missed_duties_total{${N}}[${W}]))`,
          legend: "{{duty}}",
        },
      ],
    },
    {
      title: "Missed proposals per node",
      description: "Beacon and shard proposal slots of each node's validators that have no block of theirs",
      queries: [
        {
          expr: `sum by (node, duty) (increase(shardnet_validator_missed_duties_total{${N}, duty=~".*_propose"}[${W}]))`,
          legend: "{{node}} {{duty}}",
        },
      ],
    },
    {
      title: "Slashings",
      description:
        "Proposer and attester slashings included in the beacon blocks each node imported since it started (largest among the nodes)",
      queries: [{ expr: `max by (kind) (shardnet_slashings_total{${N}})`, legend: "{{kind}}" }],
    },
    {
      title: "Late crosslink candidates per second",
      description:
        "Crosslink candidates published for an earlier slot's votes, whose aggregate reached 2/3 after the slot (votes arriving late)",
      unit: "ops",
      queries: [{ expr: `sum(rate(shardnet_crosslink_candidates_late_total{${N}}[${W}]))`, legend: "late" }],
    },
  ],
};
