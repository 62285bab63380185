/**
 * The scale bench's chart as a standalone SVG: capacity (transfers/s, bars, left axis) against the shard count,
 * beside the beacon's share of the slot (line, right axis, with the 5% goal dashed).
 */
import { BEACON_SHARE_GOAL, type ScaleRow } from "./report.js";

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { top: 48, right: 72, bottom: 56, left: 84 };
const TICKS = 5;
/** A white outline behind text that may cross a bar. */
const HALO = 'paint-order="stroke" stroke="white" stroke-width="3"';

/** A round axis maximum at or above `value` (1, 2 or 5 × 10^k). */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

const f = (value: number) => value.toFixed(1);

export function scaleChartSvg(rows: readonly ScaleRow[], title: string): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const capMax = niceMax(Math.max(...rows.map((r) => r.capacityTps), 1));
  const shareMax =
    niceMax(Math.max(...rows.map((r) => r.beaconShareOfSlot), BEACON_SHARE_GOAL * 1.2) * 100) / 100;
  const band = plotW / Math.max(rows.length, 1);
  const xOf = (i: number) => MARGIN.left + band * (i + 0.5);
  const yCap = (v: number) => MARGIN.top + plotH * (1 - v / capMax);
  const yShare = (v: number) => MARGIN.top + plotH * (1 - v / shareMax);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15">${title}</text>`,
  ];
  for (let t = 0; t <= TICKS; t++) {
    const y = MARGIN.top + (plotH * t) / TICKS;
    const cap = capMax * (1 - t / TICKS);
    const share = shareMax * (1 - t / TICKS);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${f(y)}" x2="${MARGIN.left + plotW}" y2="${f(y)}" stroke="#e0e0e0"/>`,
      `<text x="${MARGIN.left - 6}" y="${f(y + 4)}" text-anchor="end">${Math.round(cap).toLocaleString("en-US")}</text>`,
      `<text x="${MARGIN.left + plotW + 6}" y="${f(y + 4)}">${(100 * share).toFixed(1)}%</text>`,
    );
  }
  rows.forEach((row, i) => {
    const barW = band * 0.5;
    const y = yCap(row.capacityTps);
    parts.push(
      `<rect class="capacity" data-shards="${row.shards}" x="${f(xOf(i) - barW / 2)}" y="${f(y)}" width="${f(barW)}" height="${f(MARGIN.top + plotH - y)}" fill="#4e79a7"/>`,
      `<text x="${f(xOf(i))}" y="${f(y - 4)}" text-anchor="middle">${Math.round(row.capacityTps).toLocaleString("en-US")}</text>`,
      `<text x="${f(xOf(i))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${row.shards}</text>`,
    );
  });
  const goalY = yShare(BEACON_SHARE_GOAL);
  parts.push(
    `<line x1="${MARGIN.left}" y1="${f(goalY)}" x2="${MARGIN.left + plotW}" y2="${f(goalY)}" stroke="#e15759" stroke-dasharray="6 4"/>`,
    `<text x="${MARGIN.left + 4}" y="${f(goalY - 5)}" fill="#e15759" ${HALO}>beacon goal ≤ ${(100 * BEACON_SHARE_GOAL).toFixed(0)}% of the slot</text>`,
  );
  const points = rows.map((row, i) => `${f(xOf(i))},${f(yShare(row.beaconShareOfSlot))}`).join(" ");
  parts.push(`<polyline points="${points}" fill="none" stroke="#f28e2b" stroke-width="2"/>`);
  rows.forEach((row, i) => {
    const y = yShare(row.beaconShareOfSlot);
    parts.push(
      `<circle class="beacon-share" data-shards="${row.shards}" cx="${f(xOf(i))}" cy="${f(y)}" r="4" fill="#f28e2b"/>`,
      `<text x="${f(xOf(i) + band * 0.27)}" y="${f(y - 6)}" fill="#b35f00" ${HALO}>${(100 * row.beaconShareOfSlot).toFixed(2)}%</text>`,
    );
  });
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">shards</text>`,
    `<text transform="translate(20 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#4e79a7">capacity, transfers/s (shards × one shard's)</text>`,
    `<text transform="translate(${WIDTH - 16} ${MARGIN.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="#f28e2b">beacon work, share of the slot</text>`,
    "</svg>",
    "",
  );
  return parts.join("\n");
}
