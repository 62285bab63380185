/**
 * The reverse of test/e2e/dashboards.test.ts (which runs every panel query against a real Prometheus): every
 * shardnet_* metric a node registers, and every metric of the load generator, is shown by some panel.
 */
import { NodeMetrics } from "@shardnet/node";
import { P2pMetrics } from "@shardnet/p2p";
import { describe, expect, it } from "vitest";
import { LoadgenMetrics } from "../../loadgen/src/metrics.js";
import { metricsWithoutPanel, panelExpressions } from "../src/dashboards/coverage.js";

describe("dashboards cover the exported metrics", () => {
  it("every shardnet_* metric of a node's registry (node and p2p metrics) appears in a panel", () => {
    const metrics = new NodeMetrics();
    new P2pMetrics(metrics.registry);
    const names = metrics.registry
      .getMetricsAsArray()
      .map((m) => m.name)
      .filter((n) => n.startsWith("shardnet_"));
    expect(names.length).toBeGreaterThan(40);
    expect(metricsWithoutPanel(names)).toEqual([]);
  });

  it("every metric of the load generator appears in a panel", () => {
    const names = new LoadgenMetrics().registry.getMetricsAsArray().map((m) => m.name);
    expect(names.length).toBeGreaterThan(3);
    expect(metricsWithoutPanel(names)).toEqual([]);
  });

  it("a metric no panel shows is named", () => {
    expect(metricsWithoutPanel(["shardnet_beacon_head_slot", "shardnet_not_on_any_panel_total"])).toEqual([
      "shardnet_not_on_any_panel_total",
    ]);
    expect(panelExpressions().length).toBeGreaterThan(50);
  });
});
