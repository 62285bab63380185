/**
 * Shard state sync benchmark (issue 14): a shard state with `--accounts` accounts (default 1M) served by
 * one real libp2p node on 127.0.0.1 as a chunked `shard_state_snapshot`, fetched, assembled and verified
 * against its state root by another, as a node that starts tracking the shard does. Prints the time and its
 * ratio to the 30-s goal.
 *
 *   npm run bench:snapshot -- [--accounts 1000000]
 */
import "@shardnet/p2p/polyfill";
import { createHash } from "node:crypto";
import { createShardGenesisState, shardOf, useNativeHasher } from "@shardnet/consensus";
import {
  fetchShardSnapshot,
  formatHelp,
  MAX_SNAPSHOT_CHUNKS,
  parseOptions,
  SNAPSHOT_CHUNK_BYTES,
  snapshotChunks,
  UsageError,
} from "@shardnet/node";
import { createP2pNode } from "@shardnet/p2p";

const options = {
  accounts: { kind: "number", description: "accounts in the shard state", default: 1_000_000 },
} as const;
const GOAL_SECONDS = 30;
const SHARDS = 4;

async function main(): Promise<number> {
  const { help, values } = parseOptions(options, process.argv.slice(2));
  if (help) {
    process.stdout.write(formatHelp("npm run bench:snapshot --", "shard state sync over libp2p", options));
    return 0;
  }
  if (!(values.accounts >= 1)) throw new UsageError(`--accounts must be at least 1, got ${values.accounts}`);
  useNativeHasher();
  const allocations = [];
  for (let i = 0; allocations.length < values.accounts; i++) {
    const address = new Uint8Array(createHash("sha256").update(`account ${i}`).digest().subarray(0, 20));
    if (shardOf(address, SHARDS) === 0) allocations.push({ address, balance: 1_000_000n });
  }
  const state = createShardGenesisState(0, SHARDS, allocations);
  const expected = {
    shard: 0,
    slot: state.slot,
    blockRoot: state.latestBlockRoot,
    stateRoot: state.hashTreeRoot(),
  };
  const start = (bootstrap: string[] = []) =>
    createP2pNode({
      listen: ["/ip4/127.0.0.1/tcp/0"],
      forkDigest: "be4c4000",
      shardCount: SHARDS,
      targetPeers: 0,
      bootstrap,
    });
  const server = await start();
  const client = await start(server.listenMultiaddrs());
  try {
    await server.handleRequests("shard_state_snapshot", async () => snapshotChunks(state), {
      maxChunkBytes: SNAPSHOT_CHUNK_BYTES,
      maxResponseChunks: MAX_SNAPSHOT_CHUNKS + 1,
      timeoutMs: 120_000,
    });
    for (let i = 0; i < 200 && !client.connectedPeers().includes(server.peerId); i++)
      await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    const { state: synced, bytes } = await fetchShardSnapshot(client, server.peerId, expected, 120_000);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `shard state sync: ${synced.accounts.count} accounts, ${(bytes.length / 1e6).toFixed(1)} MB in ${Math.ceil(bytes.length / SNAPSHOT_CHUNK_BYTES)} chunks, fetched and verified in ${seconds.toFixed(2)} s (goal ≤ ${GOAL_SECONDS} s; ratio to the goal ${(seconds / GOAL_SECONDS).toFixed(3)})\n`,
    );
    return 0;
  } finally {
    await Promise.all([client.stop(), server.stop()]);
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench:snapshot: ${err instanceof UsageError ? err.message : err.stack}\n`);
    process.exit(1);
  },
);
