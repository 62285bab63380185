/**
 * The report of a load run: a JSON document for scripts, a text summary for people, and an SVG chart of
 * latency over the run (per one-second bucket of scheduled send time: p50 and p99 to included and to
 * finalized).
 */
import {
  type LatencySummary,
  latencySeconds,
  latencySummary,
  percentile,
  STAGES,
  type Stage,
  type TransferRecord,
} from "./tracker.js";

export interface RunConfig {
  rate: number;
  durationSeconds: number;
  crossShare: number;
  senders: number;
  receivers: number;
  nodes: string[];
  seed: number;
}

export interface TimelinePoint {
  /** Second of the run (by scheduled send time). */
  second: number;
  sent: number;
  includedP50: number | null;
  includedP99: number | null;
  finalizedP50: number | null;
  finalizedP99: number | null;
}

export interface LoadReport {
  config: RunConfig;
  startedAt: string;
  /** Seconds the sending took (schedule: durationSeconds). */
  sendSeconds: number;
  /** Transfers per second actually sent. */
  achievedRate: number;
  sent: number;
  accepted: number;
  rejected: number;
  /** Transfers no node could be asked about (every request failed), counted apart from refusals. */
  unreached: number;
  /** Rejection reasons with their counts. */
  rejections: Record<string, number>;
  crossShard: number;
  /** Latency in seconds from the scheduled send to each status. */
  latency: Record<Stage, LatencySummary>;
  /** Accepted transfers that had not reached `finalized` when the run ended (dropped ones excluded). */
  notFinalized: number;
  /** Accepted transfers a node later reported `dropped`, and their reasons with counts. */
  dropped: number;
  drops: Record<string, number>;
  /** The first DROPPED_LISTED dropped transfers: sender, nonce, hash and the node's message. */
  droppedTransfers: Array<{ sender?: string; nonce?: number; hash: string; reason: string }>;
  /** Times a sender's nonce was read again after a nonce_gap or nonce_replay refusal or drop. */
  nonceRereads: number;
  timeline: TimelinePoint[];
}

/** Dropped transfers listed by name in the report (the rest are counted). */
const DROPPED_LISTED = 20;

const seconds = (v: number): number | null => (Number.isFinite(v) ? Number(v.toFixed(3)) : null);

export function buildReport(
  config: RunConfig,
  records: readonly TransferRecord[],
  startMs: number,
  sendSeconds: number,
  nonceRereads = 0,
): LoadReport {
  const rejections: Record<string, number> = {};
  for (const r of records) {
    if (r.accepted === false) {
      const reason = r.rejection ?? "rejected";
      rejections[reason] = (rejections[reason] ?? 0) + 1;
    }
  }
  const accepted = records.filter((r) => r.accepted);
  const drops: Record<string, number> = {};
  const droppedTransfers: LoadReport["droppedTransfers"] = [];
  for (const r of accepted) {
    if (r.dropped === undefined || r.finalizedMs !== undefined) continue;
    const code = r.dropped.split(":")[0] ?? r.dropped;
    drops[code] = (drops[code] ?? 0) + 1;
    if (droppedTransfers.length < DROPPED_LISTED)
      droppedTransfers.push({ sender: r.sender, nonce: r.nonce, hash: r.hash, reason: r.dropped });
  }
  const buckets = new Map<number, TransferRecord[]>();
  for (const r of accepted) {
    const second = Math.floor((r.scheduledMs - startMs) / 1000);
    const list = buckets.get(second) ?? [];
    if (list.length === 0) buckets.set(second, list);
    list.push(r);
  }
  const latencyIn = (list: TransferRecord[], stage: Stage, p: number) =>
    seconds(
      percentile(
        list.map((r) => latencySeconds(r, stage)),
        p,
      ),
    );
  const timeline = [...buckets.keys()]
    .sort((a, b) => a - b)
    .map((second) => {
      const list = buckets.get(second)!;
      return {
        second,
        sent: list.length,
        includedP50: latencyIn(list, "included", 50),
        includedP99: latencyIn(list, "included", 99),
        finalizedP50: latencyIn(list, "finalized", 50),
        finalizedP99: latencyIn(list, "finalized", 99),
      };
    });
  const latency = Object.fromEntries(
    STAGES.map((stage) => [stage, latencySummary(records, stage)]),
  ) as Record<Stage, LatencySummary>;
  return {
    config,
    startedAt: new Date(startMs).toISOString(),
    sendSeconds: Number(sendSeconds.toFixed(3)),
    achievedRate: Number((records.length / Math.max(sendSeconds, 1e-9)).toFixed(2)),
    sent: records.length,
    accepted: accepted.length,
    rejected: records.filter((r) => r.accepted === false && r.reached !== false).length,
    unreached: records.filter((r) => r.reached === false).length,
    rejections,
    crossShard: records.filter((r) => r.cross).length,
    latency,
    notFinalized: accepted.filter((r) => r.finalizedMs === undefined && r.dropped === undefined).length,
    dropped: Object.values(drops).reduce((a, b) => a + b, 0),
    drops,
    droppedTransfers,
    nonceRereads,
    timeline,
  };
}

/** The report as JSON; infinite latencies (never reached) become null. */
export function reportJson(report: LoadReport): string {
  return `${JSON.stringify(report, (_key, value) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2)}\n`;
}

