import { getBls, interopSecretKey } from "@shardnet/crypto";
import { type GossipTopic, type P2pNode, topicName } from "@shardnet/p2p";
import { ChainView } from "./chainView.js";
import {
  buildAttack,
  GOSSIP_ATTACK_KINDS,
  type GossipAttackKind,
  oversizeBreaksStream,
  type PayloadContext,
} from "./gossipPayloads.js";
import { attackerNode, currentSlot, loadTargetNetwork, type TargetNetwork } from "./network.js";
import { AttackRandom } from "./random.js";
import { ReportBuilder, type RogueReport } from "./report.js";
import { ReqRespFlood } from "./reqrespFlood.js";

export interface RoguePeerOptions {
  /** The network's genesis file: topic names, genesis hash and slot clock come from it. */
  genesisPath: string;
  /** Multiaddrs `/ip4/127.0.0.1/tcp/<port>/p2p/<id>` of the honest nodes to attack. */
  bootnodes: string[];
  /** Seeds every random choice: the same seed replays the same attack. */
  seed: number;
  /** Gossip messages per second after the opening burst (default 100). */
  ratePerSecond?: number;
  /** Req/resp requests per second over all nodes and protocols (default 100). */
  requestsPerSecond?: number;
  /** Attack kinds to use (default all). */
  kinds?: readonly GossipAttackKind[];
  log?: (msg: string) => void;
}

export interface RoguePeer {
  peerId: string;
  /** Stops the attack (after a last salvo of messages above the wire limit) and reports what was sent. */
  stop(): Promise<RogueReport>;
}

/** How long the rogue waits for the nodes' topic subscriptions before its opening burst. */
const SUBSCRIPTIONS_WAIT_MS = 5000;

/**
 * Starts a libp2p peer (packages/p2p, as a node's) that dials the honest nodes and attacks them: every gossip
 * topic gets every GOSSIP_ATTACK_KINDS kind — first all of them in one burst, so each reaches the validators
 * before the rogue's score collapses, then at `ratePerSecond` — and every req/resp protocol is flooded. The
 * rogue never sends a valid message, so any of its payloads seen relayed is a validation failure.
 */
export async function startRoguePeer(opts: RoguePeerOptions): Promise<RoguePeer> {
  const log = opts.log ?? (() => {});
  const net = loadTargetNetwork(opts.genesisPath);
  const rng = new AttackRandom(opts.seed);
  const p2p = await attackerNode(net, opts.bootnodes);
  const report = new ReportBuilder(p2p.peerId, opts.seed);
  p2p.onPeerEvent((e) => {
    report.connections[e.type]++;
    log(`rogue: ${e.peerId} ${e.type} (${e.peerCount} peers)`);
  });
  const targets = opts.bootnodes.map(peerIdOf);
  const view = new ChainView(net);
  const kinds = opts.kinds ?? GOSSIP_ATTACK_KINDS;
  const ctx = (): PayloadContext => ({
    net,
    view,
    // An interop key far above any validator index: valid signatures of nobody in the registry.
    key: getBls().secretKeyFromBytes(interopSecretKey(2 ** 31 + (opts.seed >>> 0))),
    rng,
    slot: currentSlot(net),
  });
  const gossip = new GossipAttack(p2p, net, kinds, report, ctx, log);

  await waitForSubscribers(p2p, net.topics);
  const firstPeer = p2p.connectedPeers()[0];
  if (firstPeer !== undefined) await view.refresh(p2p, firstPeer);
  log(`rogue ${p2p.peerId}: head slot ${view.beaconHeadSlot}, attacking ${targets.length} nodes`);
  const refresher = setInterval(() => {
    const peer = p2p.connectedPeers()[0];
    if (peer !== undefined) void view.refresh(p2p, peer);
  }, net.preset.SECONDS_PER_SLOT * 1000);

  await gossip.burst();
  gossip.start(opts.ratePerSecond ?? 100);
  const flood = new ReqRespFlood(p2p, net, view, rng.fork(), report, () => targets, {
    requestsPerSecond: opts.requestsPerSecond ?? 100,
    maxInFlight: 64,
    stallMs: 12_000,
    timeoutMs: 3000,
  });
  flood.start();

  let stopped: Promise<RogueReport> | undefined;
  return {
    peerId: p2p.peerId,
    stop: () => {
      stopped ??= (async () => {
        clearInterval(refresher);
        gossip.stop();
        await gossip.finalSalvo();
        await flood.stop();
        const connectedAtStop = p2p.connectedPeers();
        await p2p.stop();
        return report.build(view.probes, connectedAtStop);
      })();
      return stopped;
    },
  };
}

