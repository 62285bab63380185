import { dirname, join } from "node:path";
import type { ValueOf } from "@chainsafe/ssz";
import {
  computeEpochAtSlot,
  DepositTransaction,
  type DepositTransactionValue,
  registeredIndex,
  SignedShardBlock,
  SignedVoluntaryExit,
  type SignedVoluntaryExitValue,
  VerifiedTxCache,
} from "@shardnet/consensus";
import { type BlsBackend, type BlsSecretKey, bytesToHex, hexToBytes } from "@shardnet/crypto";
import { createP2pNode, type P2pNode } from "@shardnet/p2p";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { EventHub } from "./api/events.js";
import { loadExplorerAssets, registerExplorerAssets } from "./api/explorerAssets.js";
import { registerNodeRoutes } from "./api/nodeRoutes.js";
import { createApiServer } from "./api/server.js";
import { restartAnchorLimit } from "./chain/anchorStore.js";
import { BeaconChain } from "./chain/beaconChain.js";
import { pruneHistory } from "./chain/historyPruning.js";
import { OperationPools, type SlashingMessage } from "./chain/pools.js";
import { persistShardAnchors } from "./chain/shardAnchors.js";
import { ShardChain } from "./chain/shardChain.js";
import { type ExitRefusal, VoluntaryExitPool } from "./chain/voluntaryExitPool.js";
import { SlotClock } from "./clock/slotClock.js";
import { NodeDb } from "./db/nodeDb.js";
import { DepositService, type DepositSubmission } from "./deposits/depositService.js";
import type { LoadedGenesis } from "./genesisLoader.js";
import { assessHealth, type NodeHealth, type ShardSyncState } from "./health.js";
import { chainViewReader } from "./metrics/chainView.js";
import type { NodeMetrics } from "./metrics/nodeMetrics.js";
import { EvidencePublisher } from "./network/evidencePublisher.js";
import { registerGossipHandlers } from "./network/gossipHandlers.js";
import { ReceiptRelay } from "./receipts/receiptRelay.js";
import { backfillBeaconBlocks } from "./sync/backfill.js";
import { checkpointSync } from "./sync/checkpointSync.js";
import { SyncService } from "./sync/syncService.js";
import { TxJournal } from "./tx/txJournal.js";
import { TxService } from "./tx/txService.js";
import { DoppelgangerGuard } from "./validator/doppelgangerGuard.js";
import { SlashingProtection } from "./validator/slashingProtection.js";
import { PendingValidatorKeys, type ValidatorKeys } from "./validator/validatorKeys.js";
import { ValidatorService } from "./validator/validatorService.js";

export interface ShardnetNodeOptions {
  name: string;
  role: "beacon" | "shard";
  loaded: LoadedGenesis;
  dataDir: string;
  apiHost: string;
  apiPort: number;
  p2pHost: string;
  p2pPort: number;
  /** Multiaddrs advertised to peers instead of the listen addresses (--p2p-announce). */
  p2pAnnounce?: string[];
  bootnodes: string[];
  maxPeers: number;
  peerKeyFile: string;
  /** Shards always tracked. */
  shards: number[];
  /** After a checkpoint sync, fetch the older beacon blocks from peers (--backfill). */
  backfill?: boolean;
  /** Blocks and transaction indexes older than this many epochs below finality are deleted (undefined: kept). */
  historyEpochs?: number;
  /** Start an empty database from a finalized checkpoint served by `url` (expected block root: `root`). */
  checkpointSync?: { url: string; root: string | undefined };
  keys: ValidatorKeys;
  /**
   * Validators of `keys` loaded from keystores (--keystores): guarded against signing while the chain shows them
   * signing elsewhere and this database has no history of them (DoppelgangerGuard). Dev keys are not.
   */
  keystoreValidators?: number[];
  /** Keystore keys the registry does not hold yet (deposited, or to be): they join `keys` once registered. */
  unregisteredKeys?: BlsSecretKey[];
  bls: BlsBackend;
  log: Logger;
  metrics: NodeMetrics;
}

/** A transaction that cannot execute (nonce gap, balance) leaves the mempool after this many epochs. */
export const MEMPOOL_MAX_WAIT_EPOCHS = 4;

