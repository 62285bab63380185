import {
  type CrosslinkLookup,
  computeDomain,
  createShardGenesisState,
  crosslinkLookupFromList,
  type DepositTransactionValue,
  DOMAIN_SHARD_PROPOSER,
  type DroppedTx,
  type IncomingReceipt,
  Mempool,
  OutboxLog,
  OutboxLogSnapshot,
  processShardBlock,
  produceShardBlock,
  type Receipt,
  ShardBlockError,
  type ShardBlockResult,
  ShardForkChoice,
  type ShardState,
  SignedShardBlock,
  shardBlockRoot,
  shardBlockSigningRoot,
  shardStateFromBytes,
  type Transaction,
  transactionHash,
  VerifiedTxCache,
  verifyShardBlockSignature,
} from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";
import type { Logger } from "pino";
import { type BatchOp, concatKey, type NodeDb, uint64Key } from "../db/nodeDb.js";
import type { ShardSyncState } from "../health.js";
import type { NodeMetrics } from "../metrics/nodeMetrics.js";
import { AckQueue } from "./ackQueue.js";
import { shardAnchorBeaconSlotMeta, shardAnchorMeta } from "./anchorStore.js";
import { type BeaconChain, type BeaconContext, PRUNE_BATCH } from "./beaconChain.js";

type SignedShardBlockValue = SignedShardBlock;

/** A crosslinked shard block: its root (hex) and slot. */
export interface CrosslinkPoint {
  rootHex: string;
  slot: number;
}

export interface ShardBlockEntry {
  root: string;
  slot: number;
  parentRoot: string;
  beaconBlockRoot: string;
  signed: SignedShardBlockValue | undefined;
  state: ShardState;
  txHashes: string[];
  /** Receipts the block appended to its outboxes (logged once it is crosslinked). */
  receiptsSent: Receipt[];
}

export interface TxInclusion {
  slot: number;
  root: string;
  receipt?: { dest: number; seq: number; amount: bigint };
}

export type ShardImportResult =
  | { status: "imported"; root: string; persisted?: Promise<void> }
  | { status: "known"; root: string }
  | { status: "unknown_parent"; root: string; parentRoot: string }
  | { status: "unknown_beacon_block"; root: string; beaconBlockRoot: string }
  | { status: "invalid"; root: string; reason: string; message: string };

export type ShardChainEvent =
  | { type: "shard_head"; shard: number; root: string; slot: number }
  | { type: "shard_block"; shard: number; root: string; slot: number; txHashes: string[] }
  /**
   * Transactions the mempool dropped because the new head used their nonces: the ones it included, and
   * any that lost their nonce to another transaction (TxService tells them apart by their inclusion).
   */
  | { type: "txs_dropped"; shard: number; dropped: DroppedTx[] }
  /** A beacon reorg took the chain back to an older crosslink at `slot`: inclusions above it are open again. */
  | { type: "crosslink_reverted"; shard: number; slot: number }
  /**
   * Transactions of blocks a head switch abandoned, back in the mempool. Peers may never have seen them (the
   * other side of a healed partition, or a branch that finality orphaned), so they are gossiped again.
   */
  | { type: "txs_readmitted"; shard: number; transactions: Transaction[] };

const SHARD_KEY = (shard: number) => uint64Key(shard);
/**
 * Epochs of crosslinked states remembered after they leave `blocks` (one per epoch), until the beacon chain
 * finalizes a crosslink at or above one and it becomes the restart anchor (finality trails the head's
 * crosslink by a few epochs; more while finality stalls).
 */
const CROSSLINKED_KEPT = 64;

/** A crosslinked block's state, kept for persistAnchor. */
interface CrosslinkedState {
  slot: number;
  state: ShardState;
  /** Slot of the beacon block it builds on. */
  beaconSlot: number;
  /** A crosslink of the beacon head once (kept beyond one state per epoch: a beacon reorg may go back to it). */
  crosslink?: true;
}
/** Replay of stored blocks: their transactions' signatures were checked before the block was stored. */
/** Fork roots remembered after pruning (a FIFO): far more than one crosslink period prunes. */
const MAX_PRUNED_FORK_ROOTS = 4096;
/** Key of the stored receipt log in `shardStates` (beside the anchor states, keyed by their 32-byte roots). */
const OUTBOX_LOG_KEY = new Uint8Array(32).fill(0xff);
const ALL_VERIFIED = { has: (_hash: string) => true };
/** Withdrawal receipts a proposer proves per block (one Merkle branch each; the rest wait for the next block). */
const MAX_WITHDRAWALS_PER_SHARD_BLOCK = 64;
/**
 * Shard fork choice counts a validator's latest vote for this many epochs (ShardForkChoice): committee
 * members vote every slot, so anything older is from a validator that left the committee or went quiet.
 */
const SHARD_VOTE_WINDOW_EPOCHS = 1;

/**
 * One tracked shard: its blocks since the last crosslink with their post-states, shard fork choice
 * (never leaving the last crosslinked block), the mempool and the receipts waiting to be credited.
 */
export class ShardChain {
  readonly genesisRoot: string;
  private readonly blocks = new Map<string, ShardBlockEntry>();
  forkChoice: ShardForkChoice;
  readonly mempool: Mempool;
  /** Incoming receipts waiting for inclusion, by `${source}:${seq}`. */
  readonly pendingReceipts = new Map<string, IncomingReceipt>();
  private headRoot: string;
  /**
   * Every imported transaction: hash → the blocks that included it (and the receipt it sent). Forks may
   * include one transaction at different slots; at most one of those blocks is canonical.
   */
  private readonly txInclusions = new Map<string, TxInclusion[]>();
  /** Every credited incoming receipt: `${source}:${seq}` → the blocks that credited it. */
  private readonly credits = new Map<string, Array<{ slot: number; root: string }>>();
  private readonly listeners = new Set<(e: ShardChainEvent) => void>();
  private readonly proposerDomain: Uint8Array;
  /** Events, inclusions and the reported head wait here for the write batches of their blocks. */
  private readonly acks: AckQueue;
  /** The head as the API reports it: only what is on disk. */
  private ackedHead: { root: string; slot: number };
  /** Crosslinked blocks' states by root, oldest first (bounded by CROSSLINKED_KEPT and the stored anchor). */
  private readonly crosslinked = new Map<string, CrosslinkedState>();
  /**
   * Head switches so far: a lookup that awaited I/O compares it before and after, so that it never settles
   * what it read on a head that has since changed.
   */
  headChanges = 0;
  /** The latest fork blocks pruned below the crosslink (their index rows are deleted in the background). */
  private readonly prunedForkRoots = new Set<string>();
  /** The anchor this chain was reset to (restart, snapshot) and the beacon slot its blocks above need. */
  private resetAnchor: { root: string; beaconSlot: number } | undefined;
  /**
   * The beacon head's crosslink when a reorg made it older than this chain's anchor and its state was not
   * kept: until sync brings it, the chain does not hold its crosslinked block.
   */
  private revertedAnchor: string | undefined;
  /** Going back to an older crosslink (revertAnchorTo) reads stored blocks: one at a time. */
  private reverting: Promise<void> | undefined;
  /** The crosslink the beacon head named last (onCrosslinked). */
  private toldCrosslink: string | undefined;
  /** Root and slot of the anchor whose state is on disk. */
  private storedAnchorRoot: string | undefined;
  private storedAnchorSlot = 0;
  /** The stored anchor's state (its inbox cursors bound what sources may prune from their logs). */
  private storedAnchorState: ShardState | undefined;
  /**
   * The receipts this shard sent that destinations may not have credited yet, up to the crosslinked block
   * `loggedRoot` (proofs are built from it: the state keeps only outbox accumulators).
   */
  private outboxLog: OutboxLog;
  private loggedRoot: string;
  /** Blocks the last open replayed from the database (those above its anchor). */
  replayedBlocks = 0;
  /** Blocks executed so far, produced or imported (tests: an own block is executed once). */
  executions = 0;
  /** Shard block proposer signatures verified so far (tests: an own block's is never). */
  proposerSignatureChecks = 0;
  /**
   * What `produce` computed for each block it built, keyed by the block object it returned (importOwnBlock).
   * A WeakMap: a produced block that is never imported (slashing protection refused it) leaves with it.
   */
  private readonly ownProduced = new WeakMap<SignedShardBlockValue["message"], ShardBlockResult>();

