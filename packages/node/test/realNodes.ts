/**
 * Real nodes in this process for sync tests: a genesis of 8 interop validators (2 shards, 1-second slots)
 * written to a temp dir, and ShardnetNodes on it with LevelDB in that dir and libp2p on 127.0.0.1, starting
 * unconnected (no bootnodes).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { interopPublicKey } from "@shardnet/consensus";
import { type BlsSecretKey, bytesToHex, getBls, hexToBytes } from "@shardnet/crypto";
import { createP2pNode, type P2pNode } from "@shardnet/p2p";
import {
  createLogger,
  type LoadedGenesis,
  loadGenesisFile,
  loadInteropKeys,
  NodeMetrics,
  ShardnetNode,
  Status,
} from "../src/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 100 ms; throws, naming `what`, once `timeoutMs` passed without it. */
export async function until(
  cond: () => boolean,
  what: string | (() => string),
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`,
      );
    await sleep(100);
  }
}

/** Writes the genesis to `dir`/genesis.json (genesis 2 s from now) and loads it; `overrides` adds preset values. */
export function writeSmallGenesis(
  dir: string,
  network: string,
  slotsPerEpoch: number,
  overrides: Record<string, number> = {},
  accounts: { address: string; balance: string }[] = [],
): LoadedGenesis {
  const genesisPath = join(dir, "genesis.json");
  writeFileSync(
    genesisPath,
    JSON.stringify({
      network,
      genesisTime: Math.floor(Date.now() / 1000) + 2,
      preset: "local",
      presetOverrides: { SHARD_COUNT: 2, SECONDS_PER_SLOT: 1, SLOTS_PER_EPOCH: slotsPerEpoch, ...overrides },
      validators: Array.from({ length: 8 }, (_, i) => ({
        pubkey: `0x${bytesToHex(interopPublicKey(i))}`,
        stake: "32000000000",
      })),
      accounts,
    }),
  );
  return loadGenesisFile(genesisPath);
}

/** A node named `name` (data in `dir`/`name`) tracking `shards` (both by default) and hosting `validators`. */
export function startNode(
  dir: string,
  loaded: LoadedGenesis,
  name: string,
  validators: number[],
  {
    shards = [0, 1],
    metrics = new NodeMetrics(),
    keystoreValidators,
    unregisteredKeys,
  }: {
    shards?: number[];
    metrics?: NodeMetrics;
    keystoreValidators?: number[];
    unregisteredKeys?: BlsSecretKey[];
  } = {},
): Promise<ShardnetNode> {
  const bls = getBls();
  return ShardnetNode.start({
    name,
    role: "shard",
    loaded,
    dataDir: join(dir, name, "db"),
    apiHost: "127.0.0.1",
    apiPort: 0,
    p2pHost: "127.0.0.1",
    p2pPort: 0,
    bootnodes: [],
    maxPeers: 50,
    peerKeyFile: join(dir, name, "peer.key"),
    shards,
    keys: loadInteropKeys(bls, loaded.genesis, validators),
    ...(keystoreValidators ? { keystoreValidators } : {}),
    ...(unregisteredKeys ? { unregisteredKeys } : {}),
    bls,
    log: createLogger({ name, level: "silent", pretty: false }),
    metrics,
  });
}

/**
 * A peer built on @shardnet/p2p, dialling `node`, that answers `status` with genesis finality and the head
 * `head()` gives; the test registers the other protocols it scripts.
 */
export async function startScriptedPeer(
  loaded: LoadedGenesis,
  node: ShardnetNode,
  head: () => { slot: number; root: string },
): Promise<P2pNode> {
  const peer = await createP2pNode({
    listen: ["/ip4/127.0.0.1/tcp/0"],
    bootstrap: [node.p2p.listenMultiaddrs()[0] as string],
    forkDigest: loaded.forkDigest,
    shardCount: 2,
    targetPeers: 0,
    redialIntervalMs: 500,
  });
  await peer.handleRequests("status", async () => {
    const { slot, root } = head();
    return [
      Status.serialize({
        genesisHash: hexToBytes(loaded.hashHex),
        finalizedEpoch: 0,
        finalizedRoot: new Uint8Array(32),
        headSlot: slot,
        headRoot: hexToBytes(root),
      }),
    ];
  });
  return peer;
}
