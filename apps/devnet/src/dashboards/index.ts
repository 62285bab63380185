import { type DashboardSpec, dashboardJson, formatJson } from "./grafana.js";
import { overview } from "./overview.js";
import { p2p } from "./p2p.js";
import { resources } from "./resources.js";
import { transactions } from "./transactions.js";
import { validators } from "./validators.js";

export { type DashboardSpec, formatJson, PROMETHEUS_DATASOURCE } from "./grafana.js";

/** Every generated dashboard, in the order Grafana lists them. */
export const DASHBOARDS: readonly DashboardSpec[] = [overview, transactions, validators, resources, p2p];

/** Dashboard file name (in infra/grafana/dashboards/) → dashboard JSON text. */
export function renderGrafanaDashboards(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of DASHBOARDS) out[`${spec.uid}.json`] = `${formatJson(dashboardJson(spec))}\n`;
  return out;
}
