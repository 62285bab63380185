/**
 * The scale bench's results: one row per shard count, the ratios to the goals, and their markdown and
 * JSON forms. Capacity is defined in `capacityPerShard`.
 */
import type { BeaconSlotCost } from "./beaconWork.js";
import type { ShardSlotCost } from "./shardWork.js";

export interface ScaleRow {
  shards: number;
  validators: number;
  committeeSize: number;
  transfersPerBlock: number;
  receiptsPerBlock: number;
  /** One shard's block per slot, median ms: build (signatures, execution, receipts, roots) and import. */
  shardBuildMs: number;
  shardImportMs: number;
  shardTotalMs: number;
  shardTotalMinMs: number;
  shardShareOfSlot: number;
  /** Transfers per second one core sustains for one shard (see capacityPerShard). */
  capacityPerShardTps: number;
  /** shards × capacityPerShardTps. */
  capacityTps: number;
  /** The load the bench offers: shards × transfers per block / slot seconds. */
  offeredTps: number;
  beaconBlockMs: number;
  beaconEpochMs: number;
  beaconPerSlotMs: number;
  beaconPerSlotMinMs: number;
  beaconShareOfSlot: number;
  /** beaconPerSlotMs / shards: flat when the beacon's work grows linearly with the shard count. */
  beaconMsPerShard: number;
}

export interface GoalRatio {
  name: string;
  measured: number;
  goal: number;
  /** measured / goal: the goal is met at ≤ 1. */
  ratioToGoal: number;
}

export interface ScaleReport {
  preset: string;
  slotSeconds: number;
  slotsPerEpoch: number;
  maxTransactionsPerBlock: number;
  crossShardShare: number;
  runs: number;
  rows: ScaleRow[];
  goals: GoalRatio[];
  environment: { node: string; cpus: number; loadAverage1m: number; bls: string; date: string };
}

export const SHARD_FLATNESS_GOAL = 1.2;

export const CAPACITY_DEFINITION =
  "Capacity per shard = transfers per block ÷ (build + import seconds of that block on one core); capacity = shards × that.";
export const BEACON_SHARE_GOAL = 0.05;

/**
 * Capacity of one shard, transfers/s: the transfers of a block over the time one core takes to build and import
 * it (both, as a node that proposes for the shard and tracks it does). This is what the measured cost allows;
 * the protocol separately caps a shard at MAX_TXS_PER_SHARD_BLOCK per slot (see `shardCeilingTps`).
 */
export function capacityPerShard(transfers: number, shardTotalMs: number): number {
  return transfers / (shardTotalMs / 1000);
}

/** The protocol's ceiling for one shard: MAX_TXS_PER_SHARD_BLOCK transfers per slot. */
export function shardCeilingTps(maxTransactionsPerBlock: number, slotSeconds: number): number {
  return maxTransactionsPerBlock / slotSeconds;
}

export function scaleRow(shard: ShardSlotCost, beacon: BeaconSlotCost): ScaleRow {
  const slotSeconds = beacon.slotMs / 1000;
  const perShard = capacityPerShard(shard.transfers, shard.total.median);
  return {
    shards: shard.shardCount,
    validators: beacon.validators,
    committeeSize: beacon.committeeSize,
    transfersPerBlock: shard.transfers,
    receiptsPerBlock: shard.receiptsCredited,
    shardBuildMs: shard.build.median,
    shardImportMs: shard.import.median,
    shardTotalMs: shard.total.median,
    shardTotalMinMs: shard.total.min,
    shardShareOfSlot: shard.total.median / beacon.slotMs,
    capacityPerShardTps: perShard,
    capacityTps: shard.shardCount * perShard,
    offeredTps: (shard.shardCount * shard.transfers) / slotSeconds,
    beaconBlockMs: beacon.block.median,
    beaconEpochMs: beacon.epoch.median,
    beaconPerSlotMs: beacon.perSlot.median,
    beaconPerSlotMinMs: beacon.perSlot.min,
    beaconShareOfSlot: beacon.perSlot.median / beacon.slotMs,
    beaconMsPerShard: beacon.perSlot.median / shard.shardCount,
  };
}

/**
 * The goals: one shard's work at the most shards against 4 shards (or the fewest above one when 4 was
 * not measured) ≤ 1.2×, and the beacon's share of the slot at the most shards ≤ 5%.
 */
