/**
 * Measures the scale bench: every shard count's shard block (interleaved) then every shard count's beacon slot,
 * and returns the report. No files, no printing (see main.ts).
 */
import { cpus, loadavg } from "node:os";
import { getBls } from "@shardnet/crypto";
import { resolvePreset, useNativeHasher } from "../../src/index.js";
import { beaconPreset, deriveInteropKeys, measureBeaconSlot, prepareBeaconSlot } from "./beaconWork.js";
import { goalRatios, type ScaleReport, scaleRow } from "./report.js";
import { DevKeyPool, measureShardSlots, prepareShardSlot } from "./shardWork.js";

export interface ScaleBenchOptions {
  shardCounts: number[];
  /** Signed transfers in every shard block. */
  transfers: number;
  crossShardShare: number;
  /** Timed samples of each measurement (after one warm-up). */
  runs: number;
  /** Values of the `scale` preset to override besides SHARD_COUNT (tests shrink committees and epochs). */
  presetOverrides?: Record<string, number>;
  /** Progress lines (setup steps), e.g. console.log. */
  log?: (line: string) => void;
}

export const DEFAULT_SCALE_OPTIONS: ScaleBenchOptions = {
  shardCounts: [1, 4, 16, 64],
  transfers: 500,
  crossShardShare: 0.3,
  runs: 7,
};

export function runScaleBench(options: ScaleBenchOptions): ScaleReport {
  const log = options.log ?? (() => {});
  useNativeHasher();
  const shardCounts = [...new Set(options.shardCounts)].sort((a, b) => a - b);
  if (shardCounts.length === 0) throw new Error("bench: no shard counts");
  const presets = shardCounts.map(
    (shardCount) => beaconPreset({ shardCount, ...withOverrides(options) }).preset,
  );
  const base = resolvePreset("scale", options.presetOverrides ?? {});

  log(
    `shard blocks: ${options.transfers} signed transfers each at ${shardCounts.join(", ")} shards; signing…`,
  );
  const pool = new DevKeyPool();
  // The most shards first: its dev-key scan covers the smaller counts' needs.
  const shardFixtures = [...shardCounts]
    .reverse()
    .map((shardCount) =>
      prepareShardSlot(
        {
          shardCount,
          transfers: options.transfers,
          crossShardShare: options.crossShardShare,
          maxTransactions: base.MAX_TXS_PER_SHARD_BLOCK,
        },
        pool,
      ),
    )
    .reverse();
  log(`shard blocks: measuring (${options.runs} interleaved samples)…`);
  const shardCosts = measureShardSlots(shardFixtures, options.runs);

  const bls = getBls();
  const validators = Math.max(...presets.map((p) => p.SHARD_COUNT * p.TARGET_COMMITTEE_SIZE));
  log(`beacon: deriving ${validators} interop BLS keys (${bls.name})…`);
  const keys = deriveInteropKeys(bls, validators);
  const beaconCosts = shardCounts.map((shardCount) => {
    log(`beacon: ${shardCount} shards — genesis, ${shardCount} signed crosslinks, epoch-end state…`);
    const fixture = prepareBeaconSlot({ shardCount, ...withOverrides(options) }, keys);
    return measureBeaconSlot(fixture, options.runs);
  });

  const rows = shardCosts.map((shard, i) => scaleRow(shard, beaconCosts[i] as (typeof beaconCosts)[number]));
  return {
    preset: "scale",
    slotSeconds: base.SECONDS_PER_SLOT,
    slotsPerEpoch: base.SLOTS_PER_EPOCH,
    maxTransactionsPerBlock: base.MAX_TXS_PER_SHARD_BLOCK,
    crossShardShare: options.crossShardShare,
    runs: options.runs,
    rows,
    goals: goalRatios(rows),
    environment: {
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: loadavg()[0] ?? 0,
      bls: bls.name,
      date: new Date().toISOString(),
    },
  };
}

function withOverrides(options: ScaleBenchOptions): { presetOverrides?: Record<string, number> } {
  return options.presetOverrides ? { presetOverrides: options.presetOverrides } : {};
}
