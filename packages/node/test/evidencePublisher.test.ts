import { createP2pNode, type P2pNode } from "@shardnet/p2p";
import { afterEach, describe, expect, it } from "vitest";
import { SlashingMessage } from "../src/chain/pools.js";
import { EVIDENCE_RETRY_SLOTS, EvidencePublisher } from "../src/network/evidencePublisher.js";
import { silentLog } from "./helpers.js";

const started: P2pNode[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((n) => n.stop()));
});

async function node(bootstrap: string[] = []): Promise<P2pNode> {
  const n = await createP2pNode({
    listen: ["/ip4/127.0.0.1/tcp/0"],
    bootstrap,
    forkDigest: "0badc0de",
    shardCount: 4,
    redialIntervalMs: 300,
  });
  started.push(n);
  return n;
}

const header = (slot: number, fill: number) => ({
  message: {
    slot,
    proposerIndex: 3,
    parentRoot: new Uint8Array(32).fill(fill),
    stateRoot: new Uint8Array(32),
    bodyRoot: new Uint8Array(32),
  },
  signature: new Uint8Array(96),
});
const evidence = { signedHeader1: header(28, 1), signedHeader2: header(28, 2) };

describe("EvidencePublisher: slashing evidence detected while no peer listens", () => {
  it("waits, and goes out on the first retry after a peer subscribed to the slashing topic", async () => {
    const rejoined = await node();
    rejoined.subscribeGlobalTopics();
    const publisher = new EvidencePublisher(rejoined, silentLog);
    await publisher.publish({ proposerSlashings: [evidence] }, 28);
    expect(publisher.size).toBe(1);
    await publisher.retry(29); // still alone
    expect(publisher.size).toBe(1);

    const received: Array<ReturnType<typeof SlashingMessage.deserialize>> = [];
    const peer = await node(rejoined.listenMultiaddrs());
    peer.registerTopicHandler("slashing", {
      maxBytes: 1 << 16,
      decode: (b) => SlashingMessage.deserialize(b),
      validate: () => "accept",
      onAccepted: (msg) => {
        received.push(msg);
      },
    });
    peer.subscribeGlobalTopics();
    const deadline = Date.now() + 15_000;
    for (let slot = 30; publisher.size > 0 && Date.now() < deadline; slot++) {
      await new Promise((r) => setTimeout(r, 200));
      await publisher.retry(slot);
    }
    expect(publisher.size).toBe(0);
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received.map((m) => m.proposerSlashings[0]?.signedHeader1.message.slot)).toEqual([28]);
  });

  it("gives up after EVIDENCE_RETRY_SLOTS (the evidence stays in the node's pool for its own proposals)", async () => {
    const alone = await node();
    alone.subscribeGlobalTopics();
    const publisher = new EvidencePublisher(alone, silentLog);
    await publisher.publish({ proposerSlashings: [evidence] }, 10);
    await publisher.retry(10 + EVIDENCE_RETRY_SLOTS);
    expect(publisher.size).toBe(1);
    await publisher.retry(11 + EVIDENCE_RETRY_SLOTS);
    expect(publisher.size).toBe(0);
  });
});