/** Beacon contexts kept below what the shard chains' anchors need (range sync starts an epoch lower). */
export const CONTEXT_MARGIN_EPOCHS = 2;

/** One running node: database, chains, p2p, sync, validator duties, HTTP API and the slot clock. */
export class ShardnetNode {
  readonly shardChains = new Map<number, ShardChain>();
  private readonly parked = new Map<string, { shard: number; block: SignedShardBlock }>();
  /**
   * Transactions whose Ed25519 signature verified on this node: API admission, gossip batches, every shard's
   * mempool, block production and import share it, so each transaction is verified once (bounded LRU).
   */
  private readonly verifiedTxs = new VerifiedTxCache();
  private clock!: SlotClock;
  private api!: FastifyInstance;
  p2p!: P2pNode;
  sync!: SyncService;
  validators!: ValidatorService;
  pools!: OperationPools;
  /** Slashing protection of the hosted validators (read by tests and the doppelganger check). */
  protection!: SlashingProtection;
  private guard!: DoppelgangerGuard;
  /** Signed voluntary exits waiting for a beacon proposer (API and gossip). */
  readonly exits = new VoluntaryExitPool();
  private readonly pendingKeys: PendingValidatorKeys;
  /** Deposit transactions on their way to a shard block, and the proofs the beacon proposer registers them by. */
  deposits!: DepositService;
  txs!: TxService;
  receipts!: ReceiptRelay;
  /** The receipt pull under way (pullReceipts), if any. */
  private receiptPull: Promise<void> | undefined;
  private evidence!: EvidencePublisher;
  readonly events = new EventHub();
  private crosslinkCounts: number[] = [];
  private stopping = false;
  private backfillDone: Promise<void> = Promise.resolve();
  /** Shard anchor writes, one finalized checkpoint after another (stop() waits for them). */
  private shardAnchorWrites: Promise<void> = Promise.resolve();

  private constructor(
    readonly opts: ShardnetNodeOptions,
    readonly db: NodeDb,
    readonly beacon: BeaconChain,
  ) {
    this.pendingKeys = new PendingValidatorKeys(opts.unregisteredKeys ?? []);
    if (this.pendingKeys.size > 0)
      opts.log.info(
        { keys: this.pendingKeys.size },
        "hosting keystore keys the registry does not hold yet: they start validating once a deposit registers them",
      );
  }