  private constructor(
    readonly shard: number,
    private readonly beacon: BeaconChain,
    private readonly db: NodeDb,
    private readonly log: Logger,
    private readonly metrics: NodeMetrics,
    /**
     * The transactions whose signatures verified on this node: its mempool admission, block production and
     * block import check signatures through it (the node shares one across its shards and its TxService).
     */
    readonly signatures: VerifiedTxCache,
  ) {
    const { genesis } = beacon;
    const genesisState = createShardGenesisState(shard, genesis.preset.SHARD_COUNT, genesis.accounts);
    this.genesisRoot = bytesToHex(genesisState.latestBlockRoot);
    this.blocks.set(this.genesisRoot, {
      root: this.genesisRoot,
      slot: 0,
      parentRoot: "",
      beaconBlockRoot: beacon.genesisRoot,
      signed: undefined,
      state: genesisState,
      txHashes: [],
      receiptsSent: [],
    });
    this.headRoot = this.genesisRoot;
    this.forkChoice = new ShardForkChoice(
      genesisState.latestBlockRoot,
      0,
      SHARD_VOTE_WINDOW_EPOCHS * genesis.preset.SLOTS_PER_EPOCH,
    );
    this.outboxLog = OutboxLog.fromState(genesisState);
    this.loggedRoot = this.genesisRoot;
    this.mempool = new Mempool({
      shard,
      shardCount: genesis.preset.SHARD_COUNT,
      capacity: 50_000,
      signatures,
    });
    this.proposerDomain = computeDomain(DOMAIN_SHARD_PROPOSER, beacon.networkRoot);
    this.ackedHead = { root: this.genesisRoot, slot: 0 };
    this.acks = new AckQueue((err, what) =>
      what === "write"
        ? this.log.error(
            { shard, err: err.message },
            "the database refused a shard block's write: nothing of it is acknowledged; restart the node",
          )
        : this.log.error({ shard, err: err.message, stack: err.stack }, "shard chain event listener failed"),
    );
  }

  static async open(
    shard: number,
    beacon: BeaconChain,
    db: NodeDb,
    log: Logger,
    metrics: NodeMetrics,
    signatures: VerifiedTxCache = new VerifiedTxCache(),
  ): Promise<ShardChain> {
    const chain = new ShardChain(shard, beacon, db, log.child({ shard }), metrics, signatures);
    await chain.replayFromDb();
    await chain.acks.settled();
    return chain;
  }

  /** The stored anchor state (else genesis), then every stored block above it, in slot order. */
  private async replayFromDb(): Promise<void> {
    const prefix = SHARD_KEY(this.shard);
    const anchorRoot = await this.db.getMeta(shardAnchorMeta(this.shard));
    if (anchorRoot) {
      const bytes = await this.db.get("shardStates", concatKey(prefix, hexToBytes(anchorRoot)));
      if (bytes) {
        const state = shardStateFromBytes(bytes, hexToBytes(anchorRoot));
        const beaconSlot = Number(
          (await this.db.getMeta(shardAnchorBeaconSlotMeta(this.shard))) ?? state.slot,
        );
        this.resetTo(anchorRoot, state, beaconSlot);
        this.storedAnchorRoot = anchorRoot;
        this.storedAnchorSlot = state.slot;
        this.storedAnchorState = state;
        await this.restoreOutboxLog(state);
      }
    }
    const rows = await this.db.range(
      "shardBlockSlots",
      concatKey(prefix, uint64Key(this.head().slot + 1)),
      concatKey(prefix, uint64Key(Number.MAX_SAFE_INTEGER)),
    );
    let replayed = 0;
    for (const [, rootBytes] of rows) {
      const bytes = await this.db.get("shardBlocks", concatKey(prefix, rootBytes));
      if (!bytes) continue;
      // Verified (signatures included) before it was stored: re-executed without signature checks.
      const result = this.importBlock(SignedShardBlock.deserialize(bytes), { persist: false, trusted: true });
      if (result.status === "imported") replayed++;
    }
    this.replayedBlocks = replayed;
    this.log.info(
      {
        shard: this.shard,
        anchorSlot: this.resetAnchor ? this.blocks.get(this.resetAnchor.root)?.slot : 0,
        blocks: replayed,
        headSlot: this.head().slot,
      },
      "shard chain restored from database",
    );
  }

