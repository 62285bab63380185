import { noise } from "@chainsafe/libp2p-noise";
import { gossipsub, StrictNoSign } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { Libp2p, PeerId, PrivateKey } from "@libp2p/interface";
import { prometheusMetrics } from "@libp2p/prometheus-metrics";
import { tcp } from "@libp2p/tcp";
import { yamux } from "@libp2p/yamux";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";
import type { Registry } from "prom-client";
import { advertisedAddresses, isUnspecifiedAddress } from "./addresses.js";
import { DialBackoff } from "./dialBackoff.js";
import { connectedPeerAddresses, MAX_EXCHANGED_PEERS, newPeerAddresses } from "./discovery.js";
import { P2pConfigError } from "./errors.js";
import {
  asGossipRouter,
  type GossipHandler,
  GossipLayer,
  type GossipRouter,
  messageIdOf,
  messageIdToString,
} from "./gossip.js";
import { P2pMetrics } from "./metrics.js";
import { noiseCrypto } from "./noiseCrypto.js";
import { loadOrCreatePeerKey } from "./peerKey.js";
import {
  DEFAULT_REQRESP_LIMITS,
  protocolId,
  type ReqRespHandler,
  type ReqRespLimits,
  type ReqRespProtocol,
  ReqRespServer,
  type RequestOptions,
  sendRequest,
} from "./reqresp/index.js";
import { peerScoreParams, TESTNET_MESH_PARAMS, TESTNET_SCORE_THRESHOLDS } from "./scoring.js";
import { allTopicStrings, type GossipTopic, type TopicKind } from "./topics.js";

export interface P2pNodeOptions {
  /** Multiaddrs to listen on, e.g. `/ip4/127.0.0.1/tcp/9000` (port 0 picks a free port). */
  listen: string[];
  /**
   * Multiaddrs to advertise instead of the listen addresses (`--p2p-announce`), e.g. the host's public
   * address behind NAT or a container's service address. Without it, a node listening on 0.0.0.0 advertises
   * its non-loopback interface addresses, and one listening on loopback advertises those.
   */
  announce?: string[];
  /** Multiaddrs with `/p2p/<peer id>` of bootstrap peers: dialled at start and re-dialled while disconnected. */
  bootstrap?: string[];
  /** File holding this node's private key (created on first start). Without it the peer id is ephemeral. */
  peerKeyFile?: string;
  /** A key to use instead of a key file. */
  privateKey?: PrivateKey;
  /** Most simultaneous connections (default 50). */
  maxPeers?: number;
  /** Hex fork digest in topic names (derived from the genesis hash by the caller). */
  forkDigest: string;
  /** Number of shards; every topic of every shard gets score parameters. */
  shardCount: number;
  /**
   * prom-client registry for the `shardnet_*` metrics (a private registry if omitted). Pass a dedicated
   * `new Registry()`, not prom-client's global `register`: @libp2p/prometheus-metrics clears the global one.
   */
  registry?: Registry;
  /**
   * Also register libp2p's own metrics (`libp2p_*`, via @libp2p/prometheus-metrics, without default process
   * metrics) on `registry`. Default true when a registry is given. Those metrics are process-global in that
   * package: enable it for one node per process only.
   */
  libp2pMetrics?: boolean;
  /** Largest gossip message accepted from the wire before any handler runs (default 10 MiB). */
  maxGossipMessageBytes?: number;
  /**
   * Peers to look for through peer_exchange (asking connected peers for their peers) while connected to fewer
   * (default min(maxPeers, 16); 0 disables discovery).
   */
  targetPeers?: number;
  /** How often disconnected bootstrap peers are re-dialled and peer discovery runs, ms (default 2000). */
  redialIntervalMs?: number;
  /** How long a graylisted peer is disconnected and refused, ms (default 60 s). */
  graylistBanMs?: number;
  /** Receives errors of background work (dials, handlers) that are not returned to any caller. */
  onError?: (err: unknown, context: string) => void;
  /**
   * Receives what an operator must see (logged at warn): dials that keep failing while this node has no
   * peers, with the reason the dial gave.
   */
  onWarning?: (message: string, context: Record<string, unknown>) => void;
}

