/**
 * bench:tx's verdict on one rate step, by issue 17's lines. Each stage's latency is measured from the
 * scheduled send, over every transfer sent: one that never reached the stage (refused, dropped, or still
 * waiting when the step was judged) counts as infinitely late, so a step that loses more than 1% fails p99.
 */

export const TX_STAGES = ["included", "crosslinked", "finalized"] as const;
export type TxStage = (typeof TX_STAGES)[number];

/** Latency to one stage, in ms from the scheduled send. */
export interface StageLatency {
  /** Transfers that reached the stage. */
  reached: number;
  /** +Infinity when more than 50% / 1% never reached it; NaN when nothing was sent. */
  p50: number;
  p99: number;
}

export interface StepLatencies {
  sent: number;
  /** Transfers a node accepted (pending). */
  accepted: number;
  stages: Record<TxStage, StageLatency>;
}

export interface LatencyLimits {
  slotMs: number;
  slotsPerEpoch: number;
}

export interface VerdictLine {
  /** What the line requires, e.g. "crosslinked p99 ≤ included p99 + 2 slots". */
  rule: string;
  ok: boolean;
  /** What was measured against what was allowed, for people. */
  detail: string;
}

export interface StepVerdict {
  /** Every line holds. */
  sustained: boolean;
  lines: VerdictLine[];
}

/** Nearest-rank percentile of `values` (NaN when empty); +Infinity stands for "never happened". */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * p50/p99 of a stage over `sent` transfers, of which `latenciesMs` reached it (the others count as
 * never: +Infinity).
 */
export function stageLatency(latenciesMs: readonly number[], sent: number): StageLatency {
  const all = [
    ...latenciesMs,
    ...Array.from({ length: Math.max(0, sent - latenciesMs.length) }, () => Number.POSITIVE_INFINITY),
  ];
  return { reached: latenciesMs.length, p50: percentile(all, 50), p99: percentile(all, 99) };
}

const seconds = (ms: number): string =>
  Number.isNaN(ms) ? "-" : Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "never";

/**
 * Issue 17's lines for a sustained rate: inclusion p99 ≤ 2 slots; crosslinked p99 ≤ inclusion p99 + 2
 * slots; finalized p99 ≤ 3 epochs; and every accepted transfer finalized (none accepted: not sustained).
 */
export function judgeStep(step: StepLatencies, limits: LatencyLimits): StepVerdict {
  const { included, crosslinked, finalized } = step.stages;
  const slot = limits.slotMs;
  const epochs3 = 3 * limits.slotsPerEpoch * slot;
  const crosslinkLimit = included.p99 + 2 * slot;
  const lines: VerdictLine[] = [
    {
      rule: "included p99 ≤ 2 slots",
      ok: included.p99 <= 2 * slot,
      detail: `${seconds(included.p99)} (limit ${seconds(2 * slot)})`,
    },
    {
      rule: "crosslinked p99 ≤ included p99 + 2 slots",
      ok: crosslinked.p99 <= crosslinkLimit,
      detail: `${seconds(crosslinked.p99)} (limit ${seconds(crosslinkLimit)})`,
    },
    {
      rule: "finalized p99 ≤ 3 epochs",
      ok: finalized.p99 <= epochs3,
      detail: `${seconds(finalized.p99)} (limit ${seconds(epochs3)})`,
    },
    {
      rule: "every accepted transfer finalized",
      ok: step.accepted > 0 && finalized.reached >= step.accepted,
      detail: `${finalized.reached} of ${step.accepted} accepted (${step.sent} sent)`,
    },
  ];
  return { sustained: lines.every((l) => l.ok), lines };
}

/** The highest rate whose step is sustained, or undefined. */
export function highestSustained<T extends { rate: number; verdict: StepVerdict }>(
  steps: readonly T[],
): T | undefined {
  let best: T | undefined;
  for (const s of steps) if (s.verdict.sustained && (!best || s.rate > best.rate)) best = s;
  return best;
}
