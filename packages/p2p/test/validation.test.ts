import { afterEach, describe, expect, it } from "vitest";
import {
  type GossipHandler,
  type GossipTopic,
  metricValue,
  type P2pNode,
  TESTNET_SCORE_THRESHOLDS,
  type ValidationResult,
} from "../src/index.js";
import { bytes, NodeSet, text, waitFor } from "./helpers.js";

const nodes = new NodeSet();
afterEach(() => nodes.stopAll());

const topic: GossipTopic = { kind: "beacon_block" };

/** Accepts text; rejects anything starting with "bad"; undecodable if the first byte is 0xff; max 100 bytes. */
function strictHandler(received: string[]): GossipHandler<string> {
  return {
    maxBytes: 100,
    decode: (b) => {
      if (b[0] === 0xff) throw new Error("not text");
      return text(b);
    },
    validate: (msg) => (msg.startsWith("bad") ? "reject" : "accept"),
    onAccepted: (msg) => {
      received.push(msg);
    },
  };
}

/** A - B - C in a line (discovery off), all subscribed to beacon_block; B and C validate strictly. */
async function line(): Promise<{ a: P2pNode; b: P2pNode; c: P2pNode; atB: string[]; atC: string[] }> {
  const b = await nodes.start({ targetPeers: 0, graylistBanMs: 30_000 });
  const a = await nodes.start({ targetPeers: 0, bootstrap: b.listenMultiaddrs() });
  const c = await nodes.start({ targetPeers: 0, bootstrap: b.listenMultiaddrs() });
  const atB: string[] = [];
  const atC: string[] = [];
  b.registerTopicHandler("beacon_block", strictHandler(atB));
  c.registerTopicHandler("beacon_block", strictHandler(atC));
  for (const n of [a, b, c]) n.subscribe(topic);
  await waitFor(
    () => b.gossip.meshPeers(topic).length === 2 && a.gossip.meshPeers(topic).length === 1,
    "mesh A-B-C",
  );
  expect(a.connectedPeers()).toEqual([b.peerId]);
  expect(c.connectedPeers()).toEqual([b.peerId]);
  return { a, b, c, atB, atC };
}

describe("gossip validation", () => {
  it("does not forward a message its validator rejects, but forwards accepted ones", async () => {
    const { a, b, c, atC } = await line();
    await a.publish(topic, bytes("bad-1"));
    await a.publish(topic, bytes("good-1"));
    await waitFor(() => atC.includes("good-1"), "good-1 relayed through B");
    // good-1 was published after bad-1 over the same connections, so bad-1 would have arrived first.
    expect(atC).toEqual(["good-1"]);
    expect(await metricValue(b.metrics.gossipValidated, { topic: "beacon_block", result: "reject" })).toBe(1);
    expect(await metricValue(b.metrics.gossipValidated, { topic: "beacon_block", result: "accept" })).toBe(1);
    expect(await metricValue(c.metrics.gossipReceived, { topic: "beacon_block" })).toBe(1);
    // The P4 penalty shows once gossipsub's score cache (one heartbeat) expires.
    await waitFor(
      () => b.peerScore(a.peerId) < -900,
      "B to penalise A (about -1000) for the invalid message",
      5000,
    );
  });

  it("drops and counts oversize and undecodable messages without relaying them", async () => {
    const { a, b, atB, atC } = await line();
    // A has no handler registered, so its publish does not refuse the oversize message locally.
    await a.publish(topic, new Uint8Array(101).fill(0x61));
    await a.publish(topic, Uint8Array.from([0xff, 1, 2]));
    await a.publish(topic, bytes("good-2"));
    await waitFor(() => atC.includes("good-2"), "good-2 relayed through B");
    expect(atB).toEqual(["good-2"]);
    expect(atC).toEqual(["good-2"]);
    expect(await metricValue(b.metrics.gossipDropped, { topic: "beacon_block", reason: "oversize" })).toBe(1);
    expect(await metricValue(b.metrics.gossipDropped, { topic: "beacon_block", reason: "undecodable" })).toBe(
      1,
    );
    expect(await metricValue(b.metrics.gossipValidated, { topic: "beacon_block", result: "reject" })).toBe(2);
  });

  it("refuses to publish a message over the registered maxBytes", async () => {
    const a = await nodes.start();
    a.registerTopicHandler("beacon_block", strictHandler([]));
    await expect(a.publish(topic, new Uint8Array(101))).rejects.toThrow(/exceeds maxBytes 100/);
  });

  it("scores down, graylists and disconnects a peer that keeps sending invalid messages", async () => {
    const { a, b } = await line();
    let i = 0;
    await waitFor(
      async () => {
        if (b.connectedPeers().includes(a.peerId)) await a.publish(topic, bytes(`bad-${i++}`));
        return b.isBanned(a.peerId) && !b.connectedPeers().includes(a.peerId);
      },
      "B to disconnect A",
      15_000,
    );
    expect(b.peerScore(a.peerId)).toBeLessThan(TESTNET_SCORE_THRESHOLDS.graylistThreshold);
    expect(b.isGraylisted(a.peerId)).toBe(true);
    expect(
      await metricValue(b.metrics.gossipValidated, { topic: "beacon_block", result: "reject" }),
    ).toBeGreaterThanOrEqual(3);
    // A keeps re-dialling B as its bootstrap peer; B's connection gater refuses it while banned.
    await new Promise((r) => setTimeout(r, 1000));
    expect(b.connectedPeers()).not.toContain(a.peerId);
  });
});

describe("validation queue", () => {
  it("bounds concurrent validations per topic kind and ignores messages beyond the queue", async () => {
    const b = await nodes.start({ targetPeers: 0 });
    const a = await nodes.start({ targetPeers: 0, bootstrap: b.listenMultiaddrs() });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let running = 0;
    let maxRunning = 0;
    const accepted: string[] = [];
    b.registerTopicHandler<string>("slashing", {
      maxBytes: 100,
      maxConcurrency: 1,
      maxQueueLength: 1,
      decode: (x) => text(x),
      validate: async (): Promise<ValidationResult> => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await gate;
        running--;
        return "accept";
      },
      onAccepted: (m) => {
        accepted.push(m);
      },
    });
    const slashing: GossipTopic = { kind: "slashing" };
    a.subscribe(slashing);
    b.subscribe(slashing);
    await waitFor(() => a.gossip.topicPeers(slashing).includes(b.peerId), "subscription seen by A");
    for (let i = 0; i < 5; i++) await a.publish(slashing, bytes(`s-${i}`));
    await waitFor(
      async () =>
        (await metricValue(b.metrics.gossipDropped, { topic: "slashing", reason: "queue_full" })) === 3,
      "three messages refused by the full queue",
    );
    release();
    await waitFor(() => accepted.length === 2, "the running and the queued message accepted");
    expect(accepted).toEqual(["s-0", "s-1"]);
    expect(maxRunning).toBe(1);
    expect(await metricValue(b.metrics.gossipValidated, { topic: "slashing", result: "ignore" })).toBe(3);
  });
});
