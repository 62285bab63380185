import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { LoadgenMetrics } from "../src/metrics.js";

describe("load generator metrics server", () => {
  it("serves offered, accepted, rejected and latency by stage at /metrics, and 404 elsewhere", async () => {
    const metrics = new LoadgenMetrics();
    metrics.targetRate.set(25);
    metrics.offered.inc(3);
    metrics.accepted.inc(2);
    metrics.rejected.inc();
    metrics.reached("included", 0.7);
    metrics.reached("finalized", -1); // a clock step back never observes a negative latency
    const server = await metrics.serve(0, "127.0.0.1");
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain("shardnet_loadgen_target_transactions_per_second 25");
      expect(text).toContain("shardnet_loadgen_transactions_offered_total 3");
      expect(text).toContain("shardnet_loadgen_transactions_accepted_total 2");
      expect(text).toContain("shardnet_loadgen_transactions_rejected_total 1");
      expect(text).toContain('shardnet_loadgen_latency_seconds_bucket{le="1",stage="included"} 1');
      expect(text).toContain('shardnet_loadgen_latency_seconds_bucket{le="0.25",stage="finalized"} 1');
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(404);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("refuses a port in use with the listen error", async () => {
    const first = await new LoadgenMetrics().serve(0, "127.0.0.1");
    try {
      const port = (first.address() as AddressInfo).port;
      await expect(new LoadgenMetrics().serve(port, "127.0.0.1")).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((resolve) => first.close(resolve));
    }
  });
});
