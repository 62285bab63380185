import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Stage } from "./tracker.js";

/**
 * The load generator's Prometheus metrics (--metrics-port): what it was asked for, what it sent on its
 * open-loop schedule (offered), what the nodes accepted or refused, and each transfer's latency from its
 * scheduled send to included, crosslinked and finalized — so a dashboard shows offered against achieved.
 */
export class LoadgenMetrics {
  readonly registry = new Registry();
  readonly targetRate = new Gauge({
    name: "shardnet_loadgen_target_transactions_per_second",
    help: "Arrival rate the load generator was asked for (--rate), while it sends",
    registers: [this.registry],
  });
  readonly offered = new Counter({
    name: "shardnet_loadgen_transactions_offered_total",
    help: "Transfers sent on the open-loop schedule (each when due)",
    registers: [this.registry],
  });
  readonly accepted = new Counter({
    name: "shardnet_loadgen_transactions_accepted_total",
    help: "Transfers a node accepted (pending)",
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: "shardnet_loadgen_transactions_rejected_total",
    help: "Transfers a node refused, or that no node could be asked about (every request for them failed)",
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "shardnet_loadgen_latency_seconds",
    help: "Time from a transfer's scheduled send to the first node reporting it included, crosslinked, finalized",
    labelNames: ["stage"],
    buckets: [0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128],
    registers: [this.registry],
  });

  /** A transfer reached `stage` `seconds` after it was due. */
  reached(stage: Stage, seconds: number): void {
    this.latency.observe({ stage }, Math.max(0, seconds));
  }

  /** Serves GET /metrics on 127.0.0.1-or-`host`:`port`; resolves once listening. */
  async serve(port: number, host: string): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${err.message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return server;
  }
}
