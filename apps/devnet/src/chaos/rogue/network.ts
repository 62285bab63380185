import { computeEpochAtSlot, type Preset } from "@shardnet/consensus";
import { hexToBytes } from "@shardnet/crypto";
import { loadGenesisFile } from "@shardnet/node";
import {
  createP2pNode,
  GLOBAL_TOPIC_KINDS,
  type GossipTopic,
  type P2pNode,
  SHARD_TOPIC_KINDS,
} from "@shardnet/p2p";

/** What the rogue and the observer need to know about the network they join: all of it from the genesis file. */
export interface TargetNetwork {
  /** Hex fork digest in topic names (`/shardnet/{forkDigest}/{name}/ssz`). */
  forkDigest: string;
  /** The genesis hash: the network's identity in the `status` handshake and in every signing domain. */
  genesisHash: Uint8Array;
  preset: Preset;
  /** Unix seconds of slot 0. */
  genesisTime: number;
  validatorCount: number;
  /** Every gossip topic the network uses (DESIGN.md §5): the global ones, then every shard's. */
  topics: GossipTopic[];
}

/** Reads the genesis file as a node does (packages/node/src/genesisLoader.ts). */
export function loadTargetNetwork(genesisPath: string): TargetNetwork {
  const loaded = loadGenesisFile(genesisPath);
  const { preset } = loaded.genesis;
  const topics: GossipTopic[] = GLOBAL_TOPIC_KINDS.map((kind) => ({ kind }));
  for (let shard = 0; shard < preset.SHARD_COUNT; shard++) {
    for (const kind of SHARD_TOPIC_KINDS) topics.push({ kind, shard });
  }
  return {
    forkDigest: loaded.forkDigest,
    genesisHash: hexToBytes(loaded.hashHex),
    preset,
    genesisTime: loaded.genesis.genesisTime,
    validatorCount: loaded.genesis.validators.length,
    topics,
  };
}

/** The wall-clock slot of the network (0 before genesis). */
export function currentSlot(net: TargetNetwork, nowMs = Date.now()): number {
  return Math.max(0, Math.floor((nowMs / 1000 - net.genesisTime) / net.preset.SECONDS_PER_SLOT));
}

export function currentEpoch(net: TargetNetwork, nowMs = Date.now()): number {
  return computeEpochAtSlot(net.preset, currentSlot(net, nowMs));
}

/**
 * A libp2p node on 127.0.0.1 that joins `net` through `bootnodes` only: no discovery (the rogue would find the
 * observer and talk to it directly, and the observer the rogue). `maxGossipMessageBytes` as createP2pNode's.
 */
export function attackerNode(
  net: TargetNetwork,
  bootnodes: string[],
  maxGossipMessageBytes?: number,
): Promise<P2pNode> {
  return createP2pNode({
    listen: ["/ip4/127.0.0.1/tcp/0"],
    bootstrap: bootnodes,
    forkDigest: net.forkDigest,
    shardCount: net.preset.SHARD_COUNT,
    targetPeers: 0,
    redialIntervalMs: 1000,
    ...(maxGossipMessageBytes === undefined ? {} : { maxGossipMessageBytes }),
  });
}
