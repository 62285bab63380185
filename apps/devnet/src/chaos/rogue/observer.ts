import {
  GLOBAL_TOPIC_KINDS,
  type GossipTopic,
  type P2pNode,
  SHARD_TOPIC_KINDS,
  type TopicKind,
  topicName,
} from "@shardnet/p2p";
import { WIRE_MAX_BYTES } from "./gossipPayloads.js";
import { attackerNode, loadTargetNetwork } from "./network.js";
import { payloadHash } from "./payloadHash.js";

export interface ObserverOptions {
  genesisPath: string;
  /** Multiaddrs `/ip4/127.0.0.1/tcp/<port>/p2p/<id>` of the honest nodes to listen to. */
  bootnodes: string[];
}

export interface Observer {
  peerId: string;
  /** sha256 hex of every gossip payload received from a peer not excluded. */
  received(): ReadonlySet<string>;
  /** Payloads received per topic name (shows the observer does see the honest traffic). */
  receivedPerTopic(): Record<string, number>;
  /** Who delivered a payload (peer ids), or undefined if it never arrived. */
  deliveredBy(hash: string): ReadonlySet<string> | undefined;
  /**
   * Stops counting what `peerId` delivers and disconnects it whenever it connects: give it the rogue's id, so
   * only what honest nodes relayed is recorded even if the rogue reaches the observer directly.
   */
  exclude(peerId: string): void;
  /** Peer ids connected now. */
  connectedPeers(): string[];
  stop(): Promise<void>;
}

/**
 * An honest-looking libp2p peer (packages/p2p, as a node's) subscribed to every topic of the network. It
 * records the payload of every gossip message the nodes send it, and validates nothing: every message is
 * reported `ignore`, so it never relays or penalises anything, and the nodes see a quiet, well-behaved peer.
 */
export async function startObserver(opts: ObserverOptions): Promise<Observer> {
  const net = loadTargetNetwork(opts.genesisPath);
  // Above any topic's limit, so an oversized message a node wrongly relayed is recorded, not dropped here.
  const p2p: P2pNode = await attackerNode(net, opts.bootnodes, 2 * WIRE_MAX_BYTES);
  const received = new Map<string, Set<string>>();
  const perTopic: Record<string, number> = {};
  const excluded = new Set<string>();
  const record = (data: Uint8Array, from: string, topic: GossipTopic): "ignore" => {
    if (excluded.has(from)) return "ignore";
    const hash = payloadHash(data);
    let by = received.get(hash);
    if (by === undefined) {
      by = new Set();
      received.set(hash, by);
      const name = topicName(topic);
      perTopic[name] = (perTopic[name] ?? 0) + 1;
    }
    by.add(from);
    return "ignore";
  };
  const kinds: TopicKind[] = [...GLOBAL_TOPIC_KINDS, ...SHARD_TOPIC_KINDS];
  for (const kind of kinds) {
    p2p.registerTopicHandler<Uint8Array>(kind, {
      maxBytes: 2 * WIRE_MAX_BYTES,
      decode: (bytes) => bytes,
      validate: (bytes, from, topic) => record(bytes, from, topic),
      maxQueueLength: 65_536,
    });
  }
  p2p.subscribeGlobalTopics();
  p2p.setTrackedShards(Array.from({ length: net.preset.SHARD_COUNT }, (_, s) => s));
  p2p.onPeerEvent((e) => {
    if (e.type === "connected" && excluded.has(e.peerId)) void p2p.hangUp(e.peerId).catch(() => undefined);
  });
  return {
    peerId: p2p.peerId,
    received: () => new Set(received.keys()),
    receivedPerTopic: () => ({ ...perTopic }),
    deliveredBy: (hash) => received.get(hash),
    exclude: (peerId) => {
      excluded.add(peerId);
      for (const [hash, by] of received) {
        by.delete(peerId);
        if (by.size === 0) received.delete(hash);
      }
      void p2p.hangUp(peerId).catch(() => undefined);
    },
    connectedPeers: () => p2p.connectedPeers(),
    stop: () => p2p.stop(),
  };
}
