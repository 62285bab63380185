/**
 * What the load generator knows of every transfer it sent: when it was due (latency is measured from
 * there, so a slow node cannot hide its delay by slowing the sender down), whether the node accepted it,
 * and the earliest time any node reported each later status.
 */

export const STAGES = ["included", "crosslinked", "finalized"] as const;
export type Stage = (typeof STAGES)[number];

export interface TransferRecord {
  hash: string;
  /** Wall-clock ms when the transfer was due (open-loop schedule). */
  scheduledMs: number;
  shard: number;
  cross: boolean;
  /** The sending account (`dev:N`) and the nonce signed: what a drop's message refers to. */
  sender?: string;
  nonce?: number;
  accepted?: boolean;
  /** false when no node could be asked (every request for it failed): not a refusal by a node. */
  reached?: boolean;
  rejection?: string;
  /** Set when a node reported it `dropped` after accepting it (replaced, nonce_replay, nonce_gap, …). */
  dropped?: string;
  /** Root of the shard block that included it. */
  blockRoot?: string;
  includedMs?: number;
  crosslinkedMs?: number;
  finalizedMs?: number;
}

/** The parts of a node's transaction status (`GET /v1/transactions/{hash}`, SSE `transaction`) used here. */
export interface TxStatusJson {
  hash: string;
  status: string;
  reason?: { code: string; message: string };
  included?: { time: string; blockRoot?: string };
  crosslinked?: { time: string };
  finalized?: { time: string };
}

/** Records the earliest time of each status a node reports; times after `nowMs` are clamped to it. */
export function applyStatus(record: TransferRecord, view: TxStatusJson, nowMs: number): void {
  for (const stage of STAGES) {
    const step = view[stage];
    if (!step) continue;
    const reported = Date.parse(step.time);
    const at = Number.isFinite(reported) ? Math.min(reported, nowMs) : nowMs;
    const key = `${stage}Ms` as const;
    const known = record[key];
    if (known === undefined || at < known) record[key] = at;
  }
  if (view.included?.blockRoot) record.blockRoot = view.included.blockRoot;
  if (view.status === "dropped" && record.includedMs === undefined)
    record.dropped = view.reason ? `${view.reason.code}: ${view.reason.message}` : "dropped";
}

/**
 * A node reports `included` when it next refreshes the transaction's status, up to a slot after the block
 * arrived; the first `shard_head` announcement of the including block (`headSeenMs` by block root) is the
 * inclusion time, when known.
 */
export function settleInclusion(record: TransferRecord, headSeenMs: ReadonlyMap<string, number>): void {
  const seen = record.blockRoot === undefined ? undefined : headSeenMs.get(record.blockRoot);
  if (seen !== undefined && (record.includedMs === undefined || seen < record.includedMs))
    record.includedMs = seen;
}

export function stageMs(record: TransferRecord, stage: Stage): number | undefined {
  return record[`${stage}Ms`];
}

/** Nearest-rank percentile of `values` (NaN when empty); +Infinity stands for "never happened". */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface LatencySummary {
  /** Transfers that reached the stage. */
  count: number;
  /** Seconds from the scheduled send; transfers that never reached the stage count as infinitely late. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Seconds from the scheduled send to `stage`; +Infinity when the transfer never got there. */
export function latencySeconds(record: TransferRecord, stage: Stage): number {
  const at = stageMs(record, stage);
  return at === undefined ? Number.POSITIVE_INFINITY : (at - record.scheduledMs) / 1000;
}

/** Latency to `stage` over the accepted transfers in `records`. */
export function latencySummary(records: readonly TransferRecord[], stage: Stage): LatencySummary {
  const seconds = records.filter((r) => r.accepted).map((r) => latencySeconds(r, stage));
  return {
    count: seconds.filter(Number.isFinite).length,
    p50: percentile(seconds, 50),
    p90: percentile(seconds, 90),
    p99: percentile(seconds, 99),
    max: seconds.length === 0 ? Number.NaN : Math.max(...seconds),
  };
}

/** One live progress line. */
export function progressLine(records: readonly TransferRecord[], total: number, elapsedMs: number): string {
  let accepted = 0;
  let rejected = 0;
  const reached: Record<Stage, number> = { included: 0, crosslinked: 0, finalized: 0 };
  const included: number[] = [];
  for (const r of records) {
    if (r.accepted) accepted++;
    else if (r.accepted === false) rejected++;
    for (const stage of STAGES) if (stageMs(r, stage) !== undefined) reached[stage]++;
    if (r.includedMs !== undefined) included.push(latencySeconds(r, "included"));
  }
  const p99 = percentile(included, 99);
  return (
    `t=${(elapsedMs / 1000).toFixed(0)}s sent ${records.length}/${total} accepted ${accepted} rejected ${rejected} ` +
    `included ${reached.included} crosslinked ${reached.crosslinked} finalized ${reached.finalized}` +
    (Number.isFinite(p99) ? ` | included p99 ${p99.toFixed(2)} s` : "")
  );
}