export function formatSummary(report: LoadReport): string {
  const s = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} s` : Number.isNaN(v) ? "-" : "never");
  const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;
  const c = report.config;
  const lines = [
    `shardnet load run, started ${report.startedAt}`,
    `  asked: ${c.rate} transfers/s for ${c.durationSeconds} s, ${(c.crossShare * 100).toFixed(0)}% cross-shard, ${c.senders} senders, ${c.receivers} receivers, seed ${c.seed}`,
    `  nodes: ${c.nodes.join(", ")}`,
    `  sent ${report.sent} in ${report.sendSeconds.toFixed(1)} s (${report.achievedRate.toFixed(1)}/s), cross-shard ${report.crossShard} (${pct(report.crossShard, report.sent)})`,
    `  accepted ${report.accepted}, rejected ${report.rejected}, never reached a node ${report.unreached}`,
    ...Object.entries(report.rejections).map(([reason, n]) => `    ${n} × ${reason}`),
    ...(report.nonceRereads > 0
      ? [`  senders' nonces read again after nonce_gap / nonce_replay: ${report.nonceRereads} times`]
      : []),
    "",
    "  latency from the scheduled send (accepted transfers; one that never got there counts as never):",
    `  ${"status".padEnd(12)} ${"reached".padStart(9)} ${"p50".padStart(9)} ${"p90".padStart(9)} ${"p99".padStart(9)} ${"max".padStart(9)}`,
    ...STAGES.map((stage) => {
      const l = report.latency[stage];
      return `  ${stage.padEnd(12)} ${`${l.count}`.padStart(9)} ${s(l.p50).padStart(9)} ${s(l.p90).padStart(9)} ${s(l.p99).padStart(9)} ${s(l.max).padStart(9)}`;
    }),
    "",
    report.notFinalized === 0 && report.dropped === 0
      ? "  every accepted transfer reached finalized"
      : `  ${report.notFinalized} accepted transfers had not reached finalized when the run ended`,
    ...(report.dropped > 0
      ? [
          `  ${report.dropped} accepted transfers were dropped by the node:`,
          ...Object.entries(report.drops).map(([reason, n]) => `    ${n} × ${reason}`),
          ...report.droppedTransfers
            .slice(0, 5)
            .map(
              (d) =>
                `    e.g. ${d.sender ?? "?"} nonce ${d.nonce ?? "?"} (${d.hash.slice(0, 14)}…): ${d.reason}`,
            ),
        ]
      : []),
  ];
  return `${lines.join("\n")}\n`;
}

/** Line chart of per-second p50/p99 latency to included and finalized, as a standalone SVG document. */
export function latencyChartSvg(report: LoadReport): string {
  const width = 900;
  const height = 420;
  const left = 60;
  const right = 170;
  const top = 40;
  const bottom = 50;
  const points = report.timeline;
  const series = [
    { key: "includedP50", label: "included p50", color: "#4c9be8", dash: "" },
    { key: "includedP99", label: "included p99", color: "#1f5fa8", dash: "6 4" },
    { key: "finalizedP50", label: "finalized p50", color: "#56b870", dash: "" },
    { key: "finalizedP99", label: "finalized p99", color: "#2d7a43", dash: "6 4" },
  ] as const;
  const values = points.flatMap((p) => series.map((x) => p[x.key]).filter((v): v is number => v !== null));
  const maxY = Math.max(1, ...values) * 1.1;
  const maxX = Math.max(1, ...points.map((p) => p.second + 1));
  const x = (second: number) => left + ((second + 0.5) / maxX) * (width - left - right);
  const y = (v: number) => top + (1 - v / maxY) * (height - top - bottom);
  const ticks = 5;
  const grid = Array.from({ length: ticks + 1 }, (_, i) => {
    const v = (maxY / ticks) * i;
    return `<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/><text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(1)}</text>`;
  }).join("\n");
  const step = Math.max(1, Math.ceil(maxX / 10));
  const xTicks = Array.from({ length: Math.floor((maxX - 1) / step) + 1 }, (_, i) => i * step)
    .map(
      (second) =>
        `<text x="${x(second).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${second}</text>`,
    )
    .join("\n");
  const lines = series
    .map((sx, i) => {
      const path = points
        .filter((p) => p[sx.key] !== null)
        .map((p) => `${x(p.second).toFixed(1)},${y(p[sx.key]!).toFixed(1)}`)
        .join(" ");
      const legendY = top + 20 + i * 22;
      return (
        `<polyline fill="none" stroke="${sx.color}" stroke-width="2" stroke-dasharray="${sx.dash}" points="${path}"/>` +
        `<line x1="${width - right + 15}" x2="${width - right + 45}" y1="${legendY}" y2="${legendY}" stroke="${sx.color}" stroke-width="2" stroke-dasharray="${sx.dash}"/>` +
        `<text x="${width - right + 52}" y="${legendY + 4}">${sx.label}</text>`
      );
    })
    .join("\n");
  const c = report.config;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="22" font-size="14">Latency from scheduled send: ${c.rate} transfers/s, ${(c.crossShare * 100).toFixed(0)}% cross-shard, ${report.sent} sent</text>
${grid}
${xTicks}
<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#888"/>
<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#888"/>
<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">second of the run (scheduled send time)</text>
<text x="16" y="${(top + height - bottom) / 2}" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">seconds</text>
${lines}
</svg>
`;
}