  static async start(opts: ShardnetNodeOptions): Promise<ShardnetNode> {
    const { loaded, log, metrics, bls } = opts;
    const db = await NodeDb.open(opts.dataDir, loaded.hashHex);
    try {
      if (opts.checkpointSync)
        await checkpointSync(db, loaded.genesis, opts.checkpointSync.url, opts.checkpointSync.root, log);
      const { preset } = loaded.genesis;
      // The newest beacon anchor that still lets every stored shard chain verify the blocks above its anchor.
      const anchorSlotLimit = await restartAnchorLimit(
        db,
        preset.SHARD_COUNT,
        CONTEXT_MARGIN_EPOCHS * preset.SLOTS_PER_EPOCH,
      );
      const beacon = await BeaconChain.open(loaded.genesis, db, log, metrics, bls, { anchorSlotLimit });
      const node = new ShardnetNode(opts, db, beacon);
      await node.startServices();
      return node;
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  private get preset() {
    return this.beacon.preset;
  }

  private async startServices(): Promise<void> {
    const { opts, beacon } = this;
    const { log, metrics } = opts;
    this.crosslinkCounts = new Array(this.preset.SHARD_COUNT).fill(0);
    this.clock = new SlotClock(opts.loaded.genesis.genesisTime, this.preset.SECONDS_PER_SLOT);
    this.pools = new OperationPools(opts.bls, 2 * this.preset.SLOTS_PER_EPOCH);

    this.p2p = await createP2pNode({
      listen: [`/ip4/${opts.p2pHost}/tcp/${opts.p2pPort}`],
      announce: opts.p2pAnnounce ?? [],
      bootstrap: opts.bootnodes,
      peerKeyFile: opts.peerKeyFile || join(dirname(opts.dataDir), "peer.key"),
      maxPeers: opts.maxPeers,
      forkDigest: opts.loaded.forkDigest,
      shardCount: this.preset.SHARD_COUNT,
      registry: metrics.registry,
      onError: (err, context) => log.debug({ context, err: (err as Error).message }, "p2p background error"),
      onWarning: (message, context) => log.warn(context, message),
    });
    this.evidence = new EvidencePublisher(this.p2p, log);

    this.sync = new SyncService({
      p2p: this.p2p,
      beacon,
      shards: () => this.shardChains,
      genesisHashHex: opts.loaded.hashHex,
      metrics,
      log,
      currentSlot: () => this.clock.currentSlot(),
      retryParked: () => this.retryParked(),
    });
    await this.sync.registerHandlers();
    this.txs = new TxService(
      beacon,
      () => this.shardChains,
      this.p2p,
      log,
      () => this.clock.currentSlot(),
      (slot) => this.clock.slotStartMs(slot),
      new TxJournal(this.db),
      { metrics, signatures: this.verifiedTxs },
    );
    this.txs.onStatusChange((view) =>
      this.events.publish("transaction", { ...view, hash: `0x${view.hash}` }, view.hash),
    );
    this.receipts = new ReceiptRelay(beacon, () => this.shardChains, this.p2p, log);
    await this.receipts.registerHandler();

    this.deposits = new DepositService({ beacon, shards: () => this.shardChains, log });
    const protection = new SlashingProtection(this.db);
    this.protection = protection;
    this.guard = new DoppelgangerGuard(opts.keystoreValidators ?? [], log);
    const guard = this.guard;
    this.validators = new ValidatorService({
      keys: opts.keys,
      beacon,
      shards: () => this.shardChains,
      pools: this.pools,
      protection,
      guard,
      metrics,
      log,
      publish: {
        beaconBlock: (b) => this.publish({ kind: "beacon_block" }, b),
        shardBlock: (shard, b) => this.publish({ kind: "shard_block", shard }, b),
        attestation: (shard, b) => this.publish({ kind: "shard_attestation", shard }, b),
        aggregate: (b) => this.publish({ kind: "beacon_aggregate" }, b),
        crosslinkCandidate: (b) => this.publish({ kind: "crosslink" }, b),
      },
      voluntaryExits: (pre) => this.exits.forBlock(pre),
      deposits: this.deposits,
      onOwnAttestation: (att, validatorIndex) => {
        beacon.onAttestation(validatorIndex, bytesToHex(att.data.beaconBlockRoot), att.data.target.epoch);
        const stake = beacon.head().state.epochCtx.stakes[validatorIndex] ?? 0n;
        this.shardChains
          .get(att.data.shard)
          ?.onAttestation(validatorIndex, bytesToHex(att.data.shardBlockRoot), stake, att.data.slot);
      },
    });

    beacon.onEvent((e) => {
      if (e.type === "crosslink") {
        const shard = e.crosslink.shard;
        this.crosslinkCounts[shard] = (this.crosslinkCounts[shard] ?? 0) + 1;
        metrics.crosslinksTotal.inc({ shard: String(shard) });
        const shardSlotStart = this.clock.slotStartMs(e.crosslink.slot);
        const beaconSlotStart = this.clock.slotStartMs(e.blockSlot);
        metrics.crosslinkLatencySeconds.observe(
          { shard: String(shard) },
          Math.max(0, beaconSlotStart - shardSlotStart) / 1000,
        );
        log.info(
          {
            slot: e.blockSlot,
            shard,
            shardSlot: e.crosslink.slot,
            root: bytesToHex(e.crosslink.shardBlockRoot),
          },
          "crosslink",
        );
        this.events.publish("crosslink", {
          shard,
          slot: e.crosslink.slot,
          shardBlockRoot: `0x${bytesToHex(e.crosslink.shardBlockRoot)}`,
          beaconSlot: e.blockSlot,
          beaconBlockRoot: `0x${e.blockRoot}`,
        });
      }
      if (e.type === "head") {
        this.registerPendingKeys();
        this.onBeaconHead();
        this.retryParked();
        this.events.publish("head", { slot: e.slot, root: `0x${e.root}` });
      }
      if (e.type === "justified") {
        this.events.publish("justified", {
          epoch: e.checkpoint.epoch,
          root: `0x${bytesToHex(e.checkpoint.root)}`,
        });
      }
      if (e.type === "finalized") {
        const root = bytesToHex(e.checkpoint.root);
        const { historyEpochs } = opts;
        this.shardAnchorWrites = this.shardAnchorWrites
          .then(() => persistShardAnchors(beacon, this.shardChains.values(), root, log))
          .then(() =>
            historyEpochs === undefined
              ? undefined
              : pruneHistory(beacon, this.shardChains.values(), e.checkpoint.epoch, historyEpochs, log),
          );
        this.events.publish("finalized", {
          epoch: e.checkpoint.epoch,
          root: `0x${bytesToHex(e.checkpoint.root)}`,
        });
      }
      // Head: this.onBeaconHead() above advanced the transactions' crosslink watermarks.
      if (e.type === "finalized") this.txs.onFinalized();
      if (e.type === "proposer_slashing") this.publishSlashing({ proposerSlashings: [e.evidence] });
      if (e.type === "orphaned")
        for (const chain of this.shardChains.values()) chain.onBeaconOrphaned(e.roots);
    });

    await this.updateTrackedShards(this.clock.currentSlot());
    const journal = await this.txs.readmitJournal();
    if (journal.readmitted + journal.forgotten > 0)
      log.info(journal, "re-admitted journaled transactions (accepted through the API before a restart)");
    this.p2p.subscribeGlobalTopics();
    registerGossipHandlers({
      p2p: this.p2p,
      beacon,
      shards: () => this.shardChains,
      pools: this.pools,
      metrics,
      log,
      currentSlot: () => this.clock.currentSlot(),
      requestSync: (peer) => this.sync.trigger(peer),
      parkShardBlock: (shard, block) => this.park(shard, block),
      txs: this.txs,
      receipts: this.receipts,
      publishSlashing: (evidence) => this.publishSlashing({ attesterSlashings: [evidence] }),
      addVoluntaryExit: (signed) => this.addVoluntaryExit(signed),
      addDeposit: (tx) => this.deposits.add(tx),
    });
    let journalRepublished = false;
    this.p2p.onPeerEvent((e) => {
      if (e.type === "connected" && !journalRepublished) {
        journalRepublished = true;
        // Journaled transactions were re-admitted before any peer was connected: gossip them now (after
        // the peer's subscriptions had a moment to arrive).
        setTimeout(() => {
          void this.txs
            .republishJournaled()
            .then((n) => n > 0 && log.info({ transactions: n }, "republished journaled transactions"))
            .catch((err) =>
              log.warn({ err: (err as Error).message }, "could not republish journaled transactions"),
            );
        }, 2000).unref();
      }
      if (e.type === "connected") {
        void this.sync.exchangeStatus(e.peerId).then((status) => {
          if (status && status.headSlot > beacon.head().slot) this.sync.trigger();
        });
      } else {
        this.sync.forgetPeer(e.peerId);
      }
    });

    metrics.watchCaches(() => this.cacheSizes());
    metrics.watchSignatureChecks(() => ({
      verified: this.verifiedTxs.verifications,
      cached: this.verifiedTxs.hits,
    }));
    metrics.watchChains(
      chainViewReader({ beacon, shards: () => this.shardChains.values(), dbPath: this.db.path }),
    );
    this.api = createApiServer({ host: opts.apiHost, port: opts.apiPort, log, registry: metrics.registry });
    registerNodeRoutes(this.api, this);
    registerExplorerAssets(this.api, loadExplorerAssets());
    this.events.register(this.api, (hash) => this.txs.watch(hash));
    await this.api.listen({ host: opts.apiHost, port: opts.apiPort });

    this.clock.start(
      (tick) => this.onTick(tick.slot, tick.phase),
      (err) => log.error({ err: (err as Error).message }, "slot tick failed"),
    );
    this.sync.trigger();
    if (opts.backfill)
      this.backfillDone = backfillBeaconBlocks({
        p2p: this.p2p,
        db: this.db,
        beacon,
        log,
        stopped: () => this.stopping,
      }).catch((err: Error) => log.warn({ err: err.message }, "backfill failed: it resumes on restart"));
    log.info(
      {
        peerId: this.p2p.peerId,
        api: `http://${opts.apiHost}:${opts.apiPort}`,
        listen: this.p2p.listenMultiaddrs(),
        validators: this.validators.indices.length,
        shards: [...this.shardChains.keys()],
        headSlot: beacon.head().slot,
      },
      "node started",
    );
  }

  private async onTick(slot: number, phase: "propose" | "attest" | "aggregate"): Promise<void> {
    this.opts.metrics.currentSlot.set(slot);
    this.opts.metrics.syncStatus.set(Math.max(0, slot - this.beacon.head().slot));
    if (phase === "propose") {
      await this.updateTrackedShards(slot);
      this.pools.prune(slot);
      this.expireStuckTransactions(slot);
      await this.evidence.retry(slot);
      if (slot % this.preset.SLOTS_PER_EPOCH === 0) this.forgetOldBeaconContexts();
    }
    // Keystore keys wait for a head the node follows before the doppelganger check frees them.
    if (this.guard.pending && phase === "propose" && !this.sync.isSyncing())
      await this.guard.check(this.beacon.headStateAt(slot), this.protection);
    await this.validators.onTick(slot, phase);
    if (phase === "aggregate") {
      this.beacon.updateHead();
      // Prepare the next slot's head state now, in the idle last third: at an epoch boundary this runs the
      // epoch transition off the critical path of the next proposal, import and attestations.
      this.beacon.headStateAt(slot + 1);
      if (slot % 2 === 0) this.pullReceipts();
      if (this.sync.isSyncing() || slot % 4 === 0) this.sync.trigger();
    }
  }

  /**
   * Bounds the beacon contexts of pruned blocks by what the shard chains still need: contexts below the
   * oldest beacon block a tracked shard's crosslinked anchor builds on, less a margin for range sync (which
   * refetches from an epoch below the anchor), are forgotten.
   */
  private forgetOldBeaconContexts(): void {
    let needed = this.beacon.finalizedCheckpoint().epoch * this.preset.SLOTS_PER_EPOCH;
    for (const chain of this.shardChains.values()) {
      const anchorSlot = chain.anchorBeaconSlot();
      if (anchorSlot === undefined) return; // unknown: keep everything this time
      needed = Math.min(needed, anchorSlot);
    }
    this.beacon.forgetContextsBelow(needed - CONTEXT_MARGIN_EPOCHS * this.preset.SLOTS_PER_EPOCH);
  }

  /** Drops what waited MEMPOOL_MAX_WAIT_EPOCHS on a nonce gap or a balance; it gets a terminal status. */
  private expireStuckTransactions(slot: number): void {
    const maxWait = MEMPOOL_MAX_WAIT_EPOCHS * this.preset.SLOTS_PER_EPOCH;
    for (const chain of this.shardChains.values()) {
      const dropped = chain.mempool.expireStuck(chain.head().state, slot, maxWait);
      if (dropped.length === 0) continue;
      this.opts.log.info({ shard: chain.shard, slot, dropped: dropped.length }, "expired stuck transactions");
      this.txs.onDropped(chain.shard, dropped);
    }
  }

  /** The network's genesis. */
  get genesis() {
    return this.opts.loaded.genesis;
  }

  /** The API's base URL, with the port the system chose when --api-port is 0. */
  apiUrl(): string {
    const address = this.api.server.address();
    const port = address !== null && typeof address === "object" ? address.port : this.opts.apiPort;
    return `http://${this.opts.apiHost}:${port}`;
  }

  /** Checks a voluntary exit against the head state at the current slot and pools it; why not, or null. */
  private addVoluntaryExit(signed: SignedVoluntaryExitValue): ExitRefusal | null {
    return this.exits.add(this.beacon.headStateAt(this.clock.currentSlot()), signed);
  }

  /**
   * A voluntary exit sent to the API: pooled for this node's proposals and gossiped on `voluntary_exit`. The pool
   * is memory only: after a restart before its inclusion, the exit is sent again.
   */
  submitVoluntaryExit(signed: SignedVoluntaryExitValue): ExitRefusal | null {
    const refused = this.addVoluntaryExit(signed);
    if (refused === null) this.publish({ kind: "voluntary_exit" }, SignedVoluntaryExit.serialize(signed));
    return refused;
  }

  /** Hosted keystore keys the head's registry now holds start validating under their index. */
  private registerPendingKeys(): void {
    if (this.pendingKeys.size === 0) return;
    const head = this.beacon.head().state;
    const { state } = head;
    const indexOf = (pubkeyHex: string) => registeredIndex(head, hexToBytes(pubkeyHex));
    for (const index of this.pendingKeys.resolve(indexOf, this.opts.keys)) {
      const v = state.validators.getReadonly(index);
      this.opts.log.info(
        { validator: index, activationEpoch: v.activationEpoch },
        "a hosted keystore key is registered (its deposit was processed): it validates from its activation epoch",
      );
    }
  }

  /** A deposit transaction sent to the API: checked, pooled for the shard proposers and gossiped on `deposit`. */
  submitDeposit(tx: DepositTransactionValue): DepositSubmission {
    const result = this.deposits.add(tx);
    if ("status" in result && result.status === "pooled")
      this.publish({ kind: "deposit" }, DepositTransaction.serialize(tx));
    return result;
  }

  /** Gossips one piece of evidence this node detected on the `slashing` topic (retried until a peer has it). */
  private publishSlashing(evidence: Partial<ValueOf<typeof SlashingMessage>>): void {
    void this.evidence.publish(evidence, this.clock.currentSlot());
  }

  private publish(topic: Parameters<P2pNode["publish"]>[0], bytes: Uint8Array): void {
    void this.p2p
      .publish(topic, bytes)
      .catch((err) => this.opts.log.debug({ err: (err as Error).message }, "publish failed"));
  }

  /** Tracks --shards plus the shards the hosted validators serve this period and the next. */
  private async updateTrackedShards(slot: number): Promise<void> {
    const wanted = new Set(this.opts.shards);
    for (const s of this.validators.assignedShards(slot)) wanted.add(s);
    let changed = false;
    for (const shard of wanted) {
      if (this.shardChains.has(shard) || shard >= this.preset.SHARD_COUNT) continue;
      const chain = await ShardChain.open(
        shard,
        this.beacon,
        this.db,
        this.opts.log,
        this.opts.metrics,
        this.verifiedTxs,
      );
      this.shardChains.set(shard, chain);
      chain.onEvent((e) => {
        if (e.type === "shard_head") {
          this.events.publish("shard_head", { shard: e.shard, slot: e.slot, root: `0x${e.root}` });
        }
        this.txs.onShardEvent(e);
      });
      changed = true;
      this.opts.log.info({ shard, slot }, "tracking shard");
    }
    if (changed) {
      this.p2p.setTrackedShards([...this.shardChains.keys()]);
      this.onBeaconHead();
      this.sync.trigger();
    }
  }

  /**
   * Asks peers for receipts in the background, one pull at a time. Ticks never overlap, so a pull awaited
   * in a tick held every later duty while a peer did not answer (chaos equivocate in CI: a pull sent just
   * before a partition held the isolated node's ticks, its beacon proposal among them, for 10.6 s).
   */
  private pullReceipts(): void {
    if (this.receiptPull) return;
    this.receiptPull = this.receipts
      .pull()
      .catch((err: Error) => this.opts.log.debug({ err: err.message }, "receipt pull failed"))
      .finally(() => {
        this.receiptPull = undefined;
      });
  }

  /**
   * Moves each shard's fork-choice anchor to the crosslink in the new beacon head state, and its head to the
   * blocks built on the new beacon chain.
   */
  private onBeaconHead(): void {
    // First: the transaction tracker tells the crosslinked branch from forks while the chains still hold
    // the blocks that onCrosslinked prunes.
    this.txs.onBeaconHead();
    for (const chain of this.shardChains.values()) {
      chain.onCrosslinked(chain.beaconHeadCrosslink().rootHex);
      // A new beacon chain may take shard blocks out of (or back into) the head's reach.
      chain.updateHead();
    }
    this.receipts?.onBeaconHead();
  }

  private park(shard: number, block: SignedShardBlock): void {
    const key = `${shard}:${bytesToHex(SignedShardBlock.fields.message.hashTreeRoot(block.message))}`;
    this.parked.set(key, { shard, block });
    if (this.parked.size > 256) this.parked.delete(this.parked.keys().next().value!);
  }

  private retryParked(): void {
    let progress = true;
    while (progress && this.parked.size > 0) {
      progress = false;
      for (const [key, { shard, block }] of this.parked) {
        const chain = this.shardChains.get(shard);
        if (!chain) continue;
        const result = chain.importBlock(block);
        if (result.status === "unknown_parent" || result.status === "unknown_beacon_block") continue;
        this.parked.delete(key);
        if (result.status === "imported") progress = true;
      }
    }
  }

  /** Entries of every in-memory cache, index and pool of this node, summed over its shard chains. */
  cacheSizes(): Record<string, number> {
    const sizes: Record<string, number> = {
      ...this.beacon.cacheSizes(),
      ...this.pools.cacheSizes(),
      ...this.txs.cacheSizes(),
      ...this.sync.cacheSizes(),
      parked_shard_blocks: this.parked.size,
      verified_tx_hashes: this.verifiedTxs.size,
      slashing_evidence_unsent: this.evidence.size,
      pool_voluntary_exits: this.exits.size,
    };
    for (const chain of this.shardChains.values()) {
      for (const [cache, entries] of Object.entries(chain.cacheSizes()))
        sizes[cache] = (sizes[cache] ?? 0) + entries;
    }
    return sizes;
  }

  /** Healthy only while connected and following the beacon chain and every tracked shard. */
  health(shards = this.shardSyncStates()): NodeHealth {
    return assessHealth({
      peers: this.p2p.peerCount(),
      currentSlot: this.clock.currentSlot(),
      beaconHeadSlot: this.beacon.acknowledged().head.slot,
      bestPeerHeadSlot: this.sync.bestPeerHeadSlot(),
      slotsPerEpoch: this.preset.SLOTS_PER_EPOCH,
      shards,
    });
  }

  private shardSyncStates(): ShardSyncState[] {
    return [...this.shardChains.values()].map((c) => c.syncState()).sort((a, b) => a.shard - b.shard);
  }

  /** What the node reports: heads and checkpoints only as far as they are on disk. */
  status() {
    const { head, justified, finalized } = this.beacon.acknowledged();
    const slot = this.clock.currentSlot();
    const shardSync = this.shardSyncStates();
    return {
      name: this.opts.name,
      role: this.opts.role,
      peerId: this.p2p.peerId,
      listenAddrs: this.p2p.listenMultiaddrs(),
      slot,
      epoch: computeEpochAtSlot(this.preset, Math.max(slot, 0)),
      head: { slot: head.slot, root: `0x${head.root}` },
      justified: { epoch: justified.epoch, root: `0x${bytesToHex(justified.root)}` },
      finalized: { epoch: finalized.epoch, root: `0x${bytesToHex(finalized.root)}` },
      peers: this.p2p.peerCount(),
      trackedShards: [...this.shardChains.keys()].sort((a, b) => a - b),
      validators: this.validators.indices,
      syncing: this.sync.isSyncing(),
      health: this.health(shardSync),
      shardSync,
      shardHeads: [...this.shardChains.values()]
        .map((c) => {
          const acked = c.acknowledgedHead();
          return { shard: c.shard, slot: acked.slot, root: `0x${acked.root}` };
        })
        .sort((a, b) => a.shard - b.shard),
      crosslinkCounts: this.crosslinkCounts,
      // Where this process's beacon chain started: the anchor it loaded and the blocks it replayed above it.
      restoredFrom: { anchorSlot: this.beacon.anchorSlot, replayedBlocks: this.beacon.replayedBlocks },
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.clock.stop();
    this.sync.stop();
    await this.api.close().catch(() => undefined);
    await this.p2p.stop().catch(() => undefined);
    await this.receiptPull;
    await this.beacon.settled().catch(() => undefined);
    await this.shardAnchorWrites;
    await this.backfillDone;
    for (const chain of this.shardChains.values()) await chain.settled().catch(() => undefined);
    await this.db.close().catch(() => undefined);
  }
}
