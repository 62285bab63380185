import "@shardnet/p2p/polyfill";
import { formatHelp, nodeOptionTable, parseOptions, runNodeProcess, UsageError } from "@shardnet/node";

const summary =
  "shardnet beacon node: follows and validates the beacon chain, bootstrap peer, HTTP API, metrics";

try {
  const { help, values } = parseOptions(nodeOptionTable, process.argv.slice(2));
  if (help) {
    process.stdout.write(formatHelp("shardnet-beacon", summary, nodeOptionTable));
  } else {
    await runNodeProcess("beacon", values);
  }
} catch (err) {
  process.stderr.write(
    `shardnet-beacon: ${err instanceof UsageError ? err.message : (err as Error).message}\n`,
  );
  process.exit(err instanceof UsageError ? 2 : 1);
}
