import { type DashboardSpec, N, quantile, rateBy, W } from "./grafana.js";

export const transactions: DashboardSpec = {
  uid: "shardnet-transactions",
  title: "shardnet transactions",
  description:
    "Transactions from arrival to inclusion, mempools, blocks, cross-shard receipts, accounts, and the load generator's offered against achieved load",
  panels: [
    {
      title: "Transactions included per second, per shard",
      description:
        "Transactions in the shard blocks imported (highest rate among the selected nodes tracking each shard)",
      unit: "ops",
      queries: [
        {
          expr: `max by (shard) (rate(shardnet_transactions_included_total{${N}}[${W}]))`,
          legend: "shard {{shard}}",
        },
      ],
    },
    {
      title: "Transactions received per second, by source and result",
      description:
        "Transactions arriving through the HTTP API or gossip: accepted into a mempool, duplicate, or refused with the rejection code",
      unit: "ops",
      queries: [
        {
          expr: rateBy("shardnet_transactions_received_total", "source, result"),
          legend: "{{source}} {{result}}",
        },
      ],
    },
    {
      title: "Ed25519 verifications per included transaction, per node",
      description:
        "Transaction signatures each node verified, per transaction included in the shard blocks it imported: 1 when every transaction is verified once on each node (API, gossip, mempool, production and import share one cache of verified transactions); cached checks are those the cache answered",
      queries: [
        {
          expr: `sum by (node) (rate(shardnet_transaction_signature_checks_total{result="verified",${N}}[${W}])) / sum by (node) (rate(shardnet_transactions_included_total{${N}}[${W}]))`,
          legend: "{{node}} verified",
        },
        {
          expr: `sum by (node) (rate(shardnet_transaction_signature_checks_total{result="cached",${N}}[${W}])) / sum by (node) (rate(shardnet_transactions_included_total{${N}}[${W}]))`,
          legend: "{{node}} cached",
        },
      ],
    },
    {
      title: "Mempool depth per shard",
      description: "Transactions waiting in each shard's mempool (largest among the nodes tracking it)",
      queries: [{ expr: `max by (shard) (shardnet_mempool_transactions{${N}})`, legend: "shard {{shard}}" }],
    },
    {
      title: "Transactions per shard block",
      description: "p50 and p99 of the transactions in each imported shard block, and the mean",
      queries: [
        { expr: quantile(0.5, "shardnet_shard_block_transactions", ""), legend: "p50" },
        { expr: quantile(0.99, "shardnet_shard_block_transactions", ""), legend: "p99" },
        {
          expr: `sum(rate(shardnet_shard_block_transactions_sum{${N}}[${W}])) / sum(rate(shardnet_shard_block_transactions_count{${N}}[${W}]))`,
          legend: "mean",
        },
      ],
    },
    {
      title: "Inclusion latency p50 / p99 per shard",
      description:
        "From a node first seeing a transaction (API or gossip) to its importing a block that includes it",
      unit: "s",
      queries: [
        {
          expr: quantile(0.5, "shardnet_transaction_inclusion_seconds", "shard"),
          legend: "shard {{shard}} p50",
        },
        {
          expr: quantile(0.99, "shardnet_transaction_inclusion_seconds", "shard"),
          legend: "shard {{shard}} p99",
        },
      ],
    },
    {
      title: "Accounts per shard",
      description: "Accounts in each shard's head state",
      queries: [{ expr: `max by (shard) (shardnet_shard_accounts{${N}})`, legend: "shard {{shard}}" }],
    },
    {
      title: "Receipts sent per second, per shard pair",
      description:
        "Cross-shard receipts appended to the source shard's outbox for the destination (from the nodes tracking the source)",
      unit: "ops",
      queries: [
        {
          expr: `max by (source, dest) (rate(shardnet_receipts_sent_total{${N}}[${W}]))`,
          legend: "{{source}} → {{dest}}",
        },
      ],
    },
    {
      title: "Receipts credited per second, per shard pair",
      description:
        "Cross-shard receipts credited on the destination shard (from the nodes tracking the destination)",
      unit: "ops",
      queries: [
        {
          expr: `max by (source, dest) (rate(shardnet_receipts_credited_total{${N}}[${W}]))`,
          legend: "{{source}} → {{dest}}",
        },
      ],
    },
    {
      title: "Receipts in flight per shard pair",
      description:
        "Receipts sent by the source shard's head minus those credited by the destination shard's head: waiting for a crosslink or for a destination block",
      queries: [
        {
          expr: `max by (source, dest) (shardnet_receipts_sent_total{${N}}) - on (source, dest) max by (source, dest) (shardnet_receipts_credited_total{${N}})`,
          legend: "{{source}} → {{dest}}",
        },
      ],
    },
    {
      title: "Receipts pending per destination shard",
      description:
        "Receipts a node holds for a destination shard it tracks that no block has credited yet (largest among the nodes)",
      queries: [{ expr: `max by (dest) (shardnet_receipts_pending{${N}})`, legend: "shard {{dest}}" }],
    },
    {
      title: "Load generator: offered vs achieved",
      description:
        "Transfers per second the load generator was asked for (target), sent on its open-loop schedule (offered), accepted by the nodes, refused or not delivered, and seen included and finalized (achieved); empty when no load generator runs with --metrics-port",
      unit: "ops",
      queries: [
        { expr: "sum(shardnet_loadgen_target_transactions_per_second)", legend: "target" },
        { expr: `sum(rate(shardnet_loadgen_transactions_offered_total[${W}]))`, legend: "offered" },
        { expr: `sum(rate(shardnet_loadgen_transactions_accepted_total[${W}]))`, legend: "accepted" },
        { expr: `sum(rate(shardnet_loadgen_transactions_rejected_total[${W}]))`, legend: "rejected" },
        {
          expr: `sum by (stage) (rate(shardnet_loadgen_latency_seconds_count[${W}]))`,
          legend: "{{stage}}",
        },
      ],
    },
    {
      title: "Load generator: latency p50 / p99 by stage",
      description:
        "From each transfer's scheduled send time to the first node reporting it included, crosslinked and finalized",
      unit: "s",
      queries: [
        { expr: quantile(0.5, "shardnet_loadgen_latency_seconds", "stage", ""), legend: "{{stage}} p50" },
        { expr: quantile(0.99, "shardnet_loadgen_latency_seconds", "stage", ""), legend: "{{stage}} p99" },
      ],
    },
  ],
};