  onEvent(listener: (e: ShardChainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  has(root: string): boolean {
    return this.blocks.has(root);
  }

  get(root: string): ShardBlockEntry | undefined {
    return this.blocks.get(root);
  }

  head(): ShardBlockEntry {
    return this.blocks.get(this.headRoot)!;
  }

  /**
   * Slot of the beacon block the crosslinked anchor builds on: blocks above the anchor build on that one
   * or later ones, so older beacon contexts are no longer needed by this chain (undefined: unknown).
   */
  anchorBeaconSlot(): number | undefined {
    const anchor = this.blocks.get(this.forkChoice.getCrosslinkedRoot());
    return anchor && this.beaconSlotOf(anchor);
  }

  /** Entries of this chain's in-memory maps (shardnet_cache_entries). */
  cacheSizes(): Record<string, number> {
    return {
      shard_blocks: this.blocks.size,
      shard_tx_inclusions: this.txInclusions.size,
      shard_credits: this.credits.size,
      shard_crosslinked_states: this.crosslinked.size,
      shard_pending_receipts: this.pendingReceipts.size,
      shard_outbox_log_receipts: this.outboxLog.size,
      shard_pruned_fork_roots: this.prunedForkRoots.size,
      mempool: this.mempool.size,
    };
  }

  /** The head as far as it is on disk: what the node reports. */
  acknowledgedHead(): { root: string; slot: number } {
    return this.ackedHead;
  }

  /** Resolves once every event and acknowledgement queued so far has been delivered. */
  settled(): Promise<void> {
    return this.acks.settled();
  }

  /** Crosslinks of the beacon state a shard block builds on. */
  crosslinksAt(beacon: BeaconContext): CrosslinkLookup {
    return crosslinkLookupFromList(beacon.crosslinks, {
      source: this.beacon.preset.SHARD_COUNT,
      slot: beacon.slot,
      blockRoot: hexToBytes(beacon.root),
      withdrawalOutboxRoot: beacon.withdrawalOutboxRoot,
    });
  }

  /**
   * Validates and imports a block from gossip, sync or the database. `trusted` (replay of stored blocks only)
   * skips signature checks, which the block passed before it was stored; it is re-executed all the same.
   */
  importBlock(
    signed: SignedShardBlockValue,
    opts: { persist?: boolean; trusted?: boolean } = {},
  ): ShardImportResult {
    return this.importChecked(signed, opts, undefined);
  }

  /**
   * Imports the block `produce` just built here, signed by this node's proposer: it is not executed again
   * (the post-state `produce` computed is the one any importer would compute: same parent state, same
   * transactions, and the header commits to its state root) and neither its proposer signature (signed
   * here a moment ago) nor its transactions' signatures (the mempool verified them) are checked again. Only
   * the very block object `produce` returned takes this path — it is looked up by identity, so a block
   * decoded from gossip, sync or the database never can, whatever its root; anything else is imported
   * with every check. It is persisted and acknowledged exactly as importBlock does (same write batch, same
   * AckQueue).
   */
  importOwnBlock(signed: SignedShardBlockValue): ShardImportResult {
    const produced = this.ownProduced.get(signed.message);
    if (!produced) {
      this.log.warn(
        { shard: this.shard, slot: signed.message.header.slot },
        "own block not produced by this chain: imported with every check",
      );
      return this.importBlock(signed);
    }
    this.ownProduced.delete(signed.message);
    return this.importChecked(signed, {}, produced);
  }

  private importChecked(
    signed: SignedShardBlockValue,
    opts: { persist?: boolean; trusted?: boolean },
    produced: ShardBlockResult | undefined,
  ): ShardImportResult {
    const { header } = signed.message;
    const root = bytesToHex(shardBlockRoot(signed.message));
    if (this.blocks.has(root)) return { status: "known", root };
    if (header.shard !== this.shard) {
      return {
        status: "invalid",
        root,
        reason: "wrong_shard",
        message: `block of shard ${header.shard} sent to shard ${this.shard}`,
      };
    }
    const parentRoot = bytesToHex(header.parentRoot);
    const parent = this.blocks.get(parentRoot);
    if (!parent) return { status: "unknown_parent", root, parentRoot };
    const beaconBlockRoot = bytesToHex(header.beaconBlockRoot);
    const beaconEntry = this.beacon.contextOf(beaconBlockRoot);
    if (!beaconEntry) return { status: "unknown_beacon_block", root, beaconBlockRoot };
    const started = performance.now();
    const reject = (reason: string, message: string): ShardImportResult => {
      this.metrics.blocksRejectedTotal.inc({ chain: "shard", reason });
      return { status: "invalid", root, reason, message };
    };
    let expectedProposer: number;
    try {
      expectedProposer = beaconEntry.epochCtx.getShardProposer(this.shard, header.slot);
    } catch (err) {
      return reject("proposer_unknown", (err as Error).message);
    }
    if (header.proposerIndex !== expectedProposer) {
      return reject(
        "wrong_proposer",
        `proposer ${header.proposerIndex} is not the shard proposer ${expectedProposer}`,
      );
    }
    if (!opts.trusted && !produced) {
      this.proposerSignatureChecks++;
      const pubkey = beaconEntry.epochCtx.pubkeys.get(expectedProposer);
      if (!verifyShardBlockSignature(this.beacon.bls, signed, pubkey, this.proposerDomain)) {
        return reject("bad_signature", "shard block proposer signature does not verify");
      }
    }
    let result: ShardBlockResult;
    if (produced) result = produced;
    else {
      try {
        this.executions++;
        result = processShardBlock(
          parent.state,
          signed.message,
          {
            shardCount: this.beacon.preset.SHARD_COUNT,
            maxTransactions: this.beacon.preset.MAX_TXS_PER_SHARD_BLOCK,
            crosslinks: this.crosslinksAt(beaconEntry),
            verifiedTxHashes: opts.trusted ? ALL_VERIFIED : this.mempool.verifiedTxHashes,
            deposits: { genesisRoot: this.beacon.networkRoot, bls: this.beacon.bls },
            signatures: this.signatures,
          },
          { expectedProposerIndex: expectedProposer },
        );
      } catch (err) {
        return reject(err instanceof ShardBlockError ? err.code : "internal", (err as Error).message);
      }
    }
    const entry: ShardBlockEntry = {
      root,
      slot: header.slot,
      parentRoot,
      beaconBlockRoot,
      signed,
      state: result.postState,
      txHashes: result.txHashes,
      receiptsSent: result.receiptsSent,
    };
    // From here on every acknowledgement this import causes waits for its write batch (issued below).
    const written = opts.persist !== false ? this.acks.hold() : undefined;
    this.blocks.set(root, entry);
    this.forkChoice.onBlock(hexToBytes(root), header.parentRoot, header.slot);
    if (this.beacon.isOrphaned(beaconBlockRoot)) this.forkChoice.markNonViable(hexToBytes(root));
    const receiptByTx = new Map(result.receiptsSent.map((r) => [bytesToHex(r.txHash), r]));
    const inclusions = result.txHashes.map((txHash): [string, TxInclusion] => {
      const receipt = receiptByTx.get(txHash);
      const inclusion: TxInclusion = {
        slot: header.slot,
        root,
        ...(receipt ? { receipt: { dest: receipt.dest, seq: receipt.seq, amount: receipt.amount } } : {}),
      };
      return [txHash, inclusion];
    });
    for (const incoming of signed.message.body.incomingReceipts) {
      this.pendingReceipts.delete(`${incoming.receipt.source}:${incoming.receipt.seq}`);
    }
    // The API reports inclusions and credits from these maps: filled once the block is on disk (and only
    // while the block is still above the crosslink, which prunes them).
    this.acks.release(() => {
      if (!this.blocks.has(root)) return;
      for (const [txHash, inclusion] of inclusions) pushTo(this.txInclusions, txHash, inclusion);
      for (const incoming of signed.message.body.incomingReceipts) {
        pushTo(this.credits, `${incoming.receipt.source}:${incoming.receipt.seq}`, {
          slot: header.slot,
          root,
        });
      }
    });
    this.metrics.blockImportSeconds.observe({ chain: "shard" }, (performance.now() - started) / 1000);
    this.metrics.blocksImportedTotal.inc({ chain: "shard" });
    this.metrics.shardBlockTransactions.observe(result.txHashes.length);
    if (result.txHashes.length > 0)
      this.metrics.transactionsIncludedTotal.inc({ shard: String(this.shard) }, result.txHashes.length);
    this.log.info(
      {
        shard: this.shard,
        slot: header.slot,
        root,
        txs: result.txHashes.length,
        receiptsIn: signed.message.body.incomingReceipts.length,
      },
      "shard block imported",
    );
    this.updateHead();
    this.emit({ type: "shard_block", shard: this.shard, root, slot: header.slot, txHashes: result.txHashes });
    if (opts.persist === false) return { status: "imported", root };
    const prefix = SHARD_KEY(this.shard);
    const rootBytes = hexToBytes(root);
    const ops: BatchOp[] = [
      { bucket: "shardBlocks", key: concatKey(prefix, rootBytes), value: SignedShardBlock.serialize(signed) },
      {
        bucket: "shardBlockSlots",
        key: concatKey(prefix, uint64Key(header.slot), rootBytes),
        value: rootBytes,
      },
      this.db.metaOp(`shard_head_${this.shard}`, this.headRoot),
    ];
    for (const [txHash, inclusion] of inclusions) {
      ops.push({
        bucket: "transactions",
        key: concatKey(hexToBytes(txHash), rootBytes),
        value: encodeJson(inclusion),
      });
    }
    for (const incoming of signed.message.body.incomingReceipts) {
      ops.push({
        bucket: "receipts",
        key: creditKey(this.shard, incoming.receipt.source, incoming.receipt.seq, rootBytes),
        value: encodeJson({ slot: header.slot, root }),
      });
    }
    const persisted = this.db.writeBatch(ops);
    written?.(persisted);
    return { status: "imported", root, persisted };
  }

  /** The canonical block that included `txHash`, if any (recent blocks from memory, older from the database). */
  async canonicalInclusion(txHash: string, readDb = true): Promise<TxInclusion | undefined> {
    const prefix = hexToBytes(txHash);
    return this.canonicalOf(
      this.txInclusions.get(txHash),
      readDb,
      "transactions",
      (root) => concatKey(prefix, root),
      (bytes) => fromStored(decodeJson(bytes) as StoredInclusion),
    );
  }

  /** True if some block (canonical or not) included `txHash`. */
  async hasIncluded(txHash: string): Promise<boolean> {
    if (this.txInclusions.has(txHash)) return true;
    const prefix = hexToBytes(txHash);
    return (
      (await this.db.range("transactions", concatKey(prefix, ZERO_32), concatKey(prefix, MAX_32), 1)).length >
      0
    );
  }

  /** The canonical block that credited receipt `seq` from `source`, if any. */
  async canonicalCredit(
    source: number,
    seq: number,
    readDb = true,
  ): Promise<{ slot: number; root: string } | undefined> {
    return this.canonicalOf(
      this.credits.get(`${source}:${seq}`),
      readDb,
      "receipts",
      (root) => creditKey(this.shard, source, seq, root),
      (bytes) => decodeJson(bytes) as { slot: number; root: string },
    );
  }

  /**
   * The canonical one of a record's blocks: those above the crosslink from memory (`recent`), then, when
   * `readDb`, the rows stored under `keyFor(block root)` (pruned ones; non-canonical rows are deleted).
   */
  private async canonicalOf<T extends { slot: number; root: string }>(
    recent: readonly T[] | undefined,
    readDb: boolean,
    bucket: "transactions" | "receipts",
    keyFor: (root: Uint8Array) => Uint8Array,
    decode: (bytes: Uint8Array) => T,
  ): Promise<T | undefined> {
    const found = recent?.find((r) => this.isCanonical(r.root, r.slot));
    if (found || !readDb) return found;
    for (const [, value] of await this.db.range(bucket, keyFor(ZERO_32), keyFor(MAX_32))) {
      const stored = decode(value);
      if (!this.prunedForkRoots.has(stored.root) && this.isCanonical(stored.root, stored.slot)) return stored;
    }
    return undefined;
  }

  /**
   * Slot of the last crosslinked block: a canonical block at or below it can never be reverted (shard fork
   * choice never leaves it), so what it included is settled.
   */
  crosslinkedSlot(): number {
    return this.blocks.get(this.forkChoice.getCrosslinkedRoot())?.slot ?? 0;
  }

  /** The beacon head's crosslink of this shard: the block every node's shard fork choice must descend from. */
  beaconHeadCrosslink(): CrosslinkPoint {
    const crosslink = this.beacon.head().state.state.currentCrosslinks.getReadonly(this.shard);
    return { rootHex: bytesToHex(crosslink.shardBlockRoot), slot: crosslink.slot };
  }

  /**
   * False while `crosslink` (normally beaconHeadCrosslink()) names a block this chain does not have: its head
   * then builds on a stale parent (after a restart or a gap), so proposing on it forks and range sync must
   * start from the last crosslinked block it has, not from its head. A zero root (no crosslink yet) or a block
   * at or below the slot this chain has crosslinked counts as known.
   */
  hasCrosslinked(crosslink: CrosslinkPoint): boolean {
    return (
      /^0+$/.test(crosslink.rootHex) ||
      this.blocks.has(crosslink.rootHex) ||
      (crosslink.slot <= this.crosslinkedSlot() && crosslink.rootHex !== this.revertedAnchor)
    );
  }

  /**
   * True while the beacon head's crosslink is an older block than this chain's anchor that the chain no
   * longer holds (a beacon reorg reverted the anchor's crosslink): sync fetches its state from a peer.
   */
  anchorReverted(): boolean {
    return this.revertedAnchor !== undefined && this.beaconHeadCrosslink().rootHex === this.revertedAnchor;
  }

  /** Sync state for /v1/node/status and health: synced once it holds the beacon head's crosslinked block. */
  syncState(): ShardSyncState {
    const crosslink = this.beaconHeadCrosslink();
    return {
      shard: this.shard,
      headSlot: this.ackedHead.slot,
      crosslinkSlot: crosslink.slot,
      state: this.hasCrosslinked(crosslink) && this.head().slot >= crosslink.slot ? "synced" : "syncing",
    };
  }

  /** The first slot range sync must fetch for this chain to reach `crosslink` (see hasCrosslinked), then its head. */
  syncStartSlot(crosslink: CrosslinkPoint): number {
    return this.hasCrosslinked(crosslink) ? this.head().slot + 1 : this.crosslinkedSlot() + 1;
  }

  /** True if the block `root` is the head or one of its ancestors (pruned blocks below the crosslink are). */
  isCanonical(root: string, slot: number): boolean {
    let entry: ShardBlockEntry | undefined = this.head();
    while (entry && entry.slot > slot) entry = this.blocks.get(entry.parentRoot);
    if (!entry) return true;
    return entry.root === root;
  }

  /**
   * Finality cut off the beacon blocks `roots`: shard blocks above the crosslink built on one of them are
   * left by fork choice with their subtrees. Such a block read its incoming receipts' crosslinks from a beacon
   * state that will never be canonical, and its branch splits the committee for good: the other nodes cannot
   * import it once they prune, or never had that beacon branch (chaos partition-heal: a node isolated from
   * 75% of the validators kept half of a committee on its own shard branch after it rejoined).
   */
  onBeaconOrphaned(roots: ReadonlySet<string>): void {
    const crosslinkedSlot = this.crosslinkedSlot();
    let left = 0;
    for (const entry of this.blocks.values()) {
      if (entry.slot <= crosslinkedSlot || !roots.has(entry.beaconBlockRoot)) continue;
      this.forkChoice.markNonViable(hexToBytes(entry.root));
      left++;
    }
    if (left === 0) return;
    this.log.info(
      { shard: this.shard, blocks: left },
      "shard blocks built on beacon blocks that finality orphaned: fork choice leaves their branches",
    );
    this.updateHead();
  }

  /** A committee member's vote for a shard block (shard fork choice weight). */
  onAttestation(validatorIndex: number, shardBlockRoot: string, stake: bigint, slot: number): void {
    if (!this.blocks.has(shardBlockRoot)) return;
    this.forkChoice.onAttestation(validatorIndex, hexToBytes(shardBlockRoot), stake, slot);
  }

  /**
   * Restarts this chain from a verified snapshot of the crosslinked block `rootHex` (shard_state_snapshot
   * sync): the state becomes the fork-choice anchor and its bytes (`serialized`, as received) are stored,
   * so a restart resumes from it.
   */
  async anchorAt(rootHex: string, state: ShardState, serialized: Uint8Array): Promise<void> {
    // The blocks this chain stored above its restart anchor, up to its crosslinked block, and those it holds,
    // leave its chain: going back (a beacon reorg replaced the crosslink with an older one this chain no longer
    // holds), or forward to a snapshot of another branch (after a partition heals, the winning beacon chain
    // crosslinked the other side's shard blocks, which never held this branch's transfers).
    const anchorSlot = this.crosslinkedSlot();
    const from = this.storedAnchorSlot + 1;
    const stored = anchorSlot >= from ? await this.blocksByRange(from, anchorSlot - from + 1) : [];
    const left: Array<Pick<ShardBlockEntry, "slot" | "signed">> = stored.map((bytes) => {
      const signed = SignedShardBlock.deserialize(bytes);
      return { slot: signed.message.header.slot, signed };
    });
    left.push(
      ...[...this.blocks.values()].filter((e) => e.signed !== undefined).sort((a, b) => a.slot - b.slot),
    );
    const written = this.acks.hold();
    // Blocks above a snapshot build on beacon blocks from about its slot on.
    this.resetTo(rootHex, state, state.slot);
    // Their transactions go back into the mempool (those the snapshot's chain already holds are refused as
    // used nonces; range sync then brings its blocks, which take out what they include).
    this.readmitAbandoned(left.reverse(), state);
    const persisted = this.writeAnchor(rootHex, state, serialized, state.slot);
    written(persisted);
    await persisted;
    this.log.info(
      { shard: this.shard, slot: state.slot, root: rootHex },
      "shard chain anchored at a crosslinked snapshot",
    );
  }

  /**
   * Stores this chain's restart anchor for the crosslinked block `rootHex` at `slot`, one the beacon chain
   * finalized: its state, or, when this chain did not keep it (it synced past it), the newest kept state of
   * a canonical ancestor below it (final as well). Replaces the previous anchor. False if it kept neither.
   */
  async persistAnchor(rootHex: string, slot: number): Promise<boolean> {
    const block = this.blocks.get(rootHex);
    const beaconSlot = block && this.beaconSlotOf(block);
    let anchor: { root: string; kept: CrosslinkedState } | undefined;
    const exact =
      this.crosslinked.get(rootHex) ??
      (block && beaconSlot !== undefined ? { slot: block.slot, state: block.state, beaconSlot } : undefined);
    if (exact) anchor = { root: rootHex, kept: exact };
    else
      for (const [root, kept] of this.crosslinked)
        if (kept.slot <= slot && (!anchor || kept.slot > anchor.kept.slot)) anchor = { root, kept };
    if (!anchor) return false;
    if (anchor.root === this.storedAnchorRoot) return true;
    for (const [root, kept] of this.crosslinked)
      if (kept.slot < anchor.kept.slot) this.crosslinked.delete(root);
    await this.writeAnchor(
      anchor.root,
      anchor.kept.state,
      anchor.kept.state.serialize(),
      anchor.kept.beaconSlot,
    );
    return true;
  }

  /** State of a block this chain holds, or of a crosslinked one it kept after pruning (snapshots). */
  stateOf(rootHex: string): ShardState | undefined {
    return this.blocks.get(rootHex)?.state ?? this.crosslinked.get(rootHex)?.state;
  }

  /** Slot of the beacon block `entry` builds on (for an anchor without its block: the slot stored with it). */
  private beaconSlotOf(entry: ShardBlockEntry): number | undefined {
    if (entry.root === this.resetAnchor?.root) return this.resetAnchor.beaconSlot;
    return this.beacon.contextOf(entry.beaconBlockRoot)?.slot;
  }

  /**
   * One batch: the anchor state, its meta, the receipt log as it was at the anchor (when this chain's log
   * covers it), and the delete of the previous anchor's state.
   */
  private async writeAnchor(
    rootHex: string,
    state: ShardState,
    serialized: Uint8Array,
    beaconSlot: number,
  ): Promise<void> {
    const prefix = SHARD_KEY(this.shard);
    const previous = this.storedAnchorRoot;
    this.storedAnchorRoot = rootHex;
    this.storedAnchorSlot = state.slot;
    this.storedAnchorState = state;
    const ops: BatchOp[] = [
      { bucket: "shardStates", key: concatKey(prefix, hexToBytes(rootHex)), value: serialized },
      this.db.metaOp(shardAnchorMeta(this.shard), rootHex),
      this.db.metaOp(shardAnchorBeaconSlotMeta(this.shard), String(beaconSlot)),
    ];
    const counts = Array.from({ length: state.outboxCount }, (_, dest) => state.outboxLength(dest));
    try {
      const log = OutboxLogSnapshot.serialize(this.outboxLog.snapshot(counts));
      ops.push({ bucket: "shardStates", key: concatKey(prefix, OUTBOX_LOG_KEY), value: log });
    } catch {
      // The log does not cover this anchor (it was just reset): a restart starts an empty one from the anchor.
    }
    if (previous && previous !== rootHex)
      ops.push({ bucket: "shardStates", key: concatKey(prefix, hexToBytes(previous)), value: undefined });
    await this.db.writeBatch(ops);
  }

  /** The stored receipt log, if it fits the anchor `state` (else an empty one from the anchor stays). */
  private async restoreOutboxLog(state: ShardState): Promise<void> {
    const bytes = await this.db.get("shardStates", concatKey(SHARD_KEY(this.shard), OUTBOX_LOG_KEY));
    if (!bytes) return;
    try {
      this.outboxLog = OutboxLog.fromSnapshot(state, OutboxLogSnapshot.deserialize(bytes));
    } catch (err) {
      this.log.warn(
        { shard: this.shard, err: (err as Error).message },
        "stored receipt log does not fit the anchor: receipts sent before it are proven by other nodes",
      );
    }
  }

  /**
   * Appends to the receipt log the receipts of the blocks from the last logged crosslinked block up to
   * `crosslinked`, in order. Should the log not lead there (it cannot, but a log that disagrees with the
   * state must not produce proofs), it restarts empty at `crosslinked`.
   */
  private logReceiptsUpTo(crosslinked: ShardBlockEntry): void {
    const path: ShardBlockEntry[] = [];
    let entry: ShardBlockEntry | undefined = crosslinked;
    while (entry && entry.root !== this.loggedRoot) {
      path.push(entry);
      entry = this.blocks.get(entry.parentRoot);
    }
    const { state } = crosslinked;
    let fits = entry !== undefined;
    if (fits) {
      for (const block of path.reverse())
        for (const receipt of block.receiptsSent) this.outboxLog.append(receipt);
      for (let dest = 0; dest < state.outboxCount && fits; dest++)
        fits = this.outboxLog.count(dest) === state.outboxLength(dest);
    }
    if (!fits) {
      this.log.warn(
        { shard: this.shard, slot: crosslinked.slot, root: crosslinked.root },
        "receipt log does not lead to the crosslinked block: restarted from it (older receipts are proven by other nodes)",
      );
      this.outboxLog = OutboxLog.fromState(state);
    }
    this.loggedRoot = crosslinked.root;
  }

  /** The receipt log, to prove receipts against a crosslinked state of this chain (see buildReceiptProofs). */
  receiptLog(): OutboxLog {
    return this.outboxLog;
  }

  /** The stored (finalized) anchor's inbox cursor for `source`: receipts below it are credited for good. */
  anchorInboxCursor(source: number): number | undefined {
    return this.storedAnchorState?.inboxCursor(source);
  }

  /**
   * Forgets logged receipts that their destination has credited for good: below `creditedBy(dest)` (the
   * destination's finalized inbox cursor for this shard, when this node tracks it) and never above this
   * chain's stored anchor (the log is stored as it was there). Destinations this node does not track keep
   * up to MAX_LOGGED_RECEIPTS_PER_OUTBOX receipts.
   */
  pruneReceiptLog(creditedBy: (dest: number) => number | undefined): void {
    const anchor = this.storedAnchorState;
    if (!anchor) return;
    for (let dest = 0; dest < anchor.shardCount; dest++) {
      const credited = dest === this.shard ? undefined : creditedBy(dest);
      if (credited !== undefined) this.outboxLog.prune(dest, Math.min(credited, anchor.outboxLength(dest)));
    }
  }

  private resetTo(rootHex: string, state: ShardState, beaconSlot: number): void {
    this.resetAnchor = { root: rootHex, beaconSlot };
    this.revertedAnchor = undefined;
    this.crosslinked.clear();
    this.blocks.clear();
    this.blocks.set(rootHex, {
      root: rootHex,
      slot: state.slot,
      parentRoot: "",
      beaconBlockRoot: "",
      signed: undefined,
      state,
      txHashes: [],
      receiptsSent: [],
    });
    this.forkChoice = new ShardForkChoice(
      hexToBytes(rootHex),
      state.slot,
      SHARD_VOTE_WINDOW_EPOCHS * this.beacon.preset.SLOTS_PER_EPOCH,
    );
    this.outboxLog = OutboxLog.fromState(state);
    this.loggedRoot = rootHex;
    this.headRoot = rootHex;
    const acked = { root: rootHex, slot: state.slot };
    this.acks.release(() => {
      this.ackedHead = acked;
    });
    this.metrics.shardHeadSlot.set({ shard: String(this.shard) }, state.slot);
  }

  /**
   * The beacon head crosslinked `root` (zero root = genesis): fork choice never leaves it while the beacon
   * head keeps it. A beacon reorg can replace the head's crosslink with an older one (the branch that
   * crosslinked this chain's anchor lost, e.g. after a healed partition): the chain then goes back to that
   * older crosslink (revertAnchorTo), or it would refuse forever the branch every other node follows.
   */
  onCrosslinked(shardBlockRootHex: string): void {
    // The zero root is "no crosslink yet": the genesis block.
    const root = /^0+$/.test(shardBlockRootHex) ? this.genesisRoot : shardBlockRootHex;
    this.toldCrosslink = root;
    if (root === this.forkChoice.getCrosslinkedRoot()) return;
    if (!this.blocks.has(root)) {
      this.revertAnchorTo(root);
      return;
    }
    this.revertedAnchor = undefined;
    this.forkChoice.setCrosslinked(hexToBytes(root));
    // The head may move to the crosslinked branch: switch now, while the blocks it leaves are still held,
    // so that their transactions go back into the mempool (below, blocks under the crosslink are pruned).
    this.updateHead();
    const anchor = this.blocks.get(root)!;
    this.logReceiptsUpTo(anchor);
    const ancestors = new Set<string>();
    for (let e: ShardBlockEntry | undefined = anchor; e; e = this.blocks.get(e.parentRoot))
      ancestors.add(e.root);
    this.keepCrosslinkedStates(anchor, ancestors);
    const staleRows: BatchOp[] = [];
    const staleRoots: string[] = [];
    for (const [key, entry] of this.blocks) {
      if (entry.slot >= anchor.slot) continue;
      this.blocks.delete(key);
      // Below the crosslink, inclusions live in the database only (memory stays bounded); a fork there
      // can never become canonical, so its rows are deleted too.
      const canonical = ancestors.has(key);
      if (!canonical) staleRoots.push(key);
      for (const txHash of entry.txHashes) {
        dropFrom(this.txInclusions, txHash, key);
        if (!canonical)
          staleRows.push({
            bucket: "transactions",
            key: concatKey(hexToBytes(txHash), hexToBytes(key)),
            value: undefined,
          });
      }
      for (const incoming of entry.signed?.message.body.incomingReceipts ?? []) {
        const { source, seq } = incoming.receipt;
        dropFrom(this.credits, `${source}:${seq}`, key);
        if (!canonical)
          staleRows.push({
            bucket: "receipts",
            key: creditKey(this.shard, source, seq, hexToBytes(key)),
            value: undefined,
          });
      }
    }
    if (staleRows.length > 0) {
      // Lookups must not take their rows for inclusions in pruned canonical blocks, neither before the
      // delete lands nor when a read that began before it returns them.
      for (const root of staleRoots) {
        this.prunedForkRoots.add(root);
        if (this.prunedForkRoots.size > MAX_PRUNED_FORK_ROOTS)
          this.prunedForkRoots.delete(this.prunedForkRoots.values().next().value!);
      }
      this.db
        .writeBatch(staleRows)
        .catch((err) => this.log.warn({ err: (err as Error).message }, "could not delete fork rows"));
    }
    this.updateHead();
  }

  /**
   * Goes back to the older crosslinked block `root` after a beacon reorg removed the crosslink this chain is
   * anchored at: from its kept state, with the transactions of the blocks it leaves back in the mempool;
   * range sync then fetches the branch the beacon chain's committees follow. Without the state (no longer
   * kept), the chain reports that it lacks its crosslinked block (hasCrosslinked) and sync fetches it from a
   * peer. Nothing happens for a root that is not older than the anchor (a crosslink not imported yet).
   */
  private revertAnchorTo(root: string): void {
    const anchorSlot = this.crosslinkedSlot();
    if (this.reverting || (root === this.genesisRoot && anchorSlot === 0)) return;
    // The genesis state is rebuilt from the genesis (only here: a real return to it).
    const kept = root === this.genesisRoot ? this.genesisKept() : this.crosslinked.get(root);
    if (!kept) {
      const crosslink = this.beaconHeadCrosslink();
      if (crosslink.rootHex === root && crosslink.slot < anchorSlot && this.revertedAnchor !== root) {
        this.revertedAnchor = root;
        this.log.warn(
          { shard: this.shard, anchorSlot, crosslinkSlot: crosslink.slot },
          "a beacon reorg replaced this shard chain's crosslink with an older one it no longer holds: fetching it",
        );
      }
      return;
    }
    if (kept.slot >= anchorSlot) return;
    this.reverting = this.revertFromKept(root, kept, anchorSlot)
      .catch((err: Error) =>
        this.log.warn({ shard: this.shard, err: err.message }, "going back to an older crosslink failed"),
      )
      .finally(() => {
        this.reverting = undefined;
      });
  }

  /** The genesis block's state (a beacon reorg back to "no crosslink yet" returns there). */
  private genesisKept(): CrosslinkedState {
    const { genesis } = this.beacon;
    return {
      slot: 0,
      state: createShardGenesisState(this.shard, genesis.preset.SHARD_COUNT, genesis.accounts),
      beaconSlot: 0,
    };
  }

  /** Resolves once a return to an older crosslink under way (if any) is done (tests). */
  async revertSettled(): Promise<void> {
    await this.reverting;
  }

  /**
   * Resets the chain to the kept crosslinked state `root`, then replays on it the blocks this chain stored
   * between it and the reverted anchor (read back from the database) and the ones it held in memory: its own
   * branch comes back whole, and the competing branch (refused until now) imports beside it by gossip and
   * range sync. Transactions of held blocks that no longer import go back into the mempool.
   */
  private async revertFromKept(root: string, kept: CrosslinkedState, anchorSlot: number): Promise<void> {
    const stored = await this.blocksByRange(kept.slot + 1, anchorSlot - kept.slot - 1);
    // The database reads yielded: only go back if the beacon head still crosslinks `root`.
    if (this.toldCrosslink !== root || this.crosslinkedSlot() !== anchorSlot) return;
    const held = [...this.blocks.values()]
      .filter((e): e is ShardBlockEntry & { signed: SignedShardBlockValue } => e.signed !== undefined)
      .sort((a, b) => a.slot - b.slot);
    this.log.warn(
      { shard: this.shard, anchorSlot, crosslinkSlot: kept.slot, replayed: stored.length + held.length },
      "a beacon reorg replaced this shard chain's crosslink with an older one: going back to it",
    );
    this.resetTo(root, kept.state, kept.beaconSlot);
    this.headChanges++;
    this.emit({ type: "crosslink_reverted", shard: this.shard, slot: kept.slot });
    // Verified (signatures included) when first imported: replayed without signature checks.
    const replayed: Array<{ root: string; slot: number; signed: SignedShardBlockValue }> = [];
    for (const bytes of stored) {
      const signed = SignedShardBlock.deserialize(bytes);
      const { root: storedRoot } = this.importBlock(signed, { persist: false, trusted: true });
      replayed.push({ root: storedRoot, slot: signed.message.header.slot, signed });
    }
    for (const entry of held) {
      this.importBlock(entry.signed, { persist: false, trusted: true });
      replayed.push(entry);
    }
    // Replays that moved the head announced it (updateHead); one that moved nothing leaves the head at
    // the older crosslink, which is announced here.
    if (this.head().root === root)
      this.emit({ type: "shard_head", shard: this.shard, root, slot: kept.slot });
    // Replayed blocks off the new head's chain (newest first, as a reorg abandons them): those that no
    // longer import, and those fork choice does not follow (built on the beacon branch the reorg left).
    // Their transactions go back into the mempool: the head no longer includes them, and nothing else
    // holds them (chaos partition-heal: without this, later nonces of their senders waited for them
    // until they were dropped as nonce_gap).
    const leftBehind = replayed.filter((e) => !this.blocks.has(e.root) || !this.isCanonical(e.root, e.slot));
    this.readmitAbandoned(leftBehind.reverse(), this.head().state);
  }

  /**
   * Remembers the state of the new crosslinked block and, of the canonical blocks about to be pruned below it,
   * the last of each epoch: persistAnchor needs the state at (or just below) the crosslink the beacon chain
   * finalizes a few epochs later, which a chain that synced quickly past it no longer holds otherwise.
   */
  private keepCrosslinkedStates(anchor: ShardBlockEntry, ancestors: ReadonlySet<string>): void {
    const { SLOTS_PER_EPOCH } = this.beacon.preset;
    const lastOfEpoch = new Map<number, ShardBlockEntry>();
    for (const root of ancestors) {
      const entry = this.blocks.get(root);
      if (!entry || this.crosslinked.has(root)) continue;
      const epoch = Math.floor(entry.slot / SLOTS_PER_EPOCH);
      if ((lastOfEpoch.get(epoch)?.slot ?? -1) < entry.slot) lastOfEpoch.set(epoch, entry);
    }
    lastOfEpoch.set(Number.MAX_SAFE_INTEGER, anchor); // the crosslinked block itself, newest
    for (const entry of [...lastOfEpoch.values()].sort((a, b) => a.slot - b.slot)) {
      const beaconSlot = this.beaconSlotOf(entry);
      if (beaconSlot === undefined || this.crosslinked.has(entry.root)) continue;
      this.crosslinked.set(entry.root, {
        slot: entry.slot,
        state: entry.state,
        beaconSlot,
        ...(entry === anchor ? { crosslink: true as const } : {}),
      });
    }
    // One state per epoch (its newest) is enough: an anchor may be any canonical block at or below the
    // finalized crosslink.
    const newestOfEpoch = new Map<number, number>();
    for (const kept of this.crosslinked.values()) {
      const epoch = Math.floor(kept.slot / SLOTS_PER_EPOCH);
      newestOfEpoch.set(epoch, Math.max(newestOfEpoch.get(epoch) ?? -1, kept.slot));
    }
    for (const [root, kept] of this.crosslinked)
      if (!kept.crosslink && newestOfEpoch.get(Math.floor(kept.slot / SLOTS_PER_EPOCH)) !== kept.slot)
        this.crosslinked.delete(root);
    while (this.crosslinked.size > CROSSLINKED_KEPT)
      this.crosslinked.delete(this.crosslinked.keys().next().value!);
  }

  /**
   * Moves the head to what fork choice picks among the blocks built on the beacon head's chain. A block built
   * on a beacon block that a reorg left credited receipts proven against that block's crosslinks, which the
   * new beacon chain may never hold (chaos partition-heal: after a 50|50 split healed, a node kept its shard
   * head on its side's branch, above the other side's crosslinks, for the 7 epochs finality took to orphan
   * it; its mempool dropped later nonces waiting for what that branch had included).
   */
  updateHead(): void {
    const headRoot = this.forkChoice.getHead((root) => {
      const entry = this.blocks.get(root);
      return entry === undefined || this.beacon.isOnHeadChain(entry.beaconBlockRoot);
    });
    if (headRoot === this.headRoot || !this.blocks.has(headRoot)) return;
    this.headChanges++;
    const abandoned = this.abandonedBy(this.headRoot, headRoot);
    this.headRoot = headRoot;
    const head = this.head();
    this.readmitAbandoned(abandoned, head.state);
    const dropped = this.mempool.pruneStale(head.state);
    if (dropped.length > 0) this.emit({ type: "txs_dropped", shard: this.shard, dropped });
    this.metrics.shardHeadSlot.set({ shard: String(this.shard) }, head.slot);
    const acked = { root: head.root, slot: head.slot };
    this.acks.release(() => {
      this.ackedHead = acked;
    });
    this.emit({ type: "shard_head", shard: this.shard, root: head.root, slot: head.slot });
  }

  /**
   * The blocks a head switch from `oldRoot` to `newRoot` leaves (old head down to, not including, the
   * common ancestor), newest first; empty when the new head descends from the old one.
   */
  private abandonedBy(oldRoot: string, newRoot: string): ShardBlockEntry[] {
    let oldEntry = this.blocks.get(oldRoot);
    let newEntry = this.blocks.get(newRoot);
    const abandoned: ShardBlockEntry[] = [];
    while (oldEntry && newEntry && oldEntry.root !== newEntry.root) {
      if (newEntry.slot >= oldEntry.slot) newEntry = this.blocks.get(newEntry.parentRoot);
      else {
        abandoned.push(oldEntry);
        oldEntry = this.blocks.get(oldEntry.parentRoot);
      }
    }
    return abandoned;
  }

  /**
   * A reorg: the transactions of the abandoned blocks that the new head did not include go back into the
   * mempool (their nonce is still free there), so that they are included again rather than lost. Their
   * signatures were verified when the blocks were imported.
   */
  private readmitAbandoned(
    abandoned: ReadonlyArray<Pick<ShardBlockEntry, "slot" | "signed">>,
    state: ShardState,
  ): void {
    if (abandoned.length === 0) return;
    const readmitted: Transaction[] = [];
    // Oldest block first, so that a sender's nonces go back in order.
    for (const entry of [...abandoned].reverse()) {
      for (const tx of entry.signed?.message.body.transactions ?? []) {
        if (this.mempool.add(tx, state, { signatureVerified: true, slot: entry.slot }).ok)
          readmitted.push(tx);
      }
    }
    if (readmitted.length === 0) return;
    this.log.info(
      { shard: this.shard, blocks: abandoned.length, transactions: readmitted.length },
      "reorg: transactions of the abandoned blocks are back in the mempool",
    );
    this.emit({ type: "txs_readmitted", shard: this.shard, transactions: readmitted });
  }

  /** Delivers `e` to the listeners once the writes of every block imported so far are on disk. */
  private emit(e: ShardChainEvent): void {
    this.acks.release(() => {
      for (const l of this.listeners) l(e);
    });
  }

  /**
   * Builds (does not sign) the next block on the head for `slot`. The caller signs `signingRoot` only after
   * slashing protection has recorded it, then imports the signed block.
   */
  produce(
    slot: number,
    proposerIndex: number,
    beaconEntry: BeaconContext,
    deposits: readonly DepositTransactionValue[] = [],
  ) {
    const head = this.head();
    const transactions: Transaction[] = this.mempool.selectForBlock(
      head.state,
      this.beacon.preset.MAX_TXS_PER_SHARD_BLOCK,
    );
    // Withdrawals owed to this shard, proven against the beacon state this block builds on (issue 18).
    const withdrawals = this.beacon.withdrawalReceiptsFor(
      beaconEntry.root,
      this.shard,
      head.state.inboxCursor(head.state.beaconOutbox),
      MAX_WITHDRAWALS_PER_SHARD_BLOCK,
    );
    const produced = produceShardBlock(
      head.state,
      {
        slot,
        proposerIndex,
        beaconBlockRoot: hexToBytes(beaconEntry.root),
        transactions,
        pendingReceipts: [...this.pendingReceipts.values(), ...withdrawals],
        deposits,
      },
      {
        shardCount: this.beacon.preset.SHARD_COUNT,
        maxTransactions: this.beacon.preset.MAX_TXS_PER_SHARD_BLOCK,
        crosslinks: this.crosslinksAt(beaconEntry),
        verifiedTxHashes: this.mempool.verifiedTxHashes,
        deposits: { genesisRoot: this.beacon.networkRoot, bls: this.beacon.bls },
        signatures: this.signatures,
      },
    );
    this.executions++;
    this.ownProduced.set(produced.block, produced);
    return {
      block: produced.block,
      signingRoot: this.signingRoot(produced.block),
      root: bytesToHex(produced.blockRoot),
    };
  }

  signingRoot(block: SignedShardBlockValue["message"]): Uint8Array {
    return shardBlockSigningRoot(block, this.proposerDomain);
  }

  /**
   * Deletes this shard's stored blocks with slot below `slot` (never at or above its stored anchor) and
   * their transaction and credit index rows. In batches; returns how many blocks it deleted.
   */
  async pruneHistoryBelow(slot: number): Promise<number> {
    const below = Math.min(slot, this.storedAnchorSlot);
    if (below <= 0) return 0;
    const prefix = SHARD_KEY(this.shard);
    const rows = await this.db.range(
      "shardBlockSlots",
      concatKey(prefix, uint64Key(0)),
      concatKey(prefix, uint64Key(below)),
    );
    for (let at = 0; at < rows.length; at += PRUNE_BATCH) {
      const ops: BatchOp[] = [];
      for (const [slotKey, rootBytes] of rows.slice(at, at + PRUNE_BATCH)) {
        const blockKey = concatKey(prefix, rootBytes);
        const bytes = await this.db.get("shardBlocks", blockKey);
        if (bytes) {
          const { body } = SignedShardBlock.deserialize(bytes).message;
          for (const tx of body.transactions)
            ops.push({
              bucket: "transactions",
              key: concatKey(transactionHash(tx), rootBytes),
              value: undefined,
            });
          for (const { receipt } of body.incomingReceipts)
            ops.push({
              bucket: "receipts",
              key: creditKey(this.shard, receipt.source, receipt.seq, rootBytes),
              value: undefined,
            });
        }
        ops.push({ bucket: "shardBlocks", key: blockKey, value: undefined });
        ops.push({ bucket: "shardBlockSlots", key: slotKey, value: undefined });
      }
      await this.db.writeBatch(ops);
    }
    return rows.length;
  }

  /** SSZ bytes of a stored block of this shard by root (any age). */
  async blockByRoot(rootHex: string): Promise<Uint8Array | undefined> {
    return this.db.get("shardBlocks", concatKey(SHARD_KEY(this.shard), hexToBytes(rootHex)));
  }

  /** Stored blocks of this shard with slot in [start, start+count), as SSZ bytes. */
  async blocksByRange(startSlot: number, count: number): Promise<Uint8Array[]> {
    const prefix = SHARD_KEY(this.shard);
    const rows = await this.db.range(
      "shardBlockSlots",
      concatKey(prefix, uint64Key(startSlot)),
      concatKey(prefix, uint64Key(startSlot + count)),
    );
    const out: Uint8Array[] = [];
    for (const [, rootBytes] of rows) {
      const bytes = await this.db.get("shardBlocks", concatKey(prefix, rootBytes));
      if (bytes) out.push(bytes);
    }
    return out;
  }
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function dropFrom<T extends { root: string }>(map: Map<string, T[]>, key: string, root: string): void {
  const kept = (map.get(key) ?? []).filter((v) => v.root !== root);
  if (kept.length > 0) map.set(key, kept);
  else map.delete(key);
}

const ZERO_32 = new Uint8Array(32);
const MAX_32 = new Uint8Array(32).fill(0xff);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface StoredInclusion {
  slot: number;
  root: string;
  receipt?: { dest: number; seq: number; amount: string };
}

function encodeJson(value: TxInclusion | { slot: number; root: string }): Uint8Array {
  return encoder.encode(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
  );
}

function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes));
}

function fromStored(stored: StoredInclusion): TxInclusion {
  return {
    slot: stored.slot,
    root: stored.root,
    ...(stored.receipt ? { receipt: { ...stored.receipt, amount: BigInt(stored.receipt.amount) } } : {}),
  };
}

/** `receipts` bucket key: destination shard ‖ source ‖ seq ‖ crediting block root. */
function creditKey(dest: number, source: number, seq: number, root: Uint8Array): Uint8Array {
  return concatKey(uint64Key(dest), uint64Key(source), uint64Key(seq), root);
}
