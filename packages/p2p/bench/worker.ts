// One benchmark node in its own process. Modes: "shardnet" (this package: validated gossip) or "bare" (plain
// libp2p + gossipsub with the same mesh parameters and message ids, no validation layer, no scoring).
import "../src/polyfill.js";
import { noise } from "@chainsafe/libp2p-noise";
import { gossipsub, StrictNoSign } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import { tcp } from "@libp2p/tcp";
import { yamux } from "@libp2p/yamux";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";
import {
  createP2pNode,
  messageIdOf,
  messageIdToString,
  peerScoreParams,
  TESTNET_MESH_PARAMS,
  TESTNET_SCORE_THRESHOLDS,
  topicString,
} from "../src/index.js";
import type { ParentMessage, WorkerMessage } from "./protocol.js";

const mode = process.argv[2] as "shardnet" | "bare";
const variant = process.env.BENCH_VARIANT ?? "";
const FORK_DIGEST = "be0c0001";
const TOPIC = { kind: "beacon_aggregate" } as const;
const TOPIC_STR = topicString(FORK_DIGEST, TOPIC);

const send = (msg: WorkerMessage): void => {
  process.send?.(msg);
};
const now = (): number => performance.timeOrigin + performance.now();

const latencies: number[] = [];
let firstAt = 0;
let lastAt = 0;
function record(data: Uint8Array): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const t = now();
  latencies.push(t - view.getFloat64(0));
  if (firstAt === 0) firstAt = t;
  lastAt = t;
}

interface BenchNode {
  addrs(): string[];
  dial(addr: string): Promise<void>;
  subscribe(): void;
  topicPeers(): number;
  meshPeers(): number;
  publish(data: Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

async function startShardnet(): Promise<BenchNode> {
  const node = await createP2pNode({
    listen: ["/ip4/127.0.0.1/tcp/0"],
    forkDigest: FORK_DIGEST,
    shardCount: 1,
    targetPeers: 0,
  });
  node.registerTopicHandler(TOPIC.kind, {
    maxBytes: 64 * 1024,
    decode: (b) => {
      if (b.length < 16) throw new Error("short");
      return b;
    },
    validate: () => "accept",
    onAccepted: (b) => record(b),
  });
  return {
    addrs: () => node.listenMultiaddrs(),
    dial: (a) => node.dial(a),
    subscribe: () => node.subscribe(TOPIC),
    topicPeers: () => node.gossip.topicPeers(TOPIC).length,
    meshPeers: () => node.gossip.meshPeers(TOPIC).length,
    publish: async (d) => {
      await node.publish(TOPIC, d);
    },
    stop: () => node.stop(),
  };
}

async function startBare(): Promise<BenchNode> {
  const libp2p = await createLibp2p({
    addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        ...TESTNET_MESH_PARAMS,
        globalSignaturePolicy: StrictNoSign,
        msgIdFn: messageIdOf,
        msgIdToStrFn: messageIdToString,
        allowPublishToZeroTopicPeers: true,
        asyncValidation: variant.includes("async"),
        ...(variant.includes("score")
          ? { scoreParams: peerScoreParams([TOPIC_STR]), scoreThresholds: TESTNET_SCORE_THRESHOLDS }
          : {}),
      }),
    },
  });
  const pubsub = libp2p.services.pubsub as typeof libp2p.services.pubsub & {
    getMeshPeers(t: string): string[];
    reportMessageValidationResult(id: string, from: string, r: "accept"): void;
  };
  if (variant.includes("async")) {
    pubsub.addEventListener("gossipsub:message", (evt) => {
      pubsub.reportMessageValidationResult(
        evt.detail.msgId,
        evt.detail.propagationSource.toString(),
        "accept",
      );
      if (evt.detail.msg.topic === TOPIC_STR) record(evt.detail.msg.data);
    });
  } else {
    pubsub.addEventListener("message", (evt) => {
      if (evt.detail.topic === TOPIC_STR) record(evt.detail.data);
    });
  }
  return {
    addrs: () => libp2p.getMultiaddrs().map((m) => m.toString()),
    dial: async (a) => {
      await libp2p.dial(multiaddr(a));
    },
    subscribe: () => pubsub.subscribe(TOPIC_STR),
    topicPeers: () => pubsub.getSubscribers(TOPIC_STR).length,
    meshPeers: () => pubsub.getMeshPeers(TOPIC_STR).length,
    publish: async (d) => {
      await pubsub.publish(TOPIC_STR, d);
    },
    stop: async () => {
      await libp2p.stop();
    },
  };
}

/** Open-loop publisher: `rate` messages/s in 5 ms ticks for `durationMs`; payload = send time, seq, padding. */
async function publishLoop(node: BenchNode, size: number, rate: number, durationMs: number): Promise<number> {
  const start = performance.now();
  let sent = 0;
  let failed = 0;
  while (performance.now() - start < durationMs) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) {
      const data = new Uint8Array(size);
      const view = new DataView(data.buffer);
      view.setFloat64(0, now());
      view.setFloat64(8, sent);
      sent++;
      await node.publish(data).catch(() => {
        failed++;
      });
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return sent - failed;
}

let cpuMark = process.cpuUsage();
function cpuSinceMark(): number {
  const d = process.cpuUsage(cpuMark);
  return d.user + d.system;
}

async function main(): Promise<void> {
  const node = mode === "shardnet" ? await startShardnet() : await startBare();
  process.on("message", (msg: ParentMessage) => {
    void (async () => {
      switch (msg.type) {
        case "connect": {
          await Promise.all(msg.addrs.map((a) => node.dial(a).catch(() => {})));
          node.subscribe();
          const deadline = Date.now() + 15_000;
          while (node.topicPeers() < msg.expectPeers || node.meshPeers() < Math.min(msg.expectPeers, 2)) {
            if (Date.now() > deadline) throw new Error("mesh did not form within 15 s");
            await new Promise((r) => setTimeout(r, 50));
          }
          send({ type: "meshed" });
          break;
        }
        case "mark":
          cpuMark = process.cpuUsage();
          send({ type: "marked" });
          break;
        case "publish": {
          const published = await publishLoop(node, msg.size, msg.rate, msg.durationMs);
          send({ type: "published", count: published, cpuMicros: cpuSinceMark() });
          break;
        }
        case "count":
          send({ type: "count", received: latencies.length });
          break;
        case "report":
          send({
            type: "report",
            received: latencies.length,
            firstAt,
            lastAt,
            latencies,
            cpuMicros: cpuSinceMark(),
          });
          break;
        case "stop":
          await node.stop();
          process.exit(0);
      }
    })().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
  send({ type: "ready", addrs: node.addrs() });
}

void main();