/** Most known (peer store) peers re-dialled per redial round while below the peer target. */
const MAX_KNOWN_REDIALS = 8;
/** Redial backoff (DialBackoff): a testnet redials a lost peer within this long once it is reachable again. */
const REDIAL_BASE_MS = 1000;
const REDIAL_MAX_MS = 8000;
/** libp2p's connection monitor pings every connection this often. */
const PING_INTERVAL_MS = 5000;

export type PeerEvent = { type: "connected" | "disconnected"; peerId: string; peerCount: number };

/** Builds and starts a node. The caller must `stop()` it. */
export async function createP2pNode(opts: P2pNodeOptions): Promise<P2pNode> {
  if (!/^[0-9a-fA-F]+$/.test(opts.forkDigest)) {
    throw new P2pConfigError(`forkDigest must be a hex string, got "${opts.forkDigest}"`);
  }
  const listen = opts.listen.map((a) => parseMultiaddr(a, "listen"));
  const announce = parseAnnounceAddresses(opts.announce ?? []);
  const bootstrap = (opts.bootstrap ?? []).map((a) => {
    const ma = parseMultiaddr(a, "bootstrap");
    if (ma.getComponents().find((c) => c.name === "p2p") === undefined) {
      throw new P2pConfigError(`bootstrap multiaddr ${a} needs a /p2p/<peer id> suffix`);
    }
    return ma;
  });
  const privateKey =
    opts.privateKey ??
    (opts.peerKeyFile !== undefined ? await loadOrCreatePeerKey(opts.peerKeyFile) : undefined);
  const banned = new Map<string, number>();
  const isBanned = (peer: PeerId): boolean => {
    const until = banned.get(peer.toString());
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    banned.delete(peer.toString());
    return false;
  };
  const withLibp2pMetrics = opts.libp2pMetrics ?? opts.registry !== undefined;
  const libp2p = await createLibp2p({
    ...(privateKey === undefined ? {} : { privateKey }),
    addresses: {
      listen: listen.map((m) => m.toString()),
      ...(announce.length > 0 ? { announce: announce.map((m) => m.toString()) } : {}),
      announceFilter: (bound: Multiaddr[]) => advertisedAddresses(listen, bound, announce),
    },
    transports: [tcp()],
    connectionEncrypters: [noise({ crypto: noiseCrypto })],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: opts.maxPeers ?? 50 },
    // A connection whose peer stopped answering (a dropped link, not a closed one) is found by a ping and
    // closed, so that redialling starts (default every 10 s; the ping times out after at least 5 s).
    connectionMonitor: { pingInterval: PING_INTERVAL_MS },
    connectionGater: {
      denyDialPeer: isBanned,
      denyInboundEncryptedConnection: isBanned,
      denyOutboundEncryptedConnection: isBanned,
    },
    ...(withLibp2pMetrics && opts.registry !== undefined
      ? { metrics: prometheusMetrics({ registry: opts.registry, collectDefaultMetrics: false }) }
      : {}),
    services: {
      identify: identify(),
      pubsub: gossipsub({
        ...TESTNET_MESH_PARAMS,
        globalSignaturePolicy: StrictNoSign,
        msgIdFn: messageIdOf,
        msgIdToStrFn: messageIdToString,
        asyncValidation: true,
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        maxInboundDataLength: opts.maxGossipMessageBytes ?? 10 * 1024 * 1024,
        scoreParams: peerScoreParams(allTopicStrings(opts.forkDigest, opts.shardCount)),
        scoreThresholds: TESTNET_SCORE_THRESHOLDS,
      }),
    },
  });
  // Created after libp2p: @libp2p/prometheus-metrics clears prom-client's global registry when it starts.
  const metrics = new P2pMetrics(opts.registry);
  const node = new P2pNode(libp2p, asGossipRouter(libp2p.services.pubsub), metrics, opts, bootstrap, banned);
  await node.handleRequests("peer_exchange", (_req, peerId) => connectedPeerAddresses(libp2p, peerId), {
    maxRequestBytes: 0,
    maxResponseChunks: MAX_EXCHANGED_PEERS,
    maxChunkBytes: 512,
    requestsPerSecond: 5,
    burst: 10,
    timeoutMs: 5000,
  });
  node.startBackgroundTasks();
  return node;
}

