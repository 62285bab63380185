import { DASHBOARDS } from "./index.js";

/** Every query expression of every generated dashboard, with where it is. */
export function panelExpressions(): Array<{ dashboard: string; panel: string; expr: string }> {
  return DASHBOARDS.flatMap((d) =>
    d.panels.flatMap((p) => p.queries.map((q) => ({ dashboard: d.title, panel: p.title, expr: q.expr }))),
  );
}

/**
 * The metric names (of `names`) that no panel expression uses; a histogram counts as used when any of its
 * _bucket, _sum or _count series is.
 */
export function metricsWithoutPanel(names: Iterable<string>): string[] {
  const used = new Set<string>();
  for (const { expr } of panelExpressions()) {
    for (const m of expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b/g)) {
      used.add(m[1]!);
      used.add(m[1]!.replace(/_(bucket|sum|count)$/, ""));
    }
  }
  return [...new Set(names)].filter((name) => !used.has(name)).sort();
}
