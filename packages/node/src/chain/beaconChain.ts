import {
  type AttesterSlashingValue,
  attesterSlashingProblem,
  BeaconBlock,
  BeaconBlockBody,
  BlockError,
  type CachedBeaconState,
  type ChainCaches,
  type CheckpointValue,
  type CrosslinkValue,
  computeEpochAtSlot,
  computeStartSlotAtEpoch,
  createCachedBeaconState,
  createChainCaches,
  createGenesisBeaconState,
  createGenesisBlock,
  type Genesis,
  type IncomingReceipt,
  type ProduceBlockInput,
  type ProducedBlock,
  type ProposerSlashingValue,
  processSlots,
  proposerSlashingProblem,
  SignedBeaconBlock,
  type SignedBeaconBlockHeaderValue,
  type SignedBeaconBlockValue,
  type SlashingProblem,
  stateTransition,
  verifySlashingSignatures,
  withdrawalReceiptProofs,
} from "@shardnet/consensus";
import { type BlsBackend, bytesToHex, hexToBytes } from "@shardnet/crypto";
import type { Logger } from "pino";
import { type BatchOp, concatKey, type NodeDb, uint64Key } from "../db/nodeDb.js";
import type { NodeMetrics } from "../metrics/nodeMetrics.js";
import { AckQueue } from "./ackQueue.js";
import {
  type BeaconAnchorKey,
  beaconAnchorOps,
  forkContextDeletesBelow,
  forkContextOp,
  listBeaconAnchors,
  loadBeaconState,
  loadForkContexts,
} from "./anchorStore.js";
import { type BeaconForkChoice, createBeaconForkChoice } from "./forkChoiceAdapter.js";
import { produceVerifiedBlock } from "./verifiedProduction.js";

/** Rows deleted per write batch when pruning history. */
export const PRUNE_BATCH = 512;

export interface BeaconBlockEntry {
  root: string;
  slot: number;
  parentRoot: string;
  /** undefined for the genesis block (it is never gossiped or served). */
  signed: SignedBeaconBlockValue | undefined;
  post: CachedBeaconState;
}

/**
 * What shard-block validation needs from the beacon block a shard block builds on: committees (epoch
 * context) and the crosslinks of its post-state. Kept for finalized canonical blocks after their states
 * are pruned, so old shard blocks stay verifiable (restart replay, late shard sync).
 */
export interface BeaconContext {
  root: string;
  slot: number;
  epochCtx: CachedBeaconState["epochCtx"];
  crosslinks: CrosslinkValue[];
  /** Root of the post-state's `withdrawal_outboxes`: what withdrawal receipts are proven against. */
  withdrawalOutboxRoot: Uint8Array;
}

/** A finalized block a restart starts from, with its post-state (instead of genesis). */
export interface BeaconAnchor {
  root: string;
  slot: number;
  /** The finalized epoch whose checkpoint this block is. */
  epoch: number;
  signed: SignedBeaconBlockValue;
  post: CachedBeaconState;
}

export interface BeaconOpenOptions {
  /**
   * The highest slot a stored anchor may have (see restartAnchorLimit): the shard chains need the beacon
   * blocks above it. Undefined: no limit; 0: replay from genesis.
   */
  anchorSlotLimit?: number;
}

export type ImportResult =
  | { status: "imported"; root: string }
  | { status: "known"; root: string }
  | { status: "unknown_parent"; root: string; parentRoot: string }
  | { status: "too_old"; root: string }
  | { status: "invalid"; root: string; reason: string; message: string };

export interface HeadInfo {
  root: string;
  slot: number;
  state: CachedBeaconState;
}

export type BeaconChainEvent =
  | { type: "head"; root: string; slot: number }
  | { type: "crosslink"; crosslink: CrosslinkValue; blockSlot: number; blockRoot: string }
  | { type: "justified"; checkpoint: CheckpointValue }
  | { type: "finalized"; checkpoint: CheckpointValue }
  | { type: "proposer_slashing"; evidence: ProposerSlashingValue }
  /** Blocks finality just cut off: forks of the finalized chain, which can never become canonical. */
  | { type: "orphaned"; roots: ReadonlySet<string> };

/**
 * Why slashing evidence was not pooled. `known`: this node has it already; `stale`: it shows a real offence
 * whose offenders can no longer be slashed; `invalid`: it is no evidence (a correct peer never sends it).
 */
export interface SlashingRefusal {
  kind: "known" | "stale" | "invalid";
  reason: string;
}

function refusal({ problem, stale }: SlashingProblem): SlashingRefusal {
  return { kind: stale ? "stale" : "invalid", reason: problem };
}