/** The peer id of a `/p2p/<id>` multiaddr. */
function peerIdOf(address: string): string {
  const id = /\/p2p\/([^/]+)$/.exec(address)?.[1];
  if (id === undefined) throw new Error(`bootnode address ${address} needs a /p2p/<peer id> suffix`);
  return id;
}

async function waitForSubscribers(p2p: P2pNode, topics: GossipTopic[]): Promise<void> {
  const deadline = Date.now() + SUBSCRIPTIONS_WAIT_MS;
  while (Date.now() < deadline) {
    if (topics.every((t) => p2p.gossip.topicPeers(t).length > 0)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The gossip half of the attack: which (topic, kind) comes next, building, recording and publishing it. */
class GossipAttack {
  private readonly combos: { topic: GossipTopic; kind: GossipAttackKind }[] = [];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly publishing = new Set<Promise<void>>();

  constructor(
    private readonly p2p: P2pNode,
    private readonly net: TargetNetwork,
    private readonly kinds: readonly GossipAttackKind[],
    private readonly report: ReportBuilder,
    private readonly ctx: () => PayloadContext,
    private readonly log: (msg: string) => void,
  ) {
    for (const topic of net.topics) {
      for (const kind of kinds) {
        // Oversize on a 10 MiB topic exceeds the wire limit and ends the stream: kept for the final salvo.
        if (kind === "oversized" && oversizeBreaksStream(topic.kind)) continue;
        this.combos.push({ topic, kind });
      }
    }
  }

  /** Every (topic, kind) once, all published before any is awaited. */
  async burst(): Promise<void> {
    for (let i = 0; i < this.combos.length; i++) this.sendNext();
    await this.settled();
  }

  start(ratePerSecond: number): void {
    const tickMs = 50;
    const perTick = Math.max(1, Math.round((ratePerSecond * tickMs) / 1000));
    this.timer = setInterval(() => {
      // Never more than a second's worth waiting: a rogue cut off must not pile up memory.
      if (this.publishing.size > ratePerSecond) return;
      for (let i = 0; i < perTick; i++) this.sendNext();
    }, tickMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Oversized messages on the 10 MiB topics, beyond the wire limit: last, since they break the streams. */
  async finalSalvo(): Promise<void> {
    if (!this.kinds.includes("oversized")) return;
    const topics = this.net.topics.filter((t) => oversizeBreaksStream(t.kind));
    for (const topic of topics) this.send(topic, "oversized");
    await this.settled();
    this.log(`rogue: final salvo of ${topics.length} messages above the wire limit sent`);
    await new Promise((r) => setTimeout(r, 300));
  }

  private sendNext(): void {
    const combo = this.combos[this.next++ % this.combos.length];
    if (combo !== undefined) this.send(combo.topic, combo.kind);
  }

  private send(topic: GossipTopic, kind: GossipAttackKind): void {
    let payloads: Uint8Array[];
    try {
      payloads = buildAttack(kind, topic, this.ctx());
    } catch (err) {
      this.log(`rogue: cannot build ${kind} for ${topicName(topic)}: ${(err as Error).message}`);
      return;
    }
    for (const data of payloads) {
      this.report.gossip(topic, kind, data);
      const job = this.p2p
        .publish(topic, data)
        .then((recipients) => {
          if (recipients === 0) this.report.unrouted();
        })
        .catch(() => this.report.unrouted())
        .finally(() => this.publishing.delete(job));
      this.publishing.add(job);
    }
  }

  private async settled(): Promise<void> {
    await Promise.allSettled([...this.publishing]);
  }
}