export function goalRatios(rows: readonly ScaleRow[]): GoalRatio[] {
  const sorted = [...rows].sort((a, b) => a.shards - b.shards);
  const most = sorted[sorted.length - 1];
  if (!most) return [];
  const reference = sorted.find((r) => r.shards === 4) ?? sorted.find((r) => r.shards > 1) ?? sorted[0];
  const goals: GoalRatio[] = [];
  if (reference && reference !== most) {
    const measured = most.shardTotalMs / reference.shardTotalMs;
    goals.push({
      name: `shard block work per slot, ${most.shards} vs ${reference.shards} shards`,
      measured,
      goal: SHARD_FLATNESS_GOAL,
      ratioToGoal: measured / SHARD_FLATNESS_GOAL,
    });
  }
  goals.push({
    name: `beacon work per slot at ${most.shards} shards, share of the slot`,
    measured: most.beaconShareOfSlot,
    goal: BEACON_SHARE_GOAL,
    ratioToGoal: most.beaconShareOfSlot / BEACON_SHARE_GOAL,
  });
  return goals;
}

const ms = (value: number) => value.toFixed(1);
const pct = (share: number) => `${(100 * share).toFixed(2)}%`;
const tps = (value: number) => Math.round(value).toLocaleString("en-US");

/** Column titles and cells of the table (stdout and markdown alike). */
export const TABLE_COLUMNS = [
  "shards",
  "validators",
  "shard block build ms",
  "shard block import ms",
  "shard work ms/slot",
  "shard % of slot",
  "capacity/shard tx/s",
  "capacity tx/s",
  "beacon block ms",
  "epoch ms (÷ slots/epoch)",
  "beacon ms/slot",
  "beacon ms/shard",
  "beacon % of slot",
] as const;

export function tableCells(row: ScaleRow, slotsPerEpoch: number): string[] {
  return [
    String(row.shards),
    String(row.validators),
    ms(row.shardBuildMs),
    ms(row.shardImportMs),
    ms(row.shardTotalMs),
    pct(row.shardShareOfSlot),
    tps(row.capacityPerShardTps),
    tps(row.capacityTps),
    ms(row.beaconBlockMs),
    `${ms(row.beaconEpochMs)} (${(row.beaconEpochMs / slotsPerEpoch).toFixed(2)})`,
    ms(row.beaconPerSlotMs),
    row.beaconMsPerShard.toFixed(2),
    pct(row.beaconShareOfSlot),
  ];
}

export function goalLines(goals: readonly GoalRatio[]): string[] {
  return goals.map((g) => {
    const isShare = g.goal < 1;
    const measured = isShare ? pct(g.measured) : `${g.measured.toFixed(2)}×`;
    const goal = isShare ? pct(g.goal) : `${g.goal.toFixed(1)}×`;
    return `${g.name}: ${measured} (goal ≤ ${goal}), ratio to goal ${g.ratioToGoal.toFixed(2)}`;
  });
}

export function markdownReport(report: ScaleReport): string {
  const header = `| ${TABLE_COLUMNS.join(" | ")} |`;
  const rule = `|${TABLE_COLUMNS.map(() => "---:|").join("")}`;
  const body = report.rows.map((row) => `| ${tableCells(row, report.slotsPerEpoch).join(" | ")} |`);
  const first = report.rows[0];
  const { environment: env } = report;
  return [
    `Per slot on the \`${report.preset}\` preset (${report.slotSeconds}-s slots, ${report.slotsPerEpoch} slots/epoch), median of ${report.runs} samples; ${first?.transfersPerBlock ?? 0} signed transfers per shard block, ${(100 * report.crossShardShare).toFixed(0)}% cross-shard. ${CAPACITY_DEFINITION} The protocol caps a shard at ${tps(shardCeilingTps(report.maxTransactionsPerBlock, report.slotSeconds))} tx/s (MAX_TXS_PER_SHARD_BLOCK ${report.maxTransactionsPerBlock} per slot).`,
    "",
    header,
    rule,
    ...body,
    "",
    ...goalLines(report.goals).map((line) => `- ${line}`),
    "",
    `Node ${env.node}, ${env.cpus} cores, load average ${env.loadAverage1m.toFixed(2)}, BLS ${env.bls}, ${env.date}.`,
    "",
  ].join("\n");
}

/** The table as aligned plain text (stdout). */
export function textTable(report: ScaleReport): string {
  const lines = [[...TABLE_COLUMNS], ...report.rows.map((row) => tableCells(row, report.slotsPerEpoch))];
  const widths = TABLE_COLUMNS.map((_, c) => Math.max(...lines.map((cells) => (cells[c] ?? "").length)));
  return lines.map((cells) => cells.map((cell, c) => cell.padStart(widths[c] ?? 0)).join("  ")).join("\n");
}
