/**
 * Grafana dashboard JSON from small specs (one module per dashboard in this folder). Queries may only use
 * metric names the node, the p2p package, prom-client's defaults, libp2p or the load generator export;
 * apps/devnet/test/compose.test.ts checks the names and test/e2e/dashboards.test.ts runs every query against
 * a real Prometheus scraping a devnet.
 */

export const PROMETHEUS_DATASOURCE = { type: "prometheus", uid: "prometheus" } as const;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface Query {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  queries: Query[];
  type?: "timeseries" | "stat";
  unit?: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  panels: PanelSpec[];
}

/** Label matcher for the dashboard's `node` variable. */
export const N = `node=~"$node"`;
/** Rate window: Grafana's `$__rate_interval` (at least four scrape intervals). */
export const W = "$__rate_interval";

/** `q`-quantile of histogram `metric` per `by` (plus `le`), over the nodes selected. */
export const quantile = (q: number, metric: string, by: string, matchers = N): string =>
  `histogram_quantile(${q}, sum by (${by}${by ? ", " : ""}le) (rate(${metric}_bucket{${matchers}}[${W}])))`;

/** Per-second rate of a counter summed by `by` over the nodes selected. */
export const rateBy = (metric: string, by: string, matchers = N): string =>
  `sum by (${by}) (rate(${metric}{${matchers}}[${W}]))`;

const MAX_LINE = 110;

function panelJson(
  spec: PanelSpec,
  id: number,
  gridPos: { x: number; y: number; w: number; h: number },
): Json {
  const type = spec.type ?? "timeseries";
  const options: Json =
    type === "stat"
      ? {
          reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
          colorMode: "value",
          graphMode: "area",
        }
      : {
          legend: { displayMode: "list", placement: "bottom", showLegend: true },
          tooltip: { mode: "multi", sort: "desc" },
        };
  return {
    id,
    type,
    title: spec.title,
    description: spec.description,
    datasource: { ...PROMETHEUS_DATASOURCE },
    gridPos,
    fieldConfig: { defaults: { unit: spec.unit ?? "short" }, overrides: [] },
    options,
    targets: spec.queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: { ...PROMETHEUS_DATASOURCE },
      expr: q.expr,
      legendFormat: q.legend,
      range: true,
    })),
  };
}

export function dashboardJson(spec: DashboardSpec): Json {
  const panels: Json[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  spec.panels.forEach((panel, i) => {
    const w = panel.type === "stat" ? 6 : 12;
    const h = panel.type === "stat" ? 4 : 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    panels.push(panelJson(panel, i + 1, { x, y, w, h }));
    x += w;
    rowHeight = Math.max(rowHeight, h);
  });
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ["shardnet"],
    timezone: "utc",
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: "5s",
    time: { from: "now-30m", to: "now" },
    annotations: { list: [] },
    templating: {
      list: [
        {
          name: "node",
          label: "node",
          type: "query",
          datasource: { ...PROMETHEUS_DATASOURCE },
          definition: "label_values(shardnet_peers, node)",
          query: { query: "label_values(shardnet_peers, node)", refId: "nodes" },
          refresh: 2,
          sort: 1,
          multi: true,
          includeAll: true,
          current: { selected: true, text: ["All"], value: ["$__all"] },
        },
      ],
    },
    panels,
  };
}

/**
 * JSON.stringify(value, null, 2), except that arrays of scalars that fit on their line are written inline, as
 * Biome formats JSON: regenerated files are already formatted.
 */
export function formatJson(value: Json, indent = 0, prefixWidth = 0): string {
  const pad = " ".repeat(indent + 2);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) {
      const flat = `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
      if (prefixWidth + flat.length + 1 <= MAX_LINE) return flat;
    }
    const items = value.map((v) => `${pad}${formatJson(v, indent + 2, pad.length)}`);
    return `[\n${items.join(",\n")}\n${" ".repeat(indent)}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const items = entries.map(([k, v]) => {
      const head = `${pad}${JSON.stringify(k)}: `;
      return `${head}${formatJson(v, indent + 2, head.length)}`;
    });
    return `{\n${items.join(",\n")}\n${" ".repeat(indent)}}`;
  }
  return JSON.stringify(value);
}
