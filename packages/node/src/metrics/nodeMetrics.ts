import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { type ChainGaugeView, EMPTY_VIEW, VALIDATOR_STATUSES } from "./chainGauges.js";

/** Duties a hosted validator can miss (shardnet_validator_missed_duties_total). */
export const MISSED_DUTIES = ["beacon_propose", "shard_propose", "attest"] as const;
export type MissedDuty = (typeof MISSED_DUTIES)[number];
/** Slashing kinds included in beacon blocks (shardnet_slashings_total). */
export const SLASHING_KINDS = ["proposer", "attester"] as const;
/** Where a transaction reached the node (shardnet_transactions_received_total). */
export type TxSource = "api" | "gossip";

/** How long one scrape-time view of the chains is reused by the gauges of the same scrape. */
const VIEW_REUSE_MS = 500;

/**
 * The node's Prometheus metrics (DESIGN.md §7): names `shardnet_*`, units in the name, seconds for time.
 * One registry per process; p2p and libp2p metrics register on the same registry.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly beaconHeadSlot = new Gauge({
    name: "shardnet_beacon_head_slot",
    help: "Slot of the beacon head",
    registers: [this.registry],
  });
  readonly beaconJustifiedEpoch = new Gauge({
    name: "shardnet_beacon_justified_epoch",
    help: "Current justified epoch",
    registers: [this.registry],
  });
  readonly beaconFinalizedEpoch = new Gauge({
    name: "shardnet_beacon_finalized_epoch",
    help: "Finalized epoch",
    registers: [this.registry],
  });
  readonly currentSlot = new Gauge({
    name: "shardnet_clock_slot",
    help: "Wall-clock slot",
    registers: [this.registry],
  });
  readonly shardHeadSlot = new Gauge({
    name: "shardnet_shard_head_slot",
    help: "Slot of each tracked shard's head",
    labelNames: ["shard"],
    registers: [this.registry],
  });
  readonly crosslinksTotal = new Counter({
    name: "shardnet_crosslinks_total",
    help: "Crosslinks imported on the canonical beacon chain, per shard",
    labelNames: ["shard"],
    registers: [this.registry],
  });
  readonly crosslinkLatencySeconds = new Histogram({
    name: "shardnet_crosslink_latency_seconds",
    help: "Time from a shard block's slot start to the beacon block that crosslinks it",
    labelNames: ["shard"],
    buckets: [0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64],
    registers: [this.registry],
  });
  readonly attestationsTotal = new Counter({
    name: "shardnet_attestations_total",
    help: "Attestations received, by validation result",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly validatorDutiesTotal = new Counter({
    name: "shardnet_validator_duties_total",
    help: "Validator duties performed, by duty and result",
    labelNames: ["duty", "result"],
    registers: [this.registry],
  });
  readonly lateCrosslinkCandidates = new Counter({
    name: "shardnet_crosslink_candidates_late_total",
    help: "Crosslink candidates published for the votes of an earlier slot, whose aggregate reached 2/3 late",
    registers: [this.registry],
  });
  readonly blockImportSeconds = new Histogram({
    name: "shardnet_block_import_seconds",
    help: "Time to validate and import one block",
    labelNames: ["chain"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers: [this.registry],
  });
  readonly dutySeconds = new Histogram({
    name: "shardnet_duty_seconds",
    help: "Time spent on validator duties in one slot phase",
    labelNames: ["phase"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers: [this.registry],
  });
  readonly blsVerifySeconds = new Histogram({
    name: "shardnet_bls_verify_seconds",
    help: "Time of one BLS verification call (single, aggregate or batch)",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });
  readonly blocksImportedTotal = new Counter({
    name: "shardnet_blocks_imported_total",
    help: "Blocks imported, by chain",
    labelNames: ["chain"],
    registers: [this.registry],
  });
  readonly blocksRejectedTotal = new Counter({
    name: "shardnet_blocks_rejected_total",
    help: "Blocks rejected, by chain and reason",
    labelNames: ["chain", "reason"],
    registers: [this.registry],
  });
  readonly syncStatus = new Gauge({
    name: "shardnet_sync_distance_slots",
    help: "Slots between the wall clock and the beacon head",
    registers: [this.registry],
  });

  /** Sizes of the node's in-memory caches, indexes and pools, read at scrape time (see watchCaches). */
  private cacheSizes: () => Record<string, number> = () => ({});
  readonly cacheEntries = new Gauge({
    name: "shardnet_cache_entries",
    help: "Entries held by each in-memory cache, index and pool of the node (each is bounded by finality or a size)",
    labelNames: ["cache"],
    registers: [this.registry],
    collect: () => {
      this.cacheEntries.reset();
      for (const [cache, entries] of Object.entries(this.cacheSizes()))
        this.cacheEntries.set({ cache }, entries);
    },
  });

  /** Reports `sizes()` as shardnet_cache_entries on every scrape. */
  watchCaches(sizes: () => Record<string, number>): void {
    this.cacheSizes = sizes;
  }

  // --- transactions (counted where they arrive and where blocks import) -----------------------------------
  readonly transactionsReceivedTotal = new Counter({
    name: "shardnet_transactions_received_total",
    help: "Transactions received, by source (api, gossip) and result (accepted, duplicate, or the rejection code)",
    labelNames: ["source", "result"],
    registers: [this.registry],
  });
  /** The node's transaction signature checks so far (see watchSignatureChecks). */
  private signatureChecks: () => { verified: number; cached: number } = () => ({ verified: 0, cached: 0 });
  private readonly signatureChecksSeen = { verified: 0, cached: 0 };
  readonly transactionSignatureChecksTotal = new Counter({
    name: "shardnet_transaction_signature_checks_total",
    help: "Transaction signature checks on every path (API, gossip, mempool, block production and import), by result: verified (an Ed25519 verification ran) or cached (the same signed transaction had verified on this node)",
    labelNames: ["result"],
    registers: [this.registry],
    collect: () => {
      const now = this.signatureChecks();
      for (const result of ["verified", "cached"] as const) {
        const delta = now[result] - this.signatureChecksSeen[result];
        if (delta > 0) this.transactionSignatureChecksTotal.inc({ result }, delta);
        this.signatureChecksSeen[result] = now[result];
      }
    },
  });

  /** Reports `checks()` (running totals) as shardnet_transaction_signature_checks_total on every scrape. */
  watchSignatureChecks(checks: () => { verified: number; cached: number }): void {
    this.signatureChecks = checks;
  }
  readonly shardBlockTransactions = new Histogram({
    name: "shardnet_shard_block_transactions",
    help: "Transactions per imported shard block",
    buckets: [0, 1, 4, 16, 64, 256, 1024, 4096, 16384],
    registers: [this.registry],
  });
  readonly transactionsIncludedTotal = new Counter({
    name: "shardnet_transactions_included_total",
    help: "Transactions in imported shard blocks, per shard",
    labelNames: ["shard"],
    registers: [this.registry],
  });
  readonly transactionInclusionSeconds = new Histogram({
    name: "shardnet_transaction_inclusion_seconds",
    help: "Time from this node first seeing a transaction (API or gossip) to importing a block that includes it",
    labelNames: ["shard"],
    buckets: [0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64],
    registers: [this.registry],
  });

  // --- validators (slashings counted at block import, missed duties by the duty audit) ---------------------
  readonly slashingsTotal = new Counter({
    name: "shardnet_slashings_total",
    help: "Slashings included in imported beacon blocks, by kind (proposer, attester)",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly validatorMissedDutiesTotal = new Counter({
    name: "shardnet_validator_missed_duties_total",
    help: "Duties of the validators this node hosts that left nothing on the canonical chain: a proposal slot without their block, an epoch without their target vote",
    labelNames: ["duty"],
    registers: [this.registry],
  });

  // --- read from the chains at scrape time (see watchChains) -----------------------------------------------
  private chainView: () => ChainGaugeView = () => EMPTY_VIEW;
  private lastView: { at: number; view: ChainGaugeView } | undefined;
  /** Receipt counts already reported, by `${source}:${dest}`: the counters move by the difference. */
  private readonly sentSeen = new Map<string, number>();
  private readonly creditedSeen = new Map<string, number>();

  readonly mempoolTransactions = new Gauge({
    name: "shardnet_mempool_transactions",
    help: "Transactions waiting in the mempool of each tracked shard",
    labelNames: ["shard"],
    registers: [this.registry],
    collect: () => {
      this.mempoolTransactions.reset();
      for (const s of this.view().shards) this.mempoolTransactions.set({ shard: String(s.shard) }, s.mempool);
    },
  });
  readonly shardAccounts = new Gauge({
    name: "shardnet_shard_accounts",
    help: "Accounts in the head state of each tracked shard",
    labelNames: ["shard"],
    registers: [this.registry],
    collect: () => {
      this.shardAccounts.reset();
      for (const s of this.view().shards) this.shardAccounts.set({ shard: String(s.shard) }, s.accounts);
    },
  });
  readonly crosslinkLagSlots = new Gauge({
    name: "shardnet_crosslink_lag_slots",
    help: "Slots between each tracked shard's head and its crosslink in the beacon head state",
    labelNames: ["shard"],
    registers: [this.registry],
    collect: () => {
      this.crosslinkLagSlots.reset();
      for (const s of this.view().shards)
        this.crosslinkLagSlots.set({ shard: String(s.shard) }, Math.max(0, s.headSlot - s.crosslinkedSlot));
    },
  });
  readonly receiptsSentTotal = new Counter({
    name: "shardnet_receipts_sent_total",
    help: "Cross-shard receipts in the outboxes of each tracked source shard's head state, by destination",
    labelNames: ["source", "dest"],
    registers: [this.registry],
    collect: () => {
      for (const s of this.view().shards)
        s.outbox.forEach((count, dest) => {
          if (dest !== s.shard) this.advance(this.receiptsSentTotal, this.sentSeen, s.shard, dest, count);
        });
    },
  });
  readonly receiptsCreditedTotal = new Counter({
    name: "shardnet_receipts_credited_total",
    help: "Cross-shard receipts credited by each tracked destination shard's head state, by source",
    labelNames: ["source", "dest"],
    registers: [this.registry],
    collect: () => {
      for (const s of this.view().shards)
        s.inbox.forEach((count, source) => {
          if (source !== s.shard)
            this.advance(this.receiptsCreditedTotal, this.creditedSeen, source, s.shard, count);
        });
    },
  });
  readonly receiptsPending = new Gauge({
    name: "shardnet_receipts_pending",
    help: "Receipts this node holds for each tracked destination shard that no block has credited yet",
    labelNames: ["dest"],
    registers: [this.registry],
    collect: () => {
      this.receiptsPending.reset();
      for (const s of this.view().shards)
        this.receiptsPending.set({ dest: String(s.shard) }, s.pendingReceipts);
    },
  });
  readonly validatorParticipationRatio = new Gauge({
    name: "shardnet_validator_participation_ratio",
    help: "Share of the previous epoch's active stake whose attestations voted for its target (beacon head state)",
    registers: [this.registry],
    collect: () => {
      this.validatorParticipationRatio.set(this.view().participation);
    },
  });
  readonly validators = new Gauge({
    name: "shardnet_validators",
    help: "Validators in the beacon head state, by status (queued, active, exiting, exited, slashed)",
    labelNames: ["status"],
    registers: [this.registry],
    collect: () => {
      const counts = this.view().validators;
      for (const status of VALIDATOR_STATUSES) this.validators.set({ status }, counts[status]);
    },
  });
  readonly dbSizeBytes = new Gauge({
    name: "shardnet_db_size_bytes",
    help: "Bytes on disk of the node's database",
    registers: [this.registry],
    collect: () => {
      this.dbSizeBytes.set(this.view().dbSizeBytes);
    },
  });

  /** Reads `view()` for the chain gauges on every scrape (once per scrape, however many gauges use it). */
  watchChains(view: () => ChainGaugeView): void {
    this.chainView = view;
    this.lastView = undefined;
  }

  private view(): ChainGaugeView {
    const now = Date.now();
    if (this.lastView && now - this.lastView.at < VIEW_REUSE_MS) return this.lastView.view;
    let view: ChainGaugeView;
    try {
      view = this.chainView();
    } catch {
      view = EMPTY_VIEW; // a scrape never fails on a chain caught mid-change: the next one reads again
    }
    this.lastView = { at: now, view };
    return view;
  }

  /** Moves a receipt counter up to `count` (a reorg that lowers the state's count leaves it where it was). */
  private advance(
    counter: Counter<"source" | "dest">,
    seen: Map<string, number>,
    source: number,
    dest: number,
    count: number,
  ): void {
    const key = `${source}:${dest}`;
    const before = seen.get(key);
    if (before === undefined && count === 0) return;
    if (before !== undefined && count <= before) return;
    counter.inc({ source: String(source), dest: String(dest) }, count - (before ?? 0));
    seen.set(key, count);
  }

  /** Counts received transactions by result, one counter update per distinct result. */
  countReceived(source: TxSource, results: Iterable<string>): void {
    const counts = new Map<string, number>();
    for (const result of results) counts.set(result, (counts.get(result) ?? 0) + 1);
    for (const [result, n] of counts) this.transactionsReceivedTotal.inc({ source, result }, n);
  }

  constructor() {
    registerDefaultMetrics(this.registry);
    for (const kind of SLASHING_KINDS) this.slashingsTotal.inc({ kind }, 0);
    for (const duty of MISSED_DUTIES) this.validatorMissedDutiesTotal.inc({ duty }, 0);
    for (const result of ["verified", "cached"]) this.transactionSignatureChecksTotal.inc({ result }, 0);
  }
}

/**
 * prom-client's default metrics as shardnet_process_* (CPU, memory, file descriptors, start time) and
 * nodejs_* (heap, event loop, GC, handles, version). Its `prefix` applies to both groups (the old prefix
 * "shardnet_process_" made shardnet_process_process_*), so each group is taken from a registry of its own
 * naming; the metrics not taken are never collected.
 */
function registerDefaultMetrics(registry: Registry): void {
  const prefixed = new Registry();
  collectDefaultMetrics({ register: prefixed, prefix: "shardnet_" });
  const plain = new Registry();
  collectDefaultMetrics({ register: plain });
  const take = (from: Registry, name: string) => {
    const metric = from.getSingleMetric(name);
    if (metric) registry.registerMetric(metric);
  };
  for (const { name } of prefixed.getMetricsAsArray())
    if (name.startsWith("shardnet_process_")) take(prefixed, name);
  for (const { name } of plain.getMetricsAsArray()) if (name.startsWith("nodejs_")) take(plain, name);
}