/**
 * Parses announce addresses (--p2p-announce): each must be dialable, a host (ip4, ip6, dns, dns4, dns6)
 * and a tcp port. Throws P2pConfigError naming the first that is not.
 */
export function parseAnnounceAddresses(texts: readonly string[]): Multiaddr[] {
  return texts.map((text) => {
    const ma = parseMultiaddr(text, "announce");
    const components = ma.getComponents();
    const host = components.find((c) => ["ip4", "ip6", "dns", "dns4", "dns6"].includes(c.name));
    if (host === undefined || !components.some((c) => c.name === "tcp"))
      throw new P2pConfigError(
        `announce address "${text}" must be dialable: /ip4/<address>/tcp/<port> (or /ip6, /dns4, /dns)`,
      );
    if (isUnspecifiedAddress(ma))
      throw new P2pConfigError(`announce address "${text}" is 0.0.0.0 or ::, which no peer can dial`);
    return ma;
  });
}

function parseMultiaddr(text: string, what: string): Multiaddr {
  try {
    return multiaddr(text);
  } catch (err) {
    throw new P2pConfigError(`${what} address "${text}" is not a multiaddr: ${(err as Error).message}`);
  }
}

/** A running libp2p host with gossip (validated), req/resp, peer scoring and metrics. */
export class P2pNode {
  readonly gossip: GossipLayer;
  private readonly servers = new Map<ReqRespProtocol, ReqRespServer>();
  private readonly peerListeners = new Set<(e: PeerEvent) => void>();
  private redialTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private discoveryRound = 0;
  private discovering = false;
  private readonly backoff = new DialBackoff(REDIAL_BASE_MS, REDIAL_MAX_MS);

  constructor(
    readonly libp2p: Libp2p,
    private readonly router: GossipRouter,
    readonly metrics: P2pMetrics,
    private readonly opts: P2pNodeOptions,
    private readonly bootstrap: Multiaddr[],
    private readonly banned: Map<string, number>,
  ) {
    this.gossip = new GossipLayer(router, opts.forkDigest, metrics, opts.onError);
    libp2p.addEventListener("peer:connect", (evt) => {
      this.backoff.connected(evt.detail.toString());
      this.onPeer("connected", evt.detail);
    });
    libp2p.addEventListener("peer:disconnect", (evt) => this.onPeer("disconnected", evt.detail));
    router.addEventListener("gossipsub:heartbeat", () => this.disconnectGraylisted());
  }

  /** Starts bootstrap dialing and discovery (called once by createP2pNode). */
  startBackgroundTasks(): void {
    const tick = (): void => {
      this.redialBootstrap();
      void this.discoverPeers();
    };
    tick();
    this.redialTimer = setInterval(tick, this.opts.redialIntervalMs ?? 2000);
    this.redialTimer.unref();
  }

  /** This node's peer id (base58 string). */
  get peerId(): string {
    return this.libp2p.peerId.toString();
  }

  /** Multiaddrs we advertise (see advertisedAddresses), each with the `/p2p/<peer id>` suffix (usable as a bootstrap address). */
  listenMultiaddrs(): string[] {
    const suffix = `/p2p/${this.peerId}`;
    return this.libp2p.getMultiaddrs().map((m) => {
      const text = m.toString();
      return text.endsWith(suffix) ? text : `${text}${suffix}`;
    });
  }

  connectedPeers(): string[] {
    return this.libp2p.getPeers().map((p) => p.toString());
  }

  peerCount(): number {
    return this.libp2p.getPeers().length;
  }

  /** Subscribes to peer connect/disconnect; returns an unsubscribe function. */
  onPeerEvent(listener: (e: PeerEvent) => void): () => void {
    this.peerListeners.add(listener);
    return () => this.peerListeners.delete(listener);
  }

  /** Dials a peer by multiaddr (with /p2p/ suffix). */
  async dial(address: string): Promise<void> {
    await this.libp2p.dial(parseMultiaddr(address, "dial"));
  }

  async hangUp(peerId: string): Promise<void> {
    const peer = this.libp2p.getPeers().find((p) => p.toString() === peerId);
    if (peer !== undefined) await this.libp2p.hangUp(peer);
  }

  // --- gossip -------------------------------------------------------------------------------------------------

  registerTopicHandler<T>(kind: TopicKind, handler: GossipHandler<T>): void {
    this.gossip.registerHandler(kind, handler);
  }

