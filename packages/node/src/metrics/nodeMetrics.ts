import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "shardnet_process_" });
  }
}