/** What the node reports of its beacon chain: only what is on disk. */
export interface AcknowledgedBeaconView {
  head: { root: string; slot: number };
  justified: CheckpointValue;
  finalized: CheckpointValue;
}

/**
 * The node's view of the beacon chain: every block since the finalized checkpoint with its post-state,
 * LMD-GHOST fork choice over them, and the database. One block import = one atomic write batch
 * (block bytes + slot index + new head).
 */
export class BeaconChain {
  readonly genesisRoot: string;
  private readonly blocks = new Map<string, BeaconBlockEntry>();
  private headRoot: string;
  private finalized: CheckpointValue;
  private justified: CheckpointValue;
  private readonly listeners = new Set<(e: BeaconChainEvent) => void>();
  readonly forkChoice: BeaconForkChoice;
  /** First signed header seen per `${proposer}:${slot}`: a second, different one is slashing evidence. */
  private readonly proposals = new Map<string, SignedBeaconBlockHeaderValue>();
  /**
   * Contexts of finalized blocks whose states were pruned (forks included): shard blocks above each
   * tracked shard's crosslink build on them. Bounded by forgetContextsBelow, which the node calls with
   * the lowest beacon slot its shard chains still need.
   */
  private readonly prunedContexts = new Map<string, BeaconContext>();
  /** Roots among prunedContexts that are forks of the finalized chain, not its ancestors. */
  private readonly orphanedRoots = new Set<string>();
  /** The network's genesis root (signing domains): `state.genesisRoot`. */
  readonly networkRoot: Uint8Array;
  private headStateCache: { root: string; slot: number; state: CachedBeaconState } | undefined;
  /** The live blocks of the head's chain (isOnHeadChain), for the head they were collected from. */
  private headChainMemo: { head: string; roots: Set<string> } | undefined;
  /** beaconProposersOf's last answer. */
  private proposersMemo: { root: string; epoch: number; proposers: number[] } | undefined;
  /** Events and the acknowledged view wait here for the write batches of the blocks they follow from. */
  private readonly acks: AckQueue;
  /** Head and checkpoints as the API reports them: only what is on disk. */
  private ackedView: AcknowledgedBeaconView;
  /** Anchor and fork-context writes, in order, off the import path (settled() waits for them). */
  private anchorWrites: Promise<void> = Promise.resolve();
  /** Blocks the last open replayed from the database (those above its anchor), and the anchor's slot. */
  replayedBlocks = 0;
  /** State transitions run for blocks so far, produced or imported (tests: an own block runs one). */
  stateTransitions = 0;
  /**
   * Post-states of the blocks `produceBlock` built here, keyed by the block object it returned
   * (importOwnBlock); a WeakMap, so a block never imported (slashing protection refused it) leaves with it.
   */
  private readonly ownProduced = new WeakMap<SignedBeaconBlockValue["message"], CachedBeaconState>();
  anchorSlot = 0;
  /** Attester slashings waiting for inclusion, by the first slashable validator. */
  readonly attesterSlashings = new Map<number, AttesterSlashingValue>();
  /** Proposer slashings waiting for inclusion. */
  readonly proposerSlashings = new Map<number, ProposerSlashingValue>();

  private constructor(
    readonly genesis: Genesis,
    private readonly db: NodeDb,
    private readonly log: Logger,
    private readonly metrics: NodeMetrics,
    genesisState: CachedBeaconState,
    readonly bls: BlsBackend,
    anchor: BeaconAnchor | undefined,
  ) {
    this.networkRoot = genesisState.state.genesisRoot;
    const genesisBlock = createGenesisBlock(genesisState.state);
    this.genesisRoot = bytesToHex(BeaconBlock.hashTreeRoot(genesisBlock));
    const root: BeaconBlockEntry = anchor
      ? {
          root: anchor.root,
          slot: anchor.slot,
          parentRoot: bytesToHex(anchor.signed.message.parentRoot),
          signed: anchor.signed,
          post: anchor.post,
        }
      : { root: this.genesisRoot, slot: 0, parentRoot: "", signed: undefined, post: genesisState };
    this.blocks.set(root.root, root);
    // Shard chains that start at their genesis build on the genesis beacon block.
    if (anchor) this.prunedContexts.set(this.genesisRoot, contextOfEntry(this.genesisRoot, 0, genesisState));
    this.headRoot = root.root;
    this.finalized = { epoch: anchor?.epoch ?? 0, root: hexToBytes(root.root) };
    this.justified = this.finalized;
    this.forkChoice = createBeaconForkChoice(root.root, root.post);
    this.ackedView = {
      head: { root: root.root, slot: root.slot },
      justified: this.justified,
      finalized: this.finalized,
    };
    this.acks = new AckQueue((err, what) =>
      what === "write"
        ? this.log.error(
            { err: err.message },
            "the database refused a beacon block's write: nothing of it is acknowledged; restart the node",
          )
        : this.log.error({ err: err.message, stack: err.stack }, "beacon chain event listener failed"),
    );
  }

