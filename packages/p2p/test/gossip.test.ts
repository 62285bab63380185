import { collectDefaultMetrics, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { type GossipHandler, type GossipTopic, metricValue, type P2pNode } from "../src/index.js";
import { bytes, NodeSet, text, waitFor } from "./helpers.js";

const nodes = new NodeSet();
afterEach(() => nodes.stopAll());

/** A handler that accepts UTF-8 text and records what each node accepted. */
function recordingHandler(received: string[]): GossipHandler<string> {
  return {
    maxBytes: 1024,
    decode: (b) => text(b),
    validate: () => "accept",
    onAccepted: (msg) => {
      received.push(msg);
    },
  };
}

describe("gossip through a bootstrap node", () => {
  it("delivers a message to every subscriber of its topic and to no other node", async () => {
    const hub = await nodes.start();
    const leaves: P2pNode[] = [];
    for (let i = 0; i < 4; i++) leaves.push(await nodes.start({ bootstrap: hub.listenMultiaddrs() }));
    const receivedBy = new Map<P2pNode, string[]>();
    for (const n of [hub, ...leaves]) {
      const received: string[] = [];
      receivedBy.set(n, received);
      n.registerTopicHandler("shard_tx", recordingHandler(received));
    }
    const [l0, l1, l2, l3] = leaves as [P2pNode, P2pNode, P2pNode, P2pNode];
    const topic: GossipTopic = { kind: "shard_tx", shard: 2 };
    // l0, l1, l2 track shard 2; l3 tracks shard 1 only; the hub tracks nothing.
    l0.setTrackedShards([2]);
    l1.setTrackedShards([2]);
    l2.setTrackedShards([2, 3]);
    l3.setTrackedShards([1]);

    // Leaves find each other through peer exchange with the hub, then mesh on the shard 2 topic.
    await waitFor(
      () => [l0, l1, l2].every((n) => n.gossip.meshPeers(topic).length >= 2),
      "shard 2 mesh among the three subscribers",
      15_000,
    );
    // Meshing needs leaf-to-leaf connections: the hub is not subscribed, so it cannot relay.
    expect(l0.connectedPeers()).toEqual(expect.arrayContaining([hub.peerId, l1.peerId, l2.peerId]));
    expect(await l0.publish(topic, bytes("tx-1"))).toBeGreaterThanOrEqual(2);
    await l1.publish(topic, bytes("tx-2"));
    await waitFor(
      () =>
        receivedBy.get(l1)!.length === 1 &&
        receivedBy.get(l2)!.length === 2 &&
        receivedBy.get(l0)!.length === 1,
      "delivery to all subscribers",
    );
    expect(receivedBy.get(l0)).toEqual(["tx-2"]);
    expect(receivedBy.get(l1)).toEqual(["tx-1"]);
    expect(receivedBy.get(l2)!.sort()).toEqual(["tx-1", "tx-2"]);
    // Non-subscribers: a third message is the barrier that lets stray deliveries of tx-1/tx-2 arrive first.
    await l2.publish(topic, bytes("tx-3"));
    await waitFor(() => receivedBy.get(l0)!.includes("tx-3") && receivedBy.get(l1)!.includes("tx-3"), "tx-3");
    expect(receivedBy.get(l3)).toEqual([]);
    expect(receivedBy.get(hub)).toEqual([]);
    expect(await metricValue(hub.metrics.gossipReceived, { topic: "shard_2_tx" })).toBe(0);
  });

  it("publishing to a topic without peers returns 0 instead of throwing", async () => {
    const a = await nodes.start();
    expect(await a.publish({ kind: "beacon_block" }, bytes("lonely"))).toBe(0);
  });

  it("a retryable publish that reached no peer goes out when repeated after a peer subscribed; a plain one is then a duplicate", async () => {
    const a = await nodes.start();
    const topic: GossipTopic = { kind: "slashing" };
    expect(await a.publish(topic, bytes("evidence"), { retryable: true })).toBe(0);
    expect(await a.publish(topic, bytes("plain"))).toBe(0);
    const received: string[] = [];
    const b = await nodes.start({ bootstrap: a.listenMultiaddrs() });
    b.registerTopicHandler("slashing", recordingHandler(received));
    a.registerTopicHandler("slashing", recordingHandler([]));
    a.subscribeGlobalTopics();
    b.subscribeGlobalTopics();
    await waitFor(() => a.gossip.topicPeers(topic).length > 0, "b subscribed to slashing, seen from a");
    expect(await a.publish(topic, bytes("evidence"), { retryable: true })).toBe(1);
    expect(await a.publish(topic, bytes("plain"))).toBe(0); // in a's seen-cache since its first publish
    await waitFor(() => received.includes("evidence"), "the evidence delivered to b");
    expect(received).toEqual(["evidence"]);
  });
});

describe("shard tracking at run time", () => {
  it("subscribing and unsubscribing shard topics changes what a node receives", async () => {
    const a = await nodes.start();
    const b = await nodes.start({ bootstrap: a.listenMultiaddrs() });
    const got: string[] = [];
    b.registerTopicHandler("shard_block", recordingHandler(got));
    a.registerTopicHandler("shard_block", recordingHandler([]));
    a.setTrackedShards([0, 1]);
    b.setTrackedShards([0]);
    const shard1: GossipTopic = { kind: "shard_block", shard: 1 };
    const shard0: GossipTopic = { kind: "shard_block", shard: 0 };
    await waitFor(() => a.gossip.topicPeers(shard0).includes(b.peerId), "b subscribed to shard 0");
    expect(await a.publish(shard1, bytes("s1-before"))).toBe(0); // b does not track shard 1

    b.setTrackedShards([1]);
    expect(b.gossip.getTrackedShards()).toEqual([1]);
    expect(b.gossip.subscribedTopics().some((t) => t.includes("/shard_0_"))).toBe(false);
    expect(b.gossip.subscribedTopics().filter((t) => t.includes("/shard_1_"))).toHaveLength(4);
    await waitFor(() => a.gossip.topicPeers(shard1).includes(b.peerId), "b subscribed to shard 1");
    await waitFor(() => !a.gossip.topicPeers(shard0).includes(b.peerId), "b unsubscribed from shard 0");
    expect(await a.publish(shard1, bytes("s1-after"))).toBe(1);
    expect(await a.publish(shard0, bytes("s0-after"))).toBe(0);
    await waitFor(() => got.includes("s1-after"), "delivery on the newly tracked shard");
    expect(got).toEqual(["s1-after"]);
  });
});

describe("metrics registry", () => {
  it("exposes shardnet_* and libp2p_* metrics on the registry passed in, without default process metrics", async () => {
    const registry = new Registry();
    const a = await nodes.start({ registry });
    const b = await nodes.start({ bootstrap: a.listenMultiaddrs(), targetPeers: 0 });
    await waitFor(() => a.peerCount() === 1, "connection");
    await waitFor(async () => (await metricValue(a.metrics.peers)) === 1, "shardnet_peers gauge");
    const text = await registry.metrics();
    for (const name of [
      "shardnet_gossip_messages_received_total",
      "shardnet_gossip_messages_published_total",
      "shardnet_gossip_messages_validated_total",
      "shardnet_gossip_messages_dropped_total",
      "shardnet_peers 1",
      "shardnet_reqresp_requests_total",
      "shardnet_reqresp_errors_total",
      "libp2p_",
    ]) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain("process_cpu_user_seconds_total");
    // The node can add process metrics itself without a duplicate-name error.
    collectDefaultMetrics({ register: registry });
    expect(await registry.metrics()).toContain("process_cpu_user_seconds_total");
    await b.stop();
    await waitFor(async () => (await metricValue(a.metrics.peers)) === 0, "gauge back to 0");
  });
});
