import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBls } from "@shardnet/crypto";
import { createLogger, loadGenesisFile, loadInteropKeys, NodeMetrics, ShardnetNode } from "@shardnet/node";
import { createP2pNode, GLOBAL_TOPIC_KINDS, type P2pNode, SHARD_TOPIC_KINDS } from "@shardnet/p2p";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fetchPeerStanding,
  GOSSIP_ATTACK_KINDS,
  type Observer,
  relayedRoguePayloads,
  rogueWasPenalised,
  startObserver,
  startRoguePeer,
} from "../src/chaos/rogue/index.js";
import { buildDevGenesis } from "../src/genesisFile.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A free TCP port on 127.0.0.1 (the node's API needs a known one). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/**
 * Two real nodes in this process (ShardnetNode: LevelDB in a temp dir, libp2p and API on 127.0.0.1), four
 * validators each, two shards, 1 s slots. The rogue attacks both; the observer listens to both.
 */
describe("rogue peer against in-process nodes", () => {
  const dir = mkdtempSync(join(tmpdir(), "rogue-"));
  const genesisPath = join(dir, "genesis.json");
  const nodes: { node: ShardnetNode; api: string }[] = [];
  let observer: Observer | undefined;

  beforeAll(async () => {
    writeFileSync(
      genesisPath,
      JSON.stringify(
        buildDevGenesis({
          validators: 8,
          shards: 2,
          preset: "local",
          secondsPerSlot: 1,
          genesisDelaySec: 1,
          devAccounts: 32,
        }),
      ),
    );
    const loaded = loadGenesisFile(genesisPath);
    const bls = getBls();
    for (const [i, validators] of [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ].entries()) {
      const apiPort = await freePort();
      const node = await ShardnetNode.start({
        name: `honest-${i}`,
        role: i === 0 ? "beacon" : "shard",
        loaded,
        dataDir: join(dir, `node${i}`, "db"),
        apiHost: "127.0.0.1",
        apiPort,
        p2pHost: "127.0.0.1",
        p2pPort: 0,
        bootnodes: nodes.map((n) => n.node.p2p.listenMultiaddrs()[0] as string),
        maxPeers: 50,
        peerKeyFile: join(dir, `node${i}`, "peer.key"),
        shards: [0, 1],
        keys: loadInteropKeys(bls, loaded.genesis, validators),
        bls,
        log: createLogger({ name: `honest-${i}`, level: "silent", pretty: false }),
        metrics: new NodeMetrics(),
      });
      nodes.push({ node, api: `http://127.0.0.1:${apiPort}` });
    }
    await waitFor(
      () => nodes.every(({ node }) => node.p2p.peerCount() > 0 && node.beacon.head().slot >= 2),
      "both nodes connected and past slot 2",
      30_000,
    );
    observer = await startObserver({ genesisPath, bootnodes: bootnodes() });
    await waitFor(
      () => (observer?.connectedPeers().length ?? 0) >= 2,
      "observer connected to both nodes",
      10_000,
    );
  }, 60_000);

  afterAll(async () => {
    await observer?.stop();
    for (const { node } of nodes) await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const bootnodes = () => nodes.map(({ node }) => node.p2p.listenMultiaddrs()[0] as string);

  it("relays none of the rogue's messages, graylists it and keeps running", async () => {
    const seen = observer!;
    const headBefore = Math.min(...nodes.map(({ node }) => node.beacon.head().slot));
    const rogue = await startRoguePeer({ genesisPath, bootnodes: bootnodes(), seed: 16, ratePerSecond: 100 });
    seen.exclude(rogue.peerId);
    await sleep(6000);
    const report = await rogue.stop();
    await sleep(1500); // anything relayed has reached the observer by now

    // The attack happened: every kind on every topic, and every req/resp protocol.
    const topicCount = GLOBAL_TOPIC_KINDS.length + 2 * SHARD_TOPIC_KINDS.length;
    expect(Object.keys(report.gossipSent)).toHaveLength(topicCount);
    for (const [topic, perKind] of Object.entries(report.gossipSent))
      for (const kind of GOSSIP_ATTACK_KINDS)
        expect(perKind[kind] ?? 0, `${topic} ${kind}`).toBeGreaterThan(0);
    expect(Object.keys(report.reqresp).sort()).toEqual(
      [
        "beacon_blocks_by_range",
        "peer_exchange",
        "receipts_by_range",
        "shard_blocks_by_range",
        "shard_state_snapshot",
        "status",
      ].sort(),
    );
    expect(report.connections.connected).toBeGreaterThanOrEqual(2);

    // The observer hears the honest traffic (so it would hear a relayed rogue message) ...
    expect(seen.receivedPerTopic().beacon_block ?? 0).toBeGreaterThan(0);
    // ... and none of the rogue's payloads.
    expect(relayedRoguePayloads(report, seen.received())).toEqual([]);

    // Both nodes graylisted and dropped the rogue.
    for (const { api } of nodes) {
      const standing = await fetchPeerStanding(api, report.peerId);
      expect(standing.score).toBeLessThan(-8000);
      expect(rogueWasPenalised(standing), JSON.stringify(standing)).toBe(true);
    }
    expect(report.connectedAtStop).toEqual([]);

    // No node crashed or stalled: both still import blocks and serve their API.
    await waitFor(
      () => nodes.every(({ node }) => node.beacon.head().slot >= headBefore + 3),
      "both nodes importing blocks after the attack",
      30_000, // 30 slots of 1 s: generous on a loaded machine
    );
    for (const { api } of nodes) expect((await fetch(`${api}/v1/node/live`)).status).toBe(200);
    // The rogue's messages did reach the validators, on every topic (not only the rogue's opening bytes).
    for (const { api } of nodes) {
      const metrics = await (await fetch(`${api}/metrics`)).text();
      for (const topic of Object.keys(report.gossipSent))
        expect(metrics, `${api} rejected nothing on ${topic}`).toMatch(
          new RegExp(`shardnet_gossip_messages_validated_total\\{topic="${topic}",result="reject"\\} [1-9]`),
        );
    }
    console.log(
      `rogue report: ${report.gossipSentTotal} gossip messages (${report.gossipUnrouted} unrouted), req/resp ${JSON.stringify(
        Object.fromEntries(
          Object.entries(report.reqresp).map(([p, c]) => [p, [c.sent, c.answered, c.refused, c.failed]]),
        ),
      )}, observer saw ${JSON.stringify(seen.receivedPerTopic())}`,
    );
  }, 60_000);
});

/**
 * The check above can fail: between the rogue and the observer stands a relay that accepts every message
 * (validation off), and the observer then receives the rogue's payloads.
 */
describe("the relay check", () => {
  const dir = mkdtempSync(join(tmpdir(), "rogue-relay-"));
  const genesisPath = join(dir, "genesis.json");
  let relay: P2pNode | undefined;
  let observer: Observer | undefined;

  afterAll(async () => {
    await observer?.stop();
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sees rogue payloads relayed by a node that validates nothing", async () => {
    writeFileSync(
      genesisPath,
      JSON.stringify(
        buildDevGenesis({ validators: 8, shards: 2, preset: "local", genesisDelaySec: 0, devAccounts: 4 }),
      ),
    );
    const loaded = loadGenesisFile(genesisPath);
    const open = await createP2pNode({
      listen: ["/ip4/127.0.0.1/tcp/0"],
      forkDigest: loaded.forkDigest,
      shardCount: 2,
      targetPeers: 0,
    });
    relay = open;
    for (const kind of [...GLOBAL_TOPIC_KINDS, ...SHARD_TOPIC_KINDS])
      open.registerTopicHandler<Uint8Array>(kind, {
        maxBytes: 20 * 1024 * 1024,
        decode: (b) => b,
        validate: () => "accept",
      });
    open.subscribeGlobalTopics();
    open.setTrackedShards([0, 1]);
    const address = open.listenMultiaddrs()[0] as string;
    observer = await startObserver({ genesisPath, bootnodes: [address] });
    await waitFor(
      () => open.gossip.meshPeers({ kind: "beacon_block" }).length > 0,
      "observer in the relay's mesh",
      10_000,
    );
    const rogue = await startRoguePeer({
      genesisPath,
      bootnodes: [address],
      seed: 7,
      ratePerSecond: 50,
      requestsPerSecond: 5,
    });
    observer.exclude(rogue.peerId);
    await sleep(1500);
    const report = await rogue.stop();
    await sleep(500);
    expect(relayedRoguePayloads(report, observer.received()).length).toBeGreaterThan(0);
  }, 30_000);
});