  /**
   * The newest stored finalized anchor state within `anchorSlotLimit` (else genesis), the stored contexts
   * of pruned fork blocks, then every stored block above the anchor replayed in slot order (re-validated).
   */
  static async open(
    genesis: Genesis,
    db: NodeDb,
    log: Logger,
    metrics: NodeMetrics,
    bls: BlsBackend,
    opts: BeaconOpenOptions = {},
  ): Promise<BeaconChain> {
    const caches = createChainCaches(genesis.preset);
    const genesisState = createCachedBeaconState(createGenesisBeaconState(genesis), caches);
    const anchor = await loadAnchor(db, caches, opts.anchorSlotLimit ?? Number.MAX_SAFE_INTEGER, log);
    const chain = new BeaconChain(genesis, db, log, metrics, genesisState, bls, anchor);
    for (const fork of await loadForkContexts(db)) {
      const cached = createCachedBeaconState(fork.state, caches);
      chain.prunedContexts.set(fork.root, contextOfEntry(fork.root, fork.slot, cached));
      chain.orphanedRoots.add(fork.root);
    }
    await chain.replayFromDb(anchor?.slot ?? 0);
    await chain.settled();
    return chain;
  }

  private async replayFromDb(anchorSlot: number): Promise<void> {
    const started = performance.now();
    const rows = await this.db.range(
      "beaconBlockSlots",
      uint64Key(anchorSlot + 1),
      uint64Key(Number.MAX_SAFE_INTEGER),
    );
    let replayed = 0;
    let skipped = 0;
    for (const [, rootBytes] of rows) {
      const bytes = await this.db.get("beaconBlocks", rootBytes);
      if (!bytes) continue;
      const signed = SignedBeaconBlock.deserialize(bytes);
      // Stored blocks passed every check, signatures included, before they were written: replay re-executes
      // them (state roots are still checked) without re-verifying BLS signatures (a 133-slot devnet restart:
      // 2.85 → 1.65 s).
      const result = this.importBlock(signed, { persist: false, trusted: true });
      if (result.status === "imported") replayed++;
      // A fork that branched off below the anchor: pruned before, its context (if needed) is stored.
      else if (result.status === "unknown_parent" || result.status === "too_old") skipped++;
      else
        this.log.warn(
          { root: bytesToHex(rootBytes), status: result.status },
          "stored beacon block not replayed",
        );
    }
    this.replayedBlocks = replayed;
    this.anchorSlot = anchorSlot;
    const head = this.head();
    this.log.info(
      {
        anchorSlot,
        blocks: replayed,
        skippedForks: skipped,
        headSlot: head.slot,
        head: head.root,
        ms: Math.round(performance.now() - started),
      },
      "beacon chain restored from database",
    );
  }

