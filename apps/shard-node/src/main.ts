import "@shardnet/p2p/polyfill";
import { formatHelp, nodeOptionTable, parseOptions, runNodeProcess, UsageError } from "@shardnet/node";

const summary = "shardnet shard node: tracks shards and the beacon chain, hosts validator keys";

try {
  const { help, values } = parseOptions(nodeOptionTable, process.argv.slice(2));
  if (help) {
    process.stdout.write(formatHelp("shardnet-shard-node", summary, nodeOptionTable));
  } else {
    await runNodeProcess("shard", values);
  }
} catch (err) {
  process.stderr.write(
    `shardnet-shard-node: ${err instanceof UsageError ? err.message : (err as Error).message}\n`,
  );
  process.exit(err instanceof UsageError ? 2 : 1);
}
