// Container health check of a shardnet node: exits 0 when its API answers GET /v1/node/live (liveness), 1
// otherwise. Readiness (peers, in step) is GET /v1/node/health; liveness is what a restart policy should act on.
//
//   node infra/scripts/healthcheck.mjs [api port]     (default 9000, the beacon node's)
const port = Number(process.argv[2] ?? 9000);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write(
    `healthcheck: bad API port "${process.argv[2]}" (usage: healthcheck.mjs [api port])\n`,
  );
  process.exit(2);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}/v1/node/live`, { signal: AbortSignal.timeout(2500) });
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`healthcheck: http://127.0.0.1:${port}/v1/node/live: ${err.message}\n`);
  process.exit(1);
}