  onEvent(listener: (e: BeaconChainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers `e` to the listeners once the writes of every block imported so far are on disk. */
  private emit(e: BeaconChainEvent): void {
    this.acks.release(() => {
      for (const l of this.listeners) l(e);
    });
  }

  /** Entries of this chain's in-memory maps (shardnet_cache_entries). */
  cacheSizes(): Record<string, number> {
    return {
      beacon_blocks: this.blocks.size,
      beacon_pruned_contexts: this.prunedContexts.size,
      beacon_proposals: this.proposals.size,
      beacon_attester_slashings: this.attesterSlashings.size,
      beacon_proposer_slashings: this.proposerSlashings.size,
    };
  }

  /** Head, justified and finalized checkpoints as far as they are on disk: what the node reports. */
  acknowledged(): AcknowledgedBeaconView {
    return this.ackedView;
  }

  /** Resolves once every event and acknowledgement queued so far has been delivered, and anchors written. */
  async settled(): Promise<void> {
    await this.acks.settled();
    await this.anchorWrites;
  }

  get preset() {
    return this.genesis.preset;
  }

  has(root: string): boolean {
    return this.blocks.has(root);
  }

  get(root: string): BeaconBlockEntry | undefined {
    return this.blocks.get(root);
  }

  head(): HeadInfo {
    const entry = this.blocks.get(this.headRoot)!;
    return { root: entry.root, slot: entry.slot, state: entry.post };
  }

  finalizedCheckpoint(): CheckpointValue {
    return this.finalized;
  }

  justifiedCheckpoint(): CheckpointValue {
    return this.justified;
  }

  /** Canonical block at `slot` (the head's ancestor at or before it). */
  canonicalAt(slot: number): BeaconBlockEntry | undefined {
    let entry = this.blocks.get(this.headRoot);
    while (entry && entry.slot > slot) entry = this.blocks.get(entry.parentRoot);
    return entry;
  }

  /**
   * The parent's post-state, or the same state already advanced to `slot` when the head state was
   * prepared for that slot (the epoch transition then runs once, ahead of time, not during import).
   */
  private preStateFor(parent: BeaconBlockEntry, slot: number): CachedBeaconState {
    const cached = this.headStateCache;
    return cached && cached.root === parent.root && cached.slot === slot ? cached.state : parent.post;
  }

  /**
   * True if `root` is the head or one of its ancestors: a live block on the head's chain, or a pruned block
   * that finality kept (not an orphaned fork). Memoised per head.
   */
  isOnHeadChain(root: string): boolean {
    if (!this.blocks.has(root)) return !this.orphanedRoots.has(root);
    if (this.headChainMemo?.head !== this.headRoot) {
      const roots = new Set<string>();
      for (let e = this.blocks.get(this.headRoot); e; e = this.blocks.get(e.parentRoot)) roots.add(e.root);
      this.headChainMemo = { head: this.headRoot, roots };
    }
    return this.headChainMemo.roots.has(root);
  }

  /** True for a block pruned as a fork of the finalized chain: it can never become canonical. */
  isOrphaned(root: string): boolean {
    return this.orphanedRoots.has(root);
  }

  /**
   * The withdrawal receipts for shard `dest` from sequence number `from` (its inbox cursor SHARD_COUNT), at most
   * `max`, proven against the post-state of live block `root`: what a shard proposer building on `root`
   * includes. Empty for a pruned block (its state is gone; proposers build on live ones).
   */
  withdrawalReceiptsFor(root: string, dest: number, from: number, max: number): IncomingReceipt[] {
    const entry = this.blocks.get(root);
    if (!entry) return [];
    return withdrawalReceiptProofs(entry.post.state, this.preset.SHARD_COUNT, dest, from, max, {
      slot: entry.slot,
      blockRoot: hexToBytes(root),
    });
  }

  /** Beacon context of a known block (live or finalized-and-pruned). */
  contextOf(root: string): BeaconContext | undefined {
    const entry = this.blocks.get(root);
    if (!entry) return this.prunedContexts.get(root);
    return contextOfEntry(root, entry.slot, entry.post);
  }

  /**
   * Beacon proposers of `epoch` on the head's chain, by slot of the epoch: known for the head state's epoch
   * and the next (through its epoch transition), else undefined. For the API: memoised per (head, epoch), and
   * never through headStateAt's single entry, which holds the state the next duty and import need.
   */
  beaconProposersOf(epoch: number): number[] | undefined {
    const head = this.head();
    const memo = this.proposersMemo;
    if (memo && memo.root === head.root && memo.epoch === epoch) return memo.proposers;
    const headEpoch = head.state.epochCtx.epoch;
    if (epoch !== headEpoch && epoch !== headEpoch + 1) return undefined;
    const start = computeStartSlotAtEpoch(this.preset, epoch);
    const cached = this.headStateCache;
    const state =
      epoch === headEpoch
        ? head.state
        : cached && cached.root === head.root && cached.state.epochCtx.epoch === epoch
          ? cached.state
          : processSlots(head.state, start);
    const proposers = Array.from({ length: this.preset.SLOTS_PER_EPOCH }, (_, i) =>
      state.epochCtx.getBeaconProposer(start + i),
    );
    this.proposersMemo = { root: head.root, epoch, proposers };
    return proposers;
  }

  /**
   * Head state advanced through empty slots to `slot` (for proposing and attesting). Memoised per
   * (head, slot): crossing an epoch boundary runs epoch processing, which every duty of the slot shares.
   */
  headStateAt(slot: number): CachedBeaconState {
    const head = this.head();
    if (slot <= head.state.state.slot) return head.state;
    const cached = this.headStateCache;
    if (cached && cached.root === head.root && cached.slot === slot) return cached.state;
    const state = processSlots(head.state, slot);
    this.headStateCache = { root: head.root, slot, state };
    return state;
  }

  /**
   * Validates and imports one block. Never throws on bad input: the result says what happened.
   * `persist: false` is for replaying blocks already in the database; `trusted` (only for those) skips
   * signature checks, which they passed before they were stored.
   */
  importBlock(
    signed: SignedBeaconBlockValue,
    opts: { persist?: boolean; trusted?: boolean } = {},
  ): ImportResult & { persisted?: Promise<void> } {
    return this.importChecked(signed, opts, undefined);
  }

  /**
   * Builds a block on `pre` whose operations' signatures verify there (produceVerifiedBlock) and remembers its
   * post-state for importOwnBlock.
   */
  produceBlock(pre: CachedBeaconState, input: ProduceBlockInput): ProducedBlock {
    const produced = produceVerifiedBlock(pre, input, this.bls, this.log);
    this.stateTransitions++;
    this.ownProduced.set(produced.block, produced.postState);
    return produced;
  }

  /**
   * Imports the block `produceBlock` just built here, signed by this node's proposer, without running the
   * state transition again: production computed the post-state (and the state root in the block from it)
   * on the same pre-state, and the signatures of the operations it packed were verified on that pre-state
   * (produceVerifiedBlock). The proposer's signature is not checked: it was made here a moment ago. Only the very block object
   * `produceBlock` returned takes this path (looked up by identity), never one decoded from gossip, sync or
   * the database; anything else is imported with every check. Persisted and acknowledged as importBlock.
   */
  importOwnBlock(signed: SignedBeaconBlockValue): ImportResult & { persisted?: Promise<void> } {
    const post = this.ownProduced.get(signed.message);
    if (!post) return this.importBlock(signed);
    this.ownProduced.delete(signed.message);
    return this.importChecked(signed, {}, post);
  }

  private importChecked(
    signed: SignedBeaconBlockValue,
    opts: { persist?: boolean; trusted?: boolean },
    produced: CachedBeaconState | undefined,
  ): ImportResult & { persisted?: Promise<void> } {
    const block = signed.message;
    const root = bytesToHex(BeaconBlock.hashTreeRoot(block));
    if (this.blocks.has(root)) return { status: "known", root };
    const parentRoot = bytesToHex(block.parentRoot);
    const parent = this.blocks.get(parentRoot);
    if (!parent) {
      const finalizedSlot = this.finalized.epoch * this.preset.SLOTS_PER_EPOCH;
      if (block.slot <= finalizedSlot) return { status: "too_old", root };
      return { status: "unknown_parent", root, parentRoot };
    }
    const started = performance.now();
    let post: CachedBeaconState;
    try {
      if (produced) post = produced;
      else {
        this.stateTransitions++;
        post = stateTransition(this.preStateFor(parent, block.slot), signed, {
          verifySignatures: opts.trusted !== true,
        });
      }
    } catch (err) {
      const reason = err instanceof BlockError ? err.code : "INTERNAL";
      this.metrics.blocksRejectedTotal.inc({ chain: "beacon", reason });
      return { status: "invalid", root, reason, message: (err as Error).message };
    }
    this.detectDoubleProposal(signed);
    const entry: BeaconBlockEntry = { root, slot: block.slot, parentRoot, signed, post };
    // From here on every event this import causes waits for its write batch (issued below, once the new
    // head is known).
    const written = opts.persist !== false ? this.acks.hold() : undefined;
    this.blocks.set(root, entry);
    this.forkChoice.onBlock(entry);
    for (const vote of this.forkChoice.votesOfBlock(post, block)) {
      this.forkChoice.onAttestation(vote.validatorIndex, vote.blockRoot, vote.targetEpoch);
    }
    const previousHead = this.headRoot;
    this.applyForkChoice();
    this.metrics.blockImportSeconds.observe({ chain: "beacon" }, (performance.now() - started) / 1000);
    this.metrics.blocksImportedTotal.inc({ chain: "beacon" });
    const { proposerSlashings, attesterSlashings } = block.body;
    if (proposerSlashings.length > 0)
      this.metrics.slashingsTotal.inc({ kind: "proposer" }, proposerSlashings.length);
    if (attesterSlashings.length > 0)
      this.metrics.slashingsTotal.inc({ kind: "attester" }, attesterSlashings.length);
    this.log.info(
      { slot: block.slot, root, proposer: block.proposerIndex, crosslinks: block.body.crosslinks.length },
      "beacon block imported",
    );
    for (const c of block.body.crosslinks) {
      this.emit({ type: "crosslink", crosslink: c.crosslink, blockSlot: block.slot, blockRoot: root });
    }
    let persisted: Promise<void> | undefined;
    if (opts.persist !== false) {
      const rootBytes = hexToBytes(root);
      const ops: BatchOp[] = [
        { bucket: "beaconBlocks", key: rootBytes, value: SignedBeaconBlock.serialize(signed) },
        { bucket: "beaconBlockSlots", key: concatKey(uint64Key(block.slot), rootBytes), value: rootBytes },
        this.db.metaOp("beacon_head", this.headRoot),
      ];
      persisted = this.db.writeBatch(ops);
      written?.(persisted);
    }
    if (previousHead !== this.headRoot) {
      const head = this.head();
      this.emit({ type: "head", root: head.root, slot: head.slot });
    }
    return persisted ? { status: "imported", root, persisted } : { status: "imported", root };
  }

  /** Records the block's signed header; a second different one for the same proposer and slot becomes evidence. */
  private detectDoubleProposal(signed: SignedBeaconBlockValue): void {
    const block = signed.message;
    const header: SignedBeaconBlockHeaderValue = {
      message: {
        slot: block.slot,
        proposerIndex: block.proposerIndex,
        parentRoot: block.parentRoot,
        stateRoot: block.stateRoot,
        bodyRoot: BeaconBlockBody.hashTreeRoot(block.body),
      },
      signature: signed.signature,
    };
    const key = `${block.proposerIndex}:${block.slot}`;
    const first = this.proposals.get(key);
    if (!first) {
      this.proposals.set(key, header);
      if (this.proposals.size > 4096) this.proposals.delete(this.proposals.keys().next().value!);
      return;
    }
    if (this.proposerSlashings.has(block.proposerIndex)) return;
    const evidence = { signedHeader1: first, signedHeader2: header };
    this.proposerSlashings.set(block.proposerIndex, evidence);
    this.log.warn(
      { slot: block.slot, proposer: block.proposerIndex },
      "double proposal: proposer slashing evidence recorded",
    );
    this.emit({ type: "proposer_slashing", evidence });
  }

  /**
   * Checks gossiped proposer-slashing evidence against the head state with the rules block processing
   * applies (signatures included) and pools it. Returns why it was refused, or null.
   */
  addProposerSlashing(evidence: ProposerSlashingValue): SlashingRefusal | null {
    const state = this.head().state;
    const problem = proposerSlashingProblem(state, evidence);
    if (problem) return refusal(problem);
    const { proposerIndex, slot } = evidence.signedHeader1.message;
    if (this.proposerSlashings.has(proposerIndex)) return { kind: "known", reason: "already known" };
    if (!verifySlashingSignatures(state, { proposerSlashing: evidence })) {
      return { kind: "invalid", reason: "bad header signature" };
    }
    this.proposerSlashings.set(proposerIndex, evidence);
    this.log.warn({ slot, proposer: proposerIndex }, "proposer slashing evidence received");
    return null;
  }

  /**
   * Checks attester-slashing evidence against the head state with the rules block processing applies
   * (signatures included) and pools it. Returns why it was refused, or null.
   */
  addAttesterSlashing(evidence: AttesterSlashingValue): SlashingRefusal | null {
    const state = this.head().state;
    const checked = attesterSlashingProblem(state, evidence);
    if ("problem" in checked) return refusal(checked);
    if (checked.slashable.every((i) => this.attesterSlashings.has(i))) {
      return { kind: "known", reason: "already known" };
    }
    if (!verifySlashingSignatures(state, { attesterSlashing: evidence })) {
      return { kind: "invalid", reason: "bad attestation signature" };
    }
    for (const i of checked.slashable) this.attesterSlashings.set(i, evidence);
    this.log.warn(
      { validators: checked.slashable, slot: evidence.attestation2.data.slot },
      "attester slashing evidence recorded",
    );
    return null;
  }

  /** Attester slashings whose validators are still slashable in the head state (one per evidence). */
  pendingAttesterSlashings(): AttesterSlashingValue[] {
    const state = this.head().state;
    const out = new Set<AttesterSlashingValue>();
    for (const [index, evidence] of [...this.attesterSlashings]) {
      if (state.state.validators.getReadonly(index).slashed) this.attesterSlashings.delete(index);
      else out.add(evidence);
    }
    return [...out];
  }

  /** Evidence for the next proposal: slashings of validators not yet slashed in the head state. */
  pendingProposerSlashings(): ProposerSlashingValue[] {
    const validators = this.head().state.state.validators;
    for (const index of [...this.proposerSlashings.keys()]) {
      if (validators.getReadonly(index).slashed) this.proposerSlashings.delete(index);
    }
    return [...this.proposerSlashings.values()];
  }

  /** A vote from a gossiped attestation (LMD-GHOST latest message). */
  onAttestation(validatorIndex: number, blockRoot: string, targetEpoch: number): void {
    if (!this.blocks.has(blockRoot)) return;
    this.forkChoice.onAttestation(validatorIndex, blockRoot, targetEpoch);
  }

  /**
   * Re-runs fork choice (after attestations) and updates head, checkpoints and metrics; a new head is
   * announced (`head` event) as one a block import brings is: the shard chains follow it.
   */
  updateHead(): void {
    if (!this.applyForkChoice()) return;
    const head = this.head();
    this.emit({ type: "head", root: head.root, slot: head.slot });
  }

  /** Fork choice, checkpoints and metrics; true if the head changed. Block import announces the head itself. */
  private applyForkChoice(): boolean {
    const headRoot = this.forkChoice.getHead();
    const changed = headRoot !== this.headRoot;
    this.headRoot = headRoot;
    const head = this.head();
    const state = head.state.state;
    const justified = state.currentJustifiedCheckpoint.toValue();
    const finalized = state.finalizedCheckpoint.toValue();
    if (justified.epoch > this.justified.epoch) {
      this.justified = justified;
      this.log.info({ epoch: justified.epoch, root: bytesToHex(justified.root) }, "justified");
      this.emit({ type: "justified", checkpoint: justified });
    }
    if (finalized.epoch > this.finalized.epoch) {
      this.finalized = finalized;
      this.log.info({ epoch: finalized.epoch, root: bytesToHex(finalized.root) }, "finalized");
      this.emit({ type: "finalized", checkpoint: finalized });
      this.prune();
    }
    const view = {
      head: { root: head.root, slot: head.slot },
      justified: this.justified,
      finalized: this.finalized,
    };
    this.acks.release(() => {
      this.ackedView = view;
    });
    this.metrics.beaconHeadSlot.set(head.slot);
    this.metrics.beaconJustifiedEpoch.set(this.justified.epoch);
    this.metrics.beaconFinalizedEpoch.set(this.finalized.epoch);
    if (changed) this.log.debug({ slot: head.slot, root: head.root }, "new beacon head");
    return changed;
  }

  /** Drops blocks that are not descendants of the finalized block (they can never become canonical). */
  private prune(): void {
    const finalizedRoot = bytesToHex(this.finalized.root);
    const anchor = this.blocks.get(finalizedRoot);
    if (!anchor) return;
    const keep = new Set<string>();
    for (const entry of this.blocks.values()) {
      let cursor: BeaconBlockEntry | undefined = entry;
      while (cursor && cursor.slot > anchor.slot) cursor = this.blocks.get(cursor.parentRoot);
      if (cursor?.root === finalizedRoot) keep.add(entry.root);
    }
    const ancestors = new Set<string>();
    for (let e: BeaconBlockEntry | undefined = anchor; e; e = this.blocks.get(e.parentRoot))
      ancestors.add(e.root);
    // Keep the context of every pruned block, orphaned forks included: a canonical shard block may have been
    // built on a beacon block that later lost fork choice, and replay or range sync must still verify it.
    // Forks' states also go to disk: a restart replays the canonical chain above an anchor, not them.
    const forks: BeaconBlockEntry[] = [];
    for (const [root, entry] of [...this.blocks]) {
      if (keep.has(root)) continue;
      this.prunedContexts.set(root, contextOfEntry(root, entry.slot, entry.post));
      if (!ancestors.has(root)) forks.push(entry);
      this.blocks.delete(root);
    }
    this.writeAnchor(anchor, forks);
    this.forkChoice.prune(finalizedRoot);
    for (const fork of forks) this.orphanedRoots.add(fork.root);
    if (forks.length > 0) this.emit({ type: "orphaned", roots: new Set(forks.map((f) => f.root)) });
    // Double proposals below finality no longer matter to fork choice; the evidence already found is kept.
    const finalizedSlot = anchor.slot;
    for (const [key, header] of this.proposals)
      if (header.message.slot < finalizedSlot) this.proposals.delete(key);
  }

  /**
   * Stores the finalized block's post-state as a restart anchor (keeping the newest few) and the post-states
   * of the fork blocks just pruned, in the background, in order. States are serialized now: they are
   * immutable, but the entries leave memory.
   */
  private writeAnchor(anchor: BeaconBlockEntry, forks: readonly BeaconBlockEntry[]): void {
    if (!anchor.signed) return; // genesis is no anchor: it is rebuilt from the genesis file
    const key: BeaconAnchorKey = { slot: anchor.slot, epoch: this.finalized.epoch, root: anchor.root };
    const stateBytes = anchor.post.state.serialize();
    const forkOps = forks.map((f) => forkContextOp(f.slot, f.root, f.post.state));
    this.queueAnchorWrite(async () => {
      const ops = [...beaconAnchorOps(key, stateBytes, await listBeaconAnchors(this.db)), ...forkOps];
      await this.db.writeBatch(ops);
    });
  }

  private queueAnchorWrite(write: () => Promise<void>): void {
    this.anchorWrites = this.anchorWrites
      .then(write)
      .catch((err) =>
        this.log.warn(
          { err: (err as Error).message },
          "could not store a beacon anchor state: a restart replays from an older anchor",
        ),
      );
  }

  /**
   * Forgets the contexts of pruned blocks below `slot` (never above the finalized slot), in memory and on
   * disk: no shard block the node still imports, replays or range-syncs builds on them. Returns how many it
   * forgot from memory.
   */
  forgetContextsBelow(slot: number): number {
    const below = Math.min(slot, this.finalized.epoch * this.preset.SLOTS_PER_EPOCH);
    let forgotten = 0;
    for (const [root, context] of this.prunedContexts) {
      if (context.slot >= below) continue;
      this.prunedContexts.delete(root);
      this.orphanedRoots.delete(root);
      forgotten++;
    }
    this.queueAnchorWrite(async () => this.db.writeBatch(await forkContextDeletesBelow(this.db, below)));
    return forgotten;
  }

  /**
   * Deletes stored blocks (any fork) with slot below `slot`, never at or above the oldest stored anchor (a
   * restart replays the blocks above the anchor it loads). In batches; returns how many it deleted.
   */
  async pruneHistoryBelow(slot: number): Promise<number> {
    const anchors = await listBeaconAnchors(this.db);
    if (anchors.length === 0) return 0;
    const below = Math.min(slot, ...anchors.map((a) => a.slot));
    if (below <= 0) return 0;
    const keys = await this.db.keys("beaconBlockSlots", uint64Key(0), uint64Key(below));
    for (let at = 0; at < keys.length; at += PRUNE_BATCH) {
      const ops: BatchOp[] = [];
      for (const key of keys.slice(at, at + PRUNE_BATCH)) {
        ops.push({ bucket: "beaconBlockSlots", key, value: undefined });
        ops.push({ bucket: "beaconBlocks", key: key.subarray(8), value: undefined });
      }
      await this.db.writeBatch(ops);
    }
    return keys.length;
  }

  /** SSZ bytes of a stored block by root (any age). */
  async blockBytesByRoot(rootHex: string): Promise<Uint8Array | undefined> {
    return this.db.get("beaconBlocks", hexToBytes(rootHex));
  }

  /** Stored blocks (any fork) with slot in [start, start+count), in slot order, read from the database. */
  async blocksByRange(startSlot: number, count: number): Promise<Uint8Array[]> {
    const rows = await this.db.range("beaconBlockSlots", uint64Key(startSlot), uint64Key(startSlot + count));
    const out: Uint8Array[] = [];
    for (const [, rootBytes] of rows) {
      const bytes = await this.db.get("beaconBlocks", rootBytes);
      if (bytes) out.push(bytes);
    }
    return out;
  }

  epochOf(slot: number): number {
    return computeEpochAtSlot(this.preset, slot);
  }
}

function contextOfEntry(root: string, slot: number, post: CachedBeaconState): BeaconContext {
  return {
    root,
    slot,
    epochCtx: post.epochCtx,
    crosslinks: post.state.currentCrosslinks.getAllReadonlyValues(),
    withdrawalOutboxRoot: post.state.withdrawalOutboxes.hashTreeRoot(),
  };
}

/**
 * The newest stored anchor with slot ≤ `limit` whose state matches its block's state root. When every anchor
 * is above the limit (a shard chain stalled for longer than the anchors kept), the oldest: that shard then
 * re-syncs from a snapshot. Undefined: no usable anchor, replay from genesis.
 */
async function loadAnchor(
  db: NodeDb,
  caches: ChainCaches,
  limit: number,
  log: Logger,
): Promise<BeaconAnchor | undefined> {
  if (limit <= 0) return undefined;
  const stored = (await listBeaconAnchors(db)).sort((a, b) => b.slot - a.slot);
  const within = stored.filter((a) => a.slot <= limit);
  const oldest = stored.at(-1);
  if (within.length === 0 && oldest) {
    log.warn(
      { limit, oldestAnchorSlot: oldest.slot },
      "every stored beacon anchor is newer than a tracked shard's anchor needs: shards that lack beacon contexts re-sync from a snapshot",
    );
    within.push(oldest);
  }
  for (const key of within) {
    const state = await loadBeaconState(db, key);
    const blockBytes = await db.get("beaconBlocks", hexToBytes(key.root));
    if (!state || !blockBytes) continue;
    const signed = SignedBeaconBlock.deserialize(blockBytes);
    if (bytesToHex(state.hashTreeRoot()) !== bytesToHex(signed.message.stateRoot)) {
      log.warn(
        { slot: key.slot, root: key.root },
        "stored beacon anchor state does not match its block: skipped",
      );
      continue;
    }
    return { ...key, signed, post: createCachedBeaconState(state, caches) };
  }
  return undefined;
}