  subscribe(topic: GossipTopic): void {
    this.gossip.subscribe(topic);
  }

  unsubscribe(topic: GossipTopic): void {
    this.gossip.unsubscribe(topic);
  }

  subscribeGlobalTopics(): void {
    this.gossip.subscribeGlobalTopics();
  }

  setTrackedShards(shards: number[]): void {
    this.gossip.setTrackedShards(shards);
  }

  /** Publishes on gossip; see GossipLayer.publish for `retryable`. */
  publish(topic: GossipTopic, data: Uint8Array, opts?: { retryable?: boolean }): Promise<number> {
    return this.gossip.publish(topic, data, opts);
  }

  // --- scoring ------------------------------------------------------------------------------------------------

  /** Gossipsub score of a peer (0 for unknown peers). */
  peerScore(peerId: string): number {
    return this.router.getScore(peerId);
  }

  isGraylisted(peerId: string): boolean {
    return this.router.getScore(peerId) < TESTNET_SCORE_THRESHOLDS.graylistThreshold;
  }

  /** True while a graylisted peer is disconnected and refused. */
  isBanned(peerId: string): boolean {
    return (this.banned.get(peerId) ?? 0) > Date.now();
  }

  /**
   * Disconnects a peer that sent provably bad data over req/resp (a tampered snapshot, an invalid block) and
   * refuses it for graylistBanMs, as a graylisted one. Logged at warn level with the reason.
   */
  async penalize(peerId: string, reason: string): Promise<void> {
    this.banned.set(peerId, Date.now() + (this.opts.graylistBanMs ?? 60_000));
    this.metrics.peersPenalized.inc({ reason: reason.split(" ")[0] ?? reason });
    this.opts.onWarning?.("peer penalised: disconnected and refused for a while", { peer: peerId, reason });
    await this.hangUp(peerId).catch((err: unknown) =>
      this.opts.onError?.(err, `disconnect penalised ${peerId}`),
    );
  }

  // --- req/resp -----------------------------------------------------------------------------------------------

  /** Serves a req/resp protocol. Limits not given come from DEFAULT_REQRESP_LIMITS. */
  async handleRequests(
    protocol: ReqRespProtocol,
    handler: ReqRespHandler,
    limits: Partial<ReqRespLimits> = {},
  ): Promise<void> {
    const server = new ReqRespServer(
      protocol,
      handler,
      { ...DEFAULT_REQRESP_LIMITS, ...limits },
      this.metrics,
    );
    this.servers.set(protocol, server);
    await this.libp2p.handle(
      protocolId(protocol),
      (stream, connection) => server.handleStream(stream, connection),
      {
        force: true,
      },
    );
  }

  /** Sends a request and returns the success chunks; throws ReqRespError (code, message) on any failure. */
  request(
    peerId: string,
    protocol: ReqRespProtocol,
    request: Uint8Array,
    opts: RequestOptions = {},
  ): Promise<Uint8Array[]> {
    return sendRequest(this.libp2p, this.metrics, peerId, protocol, request, opts);
  }

  // --- lifecycle ----------------------------------------------------------------------------------------------

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.redialTimer);
    await this.libp2p.stop();
  }

  private onPeer(type: PeerEvent["type"], peer: PeerId): void {
    const peerCount = this.peerCount();
    this.metrics.peers.set(peerCount);
    if (type === "disconnected") for (const s of this.servers.values()) s.forgetPeer(peer.toString());
    const event: PeerEvent = { type, peerId: peer.toString(), peerCount };
    for (const listener of this.peerListeners) {
      try {
        listener(event);
      } catch (err) {
        this.opts.onError?.(err, "peer event listener");
      }
    }
  }

  /**
   * Re-dials disconnected bootstrap peers, and while this node has fewer peers than it looks for, peers it
   * has known (peer store, at most MAX_KNOWN_REDIALS per round) too: each with its own exponential backoff
   * (DialBackoff). Known peers matter after a partition heals: peer_exchange only names peers a neighbour is
   * connected to, so without them the two sides would find each other only through the bootstrap node.
   */
  private redialBootstrap(): void {
    if (this.stopped) return;
    const connected = new Set(this.connectedPeers());
    const isolated = connected.size === 0;
    const dialled = new Set<string>();
    for (const ma of this.bootstrap) {
      const id = ma.getComponents().find((c) => c.name === "p2p")?.value;
      if (id === undefined || id === this.peerId || connected.has(id) || this.isBanned(id)) continue;
      dialled.add(id);
      this.dialWithBackoff(id, ma, "bootstrap", isolated);
    }
    if (!isolated && connected.size >= this.targetPeers()) return;
    void this.libp2p.peerStore
      .all()
      .then((peers) => {
        let dials = 0;
        for (const peer of peers) {
          const id = peer.id.toString();
          if (
            id === this.peerId ||
            connected.has(id) ||
            dialled.has(id) ||
            this.isBanned(id) ||
            peer.addresses.length === 0 ||
            !this.backoff.due(id, Date.now())
          )
            continue;
          if (dials++ >= MAX_KNOWN_REDIALS) break;
          this.dialWithBackoff(id, peer.id, "known", isolated);
        }
      })
      .catch((err: unknown) => this.opts.onError?.(err, "read the peer store"));
  }

  /** How many peers discovery looks for (targetPeers, default min(maxPeers, 16)). */
  private targetPeers(): number {
    return this.opts.targetPeers ?? Math.min(this.opts.maxPeers ?? 50, 16);
  }

  private dialWithBackoff(id: string, target: Multiaddr | PeerId, kind: string, isolated: boolean): void {
    const now = Date.now();
    if (!this.backoff.due(id, now)) return;
    this.libp2p.dial(target).catch((err: unknown) => {
      if (this.stopped) return;
      this.metrics.dialFailures.inc({ kind });
      const failures = this.backoff.failed(id, Date.now());
      this.opts.onError?.(err, `dial ${kind} peer ${id}`);
      // While isolated, say why at warn level: on the 1st, 2nd, 4th, 8th, … failure of each peer.
      if (isolated && (failures & (failures - 1)) === 0) {
        this.opts.onWarning?.("no peers, and a dial failed: retrying with backoff", {
          peer: id,
          kind,
          failures,
          reason: err instanceof Error ? err.message : String(err),
        });
      }
    });
  }

  /** Asks one connected peer (round robin) for its peers and dials the ones we lack, up to targetPeers. */
  private async discoverPeers(): Promise<void> {
    const target = this.targetPeers();
    const peers = this.connectedPeers();
    if (this.discovering || this.stopped || peers.length === 0 || peers.length >= target) return;
    this.discovering = true;
    try {
      const asked = peers[this.discoveryRound++ % peers.length]!;
      const chunks = await this.request(asked, "peer_exchange", new Uint8Array(0), {
        timeoutMs: 3000,
        maxResponseChunks: MAX_EXCHANGED_PEERS,
        maxChunkBytes: 512,
      });
      const fresh = newPeerAddresses(chunks, this.peerId, new Set(this.connectedPeers()));
      const wanted = target - this.peerCount();
      await Promise.all(
        fresh.slice(0, Math.max(0, wanted)).map((peer) =>
          this.libp2p.dial(peer.addresses.map((a) => multiaddr(a))).catch((err: unknown) => {
            if (this.stopped) return;
            this.metrics.dialFailures.inc({ kind: "discovered" });
            this.opts.onError?.(err, `dial discovered peer ${peer.peerId} at ${peer.addresses.join(", ")}`);
          }),
        ),
      );
    } catch (err) {
      if (!this.stopped) this.opts.onError?.(err, "peer discovery");
    } finally {
      this.discovering = false;
    }
  }

  /** Disconnects peers whose score fell below the graylist threshold and refuses them for graylistBanMs. */
  private disconnectGraylisted(): void {
    const banMs = this.opts.graylistBanMs ?? 60_000;
    for (const peer of this.libp2p.getPeers()) {
      const id = peer.toString();
      if (this.router.getScore(id) >= TESTNET_SCORE_THRESHOLDS.graylistThreshold) continue;
      this.banned.set(id, Date.now() + banMs);
      this.metrics.peersPenalized.inc({ reason: "gossip_score" });
      this.libp2p
        .hangUp(peer)
        .catch((err: unknown) => this.opts.onError?.(err, `disconnect graylisted ${id}`));
    }
  }
}
