import { BitArray } from "@chainsafe/ssz";
import { type BlsBackend, type BlsSecretKey, getBls, interopSecretKey } from "@shardnet/crypto";
import { type CachedBeaconState, createCachedBeaconState } from "../cache/cachedState.js";
import { createChainCaches } from "../cache/epochContext.js";
import { PubkeyCache } from "../cache/pubkeyCache.js";
import { ForkChoice } from "../forkChoice/forkChoice.js";
import { checkPresetLimits, type Genesis, genesisHash } from "../genesis/genesis.js";
import { createGenesisBeaconState, createGenesisBlock } from "../genesis/genesisState.js";
import {
  DOMAIN_VOLUNTARY_EXIT,
  FAR_FUTURE_EPOCH,
  MAX_STAKE,
  MAX_VOLUNTARY_EXITS,
} from "../params/constants.js";
import { type PresetName, resolvePreset } from "../params/presets.js";
import { buildAttestationData, computeAttestationSigningRoot } from "../production/attestation.js";
import { type CrosslinkCandidate, produceBlock } from "../production/produceBlock.js";
import { signBlock, signRandaoReveal } from "../production/signing.js";
import { withdrawalsCredited } from "../shard/receipts.js";
import { registeredIndex } from "../stateTransition/block/deposits.js";
import { voluntaryExitProblem } from "../stateTransition/block/registryOps.js";
import { processSlots } from "../stateTransition/slots.js";
import { stateTransition } from "../stateTransition/stateTransition.js";
import { BeaconBlock, VoluntaryExit } from "../types/beacon.js";
import type {
  AttestationValue,
  BeaconBlockValue,
  CrosslinkValue,
  SignedVoluntaryExitValue,
} from "../types/index.js";
import { bytesEqual, toHex, ZERO_ROOT } from "../util/bytes.js";
import { computeEpochAtSlot } from "../util/epoch.js";
import { sha256 } from "../util/hash.js";
import { computeDomain, computeSigningRoot } from "../util/signing.js";
import { CommitteeSigningKeys } from "./committeeKeys.js";
import { SeededRandom } from "./random.js";
import { placeholderShardBlocks, type ShardBlockBuilder, ShardHeads } from "./shardChains.js";
import {
  DEFAULT_SHARD_TRANSACTIONS,
  type ShardTransactionsConfig,
  type SimDepositsConfig,
  SimShardTransactions,
  simAccountAllocations,
} from "./shardTransactions.js";

export interface SimulationConfig {
  validators: number;
  shards: number;
  epochs: number;
  /** Fraction of validators that never propose nor attest, in [0, 1]. */
  offline: number;
  seed: number;
  preset?: PresetName;
  presetOverrides?: Record<string, number>;
  /** Real BLS signing and verification (default true). `false` is for big runs only. */
  signatures?: boolean;
  /** Custom shard blocks (disables the transaction workload). */
  shardBlocks?: ShardBlockBuilder;
  /** Seeded transfer workload through real shard blocks (default DEFAULT_SHARD_TRANSACTIONS); false: none. */
  transactions?: ShardTransactionsConfig | false;
  /**
   * New validators join through deposit transactions sent by the transfer workload (issue 18; default none).
   * They are honest and online once active. Needs the transaction workload.
   */
  deposits?: SimDepositsConfig;
  /**
   * Validators that exit voluntarily (default none), each included by the beacon proposer as soon as it is
   * allowed (MIN_VALIDATOR_ACTIVE_PERIODS): the `count` highest online genesis indices, and the validators of
   * the first `deposited` deposits (default 0, at most deposits.count) once registered. Their stake is withdrawn
   * to their withdrawal address (the zero account for genesis validators, the paying dev account for deposits).
   */
  exits?: { count: number; deposited?: number };
}

/** Voluntary exits (present only when the run has some). */
export interface SimulationExitsSummary {
  /** Validators that were to exit, those whose exit the head state scheduled, and those already exited. */
  requested: number;
  scheduled: number;
  exited: number;
}

/**
 * Withdrawals (present when the run has exits or the head state sent any): beacon→shard receipts the head state
 * sent, and those the shard heads credited. Amounts in gwei, as decimal strings (JSON has no bigint).
 */
export interface SimulationWithdrawalsSummary {
  sent: number;
  sentGwei: string;
  credited: number;
  creditedGwei: string;
}

/** Validators that joined by deposit (present only when the run sends deposits). */
export interface SimulationDepositsSummary {
  /** Deposit transactions the workload sent, included in shard blocks, and refused by a shard block. */
  sent: number;
  included: number;
  rejected: number;
  /** Deposits the head state registered (sum of its deposit cursors). */
  registered: number;
  /** Validators beyond genesis in the head state's registry, and those of them active at the head's epoch. */
  newValidators: number;
  activated: number;
  /** New validators that signed at least one attestation, and beacon blocks they proposed. */
  attested: number;
  blocksProposed: number;
}

export interface SimulationSummary {
  validators: number;
  shards: number;
  epochs: number;
  offlineValidators: number;
  headSlot: number;
  justifiedEpoch: number;
  finalizedEpoch: number;
  blocksProposed: number;
  slotsMissed: number;
  /** Crosslinks per shard on the canonical chain. */
  crosslinksPerShard: number[];
  /** (shard, epoch) pairs of completed epochs with no crosslink on the canonical chain. */
  epochsWithoutCrosslink: number;
  safetyViolations: number;
  /** Head state root (0x-hex). */
  stateRoot: string;
  /** sha256 over the committees of period 0 (0x-hex): shows whether two runs shuffled alike. */
  committeeFingerprint: string;
  signatures: boolean;
  /** Shard transactions (zero and true when the workload is off). */
  txsSubmitted: number;
  txsIncluded: number;
  /** Shard→shard receipts (deposits and withdrawals are counted in their own summaries). */
  receiptsSent: number;
  receiptsCredited: number;
  /** The whole supply invariant held after every slot (ShardTransactionsSummary.supplyConserved). */
  supplyConserved: boolean;
  deposits?: SimulationDepositsSummary;
  exits?: SimulationExitsSummary;
  withdrawals?: SimulationWithdrawalsSummary;
}

/** The compressed G2 point at infinity: a well-formed placeholder signature for runs without BLS. */
export const PLACEHOLDER_SIGNATURE = (() => {
  const bytes = new Uint8Array(96);
  bytes[0] = 0xc0;
  return bytes;
})();

interface StoredBlock {
  block: BeaconBlockValue;
  state: CachedBeaconState;
}

/**
 * Deterministic simulation of the beacon chain with honest validators (no I/O, no clock): every slot the
 * beacon proposer (if online) builds on the fork-choice head, each shard proposer extends its shard, and
 * every online committee member attests; aggregates feed crosslinks, FFG and fork choice.
 */
export class Simulator {
  readonly genesis: Genesis;
  readonly genesisRoot: Uint8Array;
  readonly forkChoice: ForkChoice;
  readonly offline: Set<number>;
  readonly shardHeads: ShardHeads;
  private readonly bls: BlsBackend;
  /** Secret keys by interop index: the genesis validators, then the keys the deposit workload registers. */
  private readonly secretKeys: BlsSecretKey[];
  /** Interop index of each deposit key (hex pubkey), for validators registered after genesis. */
  private readonly depositKeyIndex = new Map<string, number>();
  /** Attestations signed, and beacon blocks proposed, by validators registered after genesis (by index). */
  readonly newValidatorAttestations = new Map<number, number>();
  private newValidatorBlocks = 0;
  /** Genesis validators that exit voluntarily once allowed (config.exits.count). */
  readonly exitingValidators: readonly number[];
  /** Pubkeys of the deposited validators that exit voluntarily once registered and allowed (config.exits.deposited). */
  private readonly exitingDepositKeys: readonly Uint8Array[];
  private readonly committeeKeys: CommitteeSigningKeys;
  private readonly signatures: boolean;
  private readonly shardBlocks: ShardBlockBuilder;
  /** The transfer (and deposit) workload and its shard chains; undefined with placeholder or custom shard blocks. */
  readonly shardTransactions: SimShardTransactions | undefined;
  private readonly blocks = new Map<string, StoredBlock>();
  private readonly genesisBlockRoot: Uint8Array;
  private attestationPool: AttestationValue[] = [];
  private crosslinkCandidates: CrosslinkCandidate[] = [];
  private finalizedRoot: Uint8Array;
  private finalizedEpoch = 0;
  private safetyViolations = 0;
  private blocksProposed = 0;
  private slotsMissed = 0;
  private slot = 0;

  constructor(readonly config: SimulationConfig) {
    if (!(config.offline >= 0 && config.offline <= 1))
      throw new Error(`offline fraction must be in [0, 1], got ${config.offline}`);
    if (!(Number.isInteger(config.validators) && config.validators > 0))
      throw new Error("validators must be a positive integer");
    this.bls = getBls();
    this.committeeKeys = new CommitteeSigningKeys(this.bls);
    this.signatures = config.signatures ?? true;
    const presetName = config.preset ?? "local";
    const overrides = { ...config.presetOverrides, SHARD_COUNT: config.shards };
    const preset = resolvePreset(presetName, overrides);
    checkPresetLimits(preset);
    const transactions = config.shardBlocks ? false : (config.transactions ?? DEFAULT_SHARD_TRANSACTIONS);
    if (config.deposits && !transactions)
      throw new Error(
        "deposits need the transaction workload (transactions not false, no custom shardBlocks)",
      );
    const depositCount = config.deposits?.count ?? 0;
    this.secretKeys = Array.from({ length: config.validators + depositCount }, (_, i) =>
      this.bls.secretKeyFromBytes(interopSecretKey(i)),
    );
    const publicKeys = this.secretKeys.slice(0, config.validators).map((sk) => sk.toPublicKey());
    this.genesis = {
      network: `sim-${config.seed}`,
      genesisTime: 0,
      presetName,
      presetOverrides: overrides,
      preset,
      validators: publicKeys.map((pk) => ({ pubkey: pk.toBytes(), stake: MAX_STAKE })),
      accounts: transactions ? simAccountAllocations(transactions, depositCount) : [],
    };
    this.genesisRoot = genesisHash(this.genesis);
    this.shardTransactions = transactions
      ? new SimShardTransactions(
          transactions,
          preset,
          config.seed,
          this.genesis.validators.reduce((sum, v) => sum + v.stake, 0n),
          config.deposits && {
            config: config.deposits,
            firstIndex: config.validators,
            genesisRoot: this.genesisRoot,
            bls: this.bls,
            secretKey: (index) => this.secretKeys[index] as BlsSecretKey,
          },
        )
      : undefined;
    this.shardBlocks = config.shardBlocks ?? this.shardTransactions ?? placeholderShardBlocks;
    for (let i = config.validators; i < this.secretKeys.length; i++)
      this.depositKeyIndex.set(toHex((this.secretKeys[i] as BlsSecretKey).toPublicKey().toBytes()), i);
    const pubkeyCache = new PubkeyCache(this.bls);
    for (const [i, pk] of publicKeys.entries()) pubkeyCache.add(i, pk.toBytes());
    const genesisState = createCachedBeaconState(
      createGenesisBeaconState(this.genesis),
      createChainCaches(preset, pubkeyCache),
    );
    const genesisBlock = createGenesisBlock(genesisState.state);
    this.genesisBlockRoot = BeaconBlock.hashTreeRoot(genesisBlock);
    this.blocks.set(toHex(this.genesisBlockRoot), { block: genesisBlock, state: genesisState });
    const checkpoint = genesisState.state.currentJustifiedCheckpoint.toValue();
    this.forkChoice = new ForkChoice(
      {
        root: this.genesisBlockRoot,
        parentRoot: ZERO_ROOT,
        slot: 0,
        justifiedCheckpoint: checkpoint,
        finalizedCheckpoint: checkpoint,
      },
      genesisState.epochCtx.stakes,
    );
    this.finalizedRoot = this.genesisBlockRoot;
    const random = new SeededRandom(config.seed);
    this.offline = new Set(random.sample(config.validators, Math.floor(config.offline * config.validators)));
    const exitCount = config.exits?.count ?? 0;
    if (!(Number.isSafeInteger(exitCount) && exitCount >= 0))
      throw new Error("exits.count must be an integer ≥ 0");
    const exiting: number[] = [];
    for (let i = config.validators - 1; i >= 0 && exiting.length < exitCount; i--)
      if (this.isOnline(i)) exiting.push(i);
    if (exiting.length < exitCount)
      throw new Error(`exits.count ${exitCount}: only ${exiting.length} online validators`);
    this.exitingValidators = exiting.reverse();
    const depositedExits = config.exits?.deposited ?? 0;
    if (!(Number.isSafeInteger(depositedExits) && depositedExits >= 0 && depositedExits <= depositCount))
      throw new Error(`exits.deposited must be an integer in [0, deposits.count = ${depositCount}]`);
    this.exitingDepositKeys = this.secretKeys
      .slice(config.validators, config.validators + depositedExits)
      .map((sk) => sk.toPublicKey().toBytes());
    this.shardHeads = new ShardHeads(preset.SHARD_COUNT);
  }

  get preset() {
    return this.genesis.preset;
  }

  private isOnline(index: number): boolean {
    return !this.offline.has(index);
  }

  /**
   * Interop index of the key of validator `index` in `cached`: the index itself for genesis validators; for one
   * registered later, the deposit key with its pubkey (registration order need not be the order sent).
   */
  private interopIndex(cached: CachedBeaconState, index: number): number {
    if (index < this.config.validators) return index;
    const pubkey = toHex(cached.state.validators.getReadonly(index).pubkey);
    const interop = this.depositKeyIndex.get(pubkey);
    if (interop === undefined)
      throw new Error(`simulator: validator ${index} has a key the simulator never deposited`);
    return interop;
  }

  private checkpointRoot(root: Uint8Array): Uint8Array {
    return bytesEqual(root, ZERO_ROOT) ? this.genesisBlockRoot : root;
  }

  headState(): CachedBeaconState {
    const stored = this.blocks.get(toHex(this.forkChoice.getHead()));
    if (!stored) throw new Error("simulator: head block has no stored state");
    return stored.state;
  }

  /** Runs slots up to and including the last slot of `config.epochs` epochs … plus the first slot after. */
  run(): SimulationSummary {
    const lastSlot = this.config.epochs * this.preset.SLOTS_PER_EPOCH;
    while (this.slot < lastSlot) this.runSlot(this.slot + 1);
    return this.summary();
  }

  runSlot(slot: number): void {
    this.slot = slot;
    this.proposeBeaconBlock(slot);
    const headRoot = this.forkChoice.getHead();
    const head = this.headState();
    const atSlot = head.state.slot === slot ? head : processSlots(head, slot);
    atSlot.state.commit();
    const crosslinks = atSlot.state.currentCrosslinks.getAllReadonlyValues();
    this.shardTransactions?.beginSlot(slot);
    this.proposeShardBlocks(atSlot, slot, headRoot, crosslinks, head);
    this.attest(atSlot, slot, headRoot);
    this.shardTransactions?.endSlot(slot, crosslinks, head);
    const oldest = slot - this.preset.SLOTS_PER_EPOCH;
    this.attestationPool = this.attestationPool.filter((a) => a.data.slot >= oldest);
    this.crosslinkCandidates = this.crosslinkCandidates.filter((c) => c.attestation.data.slot >= oldest);
  }

  private proposeBeaconBlock(slot: number): void {
    const head = this.headState();
    const pre = processSlots(head, slot);
    const proposer = pre.epochCtx.getBeaconProposer(slot);
    if (!this.isOnline(proposer)) {
      this.slotsMissed++;
      return;
    }
    const sk = this.secretKeys[this.interopIndex(pre, proposer)] as BlsSecretKey;
    const epoch = computeEpochAtSlot(this.preset, slot);
    const randaoReveal = this.signatures
      ? signRandaoReveal(sk, this.genesisRoot, epoch)
      : PLACEHOLDER_SIGNATURE;
    const { block } = produceBlock(pre, {
      slot,
      randaoReveal,
      crosslinkCandidates: this.crosslinkCandidates,
      attestations: this.attestationPool,
      deposits: this.shardTransactions?.depositsForBeaconBlock(pre) ?? [],
      voluntaryExits: this.voluntaryExits(pre, epoch),
    });
    const signed = this.signatures
      ? signBlock(sk, pre, block)
      : { message: block, signature: PLACEHOLDER_SIGNATURE };
    const post = stateTransition(head, signed, { verifySignatures: this.signatures });
    const root = BeaconBlock.hashTreeRoot(block);
    this.blocks.set(toHex(root), { block, state: post });
    this.forkChoice.onBlock({
      root,
      parentRoot: block.parentRoot,
      slot,
      justifiedCheckpoint: post.state.currentJustifiedCheckpoint.toValue(),
      finalizedCheckpoint: post.state.finalizedCheckpoint.toValue(),
    });
    this.forkChoice.updateBalances(post.epochCtx.stakes);
    this.blocksProposed++;
    if (proposer >= this.config.validators) this.newValidatorBlocks++;
    this.onFinalityChange();
  }

  /** Registry indices in `cached` of the validators that are to exit (deposited ones once registered). */
  private exitingIndices(cached: CachedBeaconState): number[] {
    const deposited = this.exitingDepositKeys.flatMap((pubkey) => {
      const index = registeredIndex(cached, pubkey);
      return index === undefined ? [] : [index];
    });
    return [...this.exitingValidators, ...deposited];
  }

  /** Signed exits of the exiting validators that `pre` allows now (not yet scheduled, active long enough). */
  private voluntaryExits(pre: CachedBeaconState, epoch: number): SignedVoluntaryExitValue[] {
    const exits: SignedVoluntaryExitValue[] = [];
    for (const validatorIndex of this.exitingIndices(pre)) {
      if (exits.length >= MAX_VOLUNTARY_EXITS) break;
      const message = { epoch, validatorIndex };
      const unsigned = { message, signature: PLACEHOLDER_SIGNATURE };
      if (voluntaryExitProblem(pre, unsigned) !== null) continue;
      if (!this.signatures) {
        exits.push(unsigned);
        continue;
      }
      const root = computeSigningRoot(
        VoluntaryExit.hashTreeRoot(message),
        computeDomain(DOMAIN_VOLUNTARY_EXIT, this.genesisRoot),
      );
      const sk = this.secretKeys[this.interopIndex(pre, validatorIndex)] as BlsSecretKey;
      exits.push({ message, signature: sk.sign(root).toBytes() });
    }
    return exits;
  }

  private proposeShardBlocks(
    atSlot: CachedBeaconState,
    slot: number,
    headRoot: Uint8Array,
    crosslinks: readonly CrosslinkValue[],
    head: CachedBeaconState,
  ): void {
    // The beacon block the shard blocks build on, and its post-state: their withdrawals are proven against it.
    const beacon = { slot: head.state.slot, state: head.state };
    for (let shard = 0; shard < this.preset.SHARD_COUNT; shard++) {
      const proposerIndex = atSlot.epochCtx.getShardProposer(shard, slot);
      if (!this.isOnline(proposerIndex)) continue;
      const header = this.shardBlocks.buildShardBlock({
        shard,
        slot,
        proposerIndex,
        parent: this.shardHeads.headers[shard],
        parentRoot: this.shardHeads.roots[shard] as Uint8Array,
        beaconBlockRoot: headRoot,
        crosslinks,
        beacon,
      });
      this.shardHeads.extend(header);
    }
  }

  private attest(atSlot: CachedBeaconState, slot: number, headRoot: Uint8Array): void {
    for (let shard = 0; shard < this.preset.SHARD_COUNT; shard++) {
      const committee = atSlot.epochCtx.getShardCommittee(shard, slot);
      const positions: number[] = [];
      for (let p = 0; p < committee.length; p++) if (this.isOnline(committee[p] as number)) positions.push(p);
      if (positions.length === 0) continue;
      const data = buildAttestationData(atSlot, {
        slot,
        shard,
        shardBlockRoot: this.shardHeads.roots[shard] as Uint8Array,
        beaconBlockRoot: headRoot,
      });
      let signature: Uint8Array = PLACEHOLDER_SIGNATURE;
      if (this.signatures) {
        const message = computeAttestationSigningRoot(this.genesisRoot, data);
        const members = positions.map((p) => this.interopIndex(atSlot, committee[p] as number));
        signature = this.committeeKeys.aggregateKey(members).sign(message).toBytes();
      }
      const bits = BitArray.fromBitLen(committee.length);
      for (const p of positions) bits.set(p, true);
      const attestation: AttestationValue = { aggregationBits: bits, data, signature };
      this.attestationPool.push(attestation);
      const header = this.shardHeads.headers[shard];
      if (header) this.crosslinkCandidates.push({ header, attestation });
      for (const p of positions) {
        const index = committee[p] as number;
        this.forkChoice.onAttestation(index, headRoot, data.target.epoch);
        if (index >= this.config.validators)
          this.newValidatorAttestations.set(index, (this.newValidatorAttestations.get(index) ?? 0) + 1);
      }
    }
  }

  /** Safety: each newly finalized block must descend from the previously finalized one. */
  private onFinalityChange(): void {
    const finalized = this.forkChoice.getFinalizedCheckpoint();
    if (finalized.epoch <= this.finalizedEpoch) return;
    const root = this.checkpointRoot(finalized.root);
    if (!this.isAncestor(this.finalizedRoot, root)) this.safetyViolations++;
    this.finalizedEpoch = finalized.epoch;
    this.finalizedRoot = root;
    this.forkChoice.prune();
    const finalizedState = this.blocks.get(toHex(root))?.state;
    if (finalizedState) this.shardTransactions?.pruneDeposits(finalizedState.state.depositCursors.getAll());
  }

  private isAncestor(ancestor: Uint8Array, root: Uint8Array): boolean {
    let cursor: Uint8Array = root;
    for (;;) {
      if (bytesEqual(cursor, ancestor)) return true;
      const stored = this.blocks.get(toHex(cursor));
      if (!stored || stored.block.slot === 0) return false;
      cursor = stored.block.parentRoot;
    }
  }

  summary(): SimulationSummary {
    const headRoot = this.forkChoice.getHead();
    const head = this.headState();
    const preset = this.preset;
    const crosslinksPerShard = new Array<number>(preset.SHARD_COUNT).fill(0);
    const crosslinkedEpochs = Array.from({ length: preset.SHARD_COUNT }, () => new Set<number>());
    let cursor: Uint8Array = headRoot;
    for (;;) {
      const stored = this.blocks.get(toHex(cursor));
      if (!stored || stored.block.slot === 0) break;
      for (const item of stored.block.body.crosslinks) {
        crosslinksPerShard[item.crosslink.shard] = (crosslinksPerShard[item.crosslink.shard] ?? 0) + 1;
        crosslinkedEpochs[item.crosslink.shard]?.add(computeEpochAtSlot(preset, stored.block.slot));
      }
      cursor = stored.block.parentRoot;
    }
    const completedEpochs = Math.floor(this.slot / preset.SLOTS_PER_EPOCH);
    let epochsWithoutCrosslink = 0;
    for (const epochs of crosslinkedEpochs) {
      for (let e = 0; e < completedEpochs; e++) if (!epochs.has(e)) epochsWithoutCrosslink++;
    }
    const genesisShuffling = this.blocks.get(toHex(this.genesisBlockRoot))?.state.epochCtx.currentShuffling;
    const committeeFingerprint = toHex(
      sha256(
        ...(genesisShuffling?.committees ?? []).map(
          (c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength),
        ),
      ),
    );
    return {
      validators: this.config.validators,
      shards: preset.SHARD_COUNT,
      epochs: this.config.epochs,
      offlineValidators: this.offline.size,
      headSlot: head.state.slot,
      justifiedEpoch: head.state.currentJustifiedCheckpoint.epoch,
      finalizedEpoch: head.state.finalizedCheckpoint.epoch,
      blocksProposed: this.blocksProposed,
      slotsMissed: this.slotsMissed,
      crosslinksPerShard,
      epochsWithoutCrosslink,
      safetyViolations: this.safetyViolations,
      stateRoot: toHex(head.state.hashTreeRoot()),
      committeeFingerprint,
      signatures: this.signatures,
      ...(this.shardTransactions?.summary() ?? {
        txsSubmitted: 0,
        txsIncluded: 0,
        receiptsSent: 0,
        receiptsCredited: 0,
        supplyConserved: true,
      }),
      ...(this.config.deposits ? { deposits: this.depositsSummary(head) } : {}),
      ...(this.config.exits ? { exits: this.exitsSummary(head) } : {}),
      ...this.withdrawalsSummary(head),
    };
  }

  private exitsSummary(head: CachedBeaconState): SimulationExitsSummary {
    const epoch = computeEpochAtSlot(this.preset, head.state.slot);
    let scheduled = 0;
    let exited = 0;
    for (const index of this.exitingIndices(head)) {
      const { exitEpoch } = head.state.validators.getReadonly(index);
      if (exitEpoch !== FAR_FUTURE_EPOCH) scheduled++;
      if (exitEpoch <= epoch) exited++;
    }
    const requested = this.exitingValidators.length + this.exitingDepositKeys.length;
    return { requested, scheduled, exited };
  }

  /** Withdrawals sent by the head state and credited by the shard heads; none when the run has no exits and none were sent. */
  private withdrawalsSummary(head: CachedBeaconState): { withdrawals?: SimulationWithdrawalsSummary } {
    const { state } = head;
    let sent = 0;
    for (let shard = 0; shard < state.withdrawalOutboxes.length; shard++)
      sent += state.withdrawalOutboxes.getReadonly(shard).length;
    if (sent === 0 && !this.config.exits) return {};
    const shardHeads = this.shardTransactions?.shards.heads ?? [];
    return {
      withdrawals: {
        sent,
        sentGwei: state.withdrawnAmounts
          .getAll()
          .reduce((a, b) => a + b, 0n)
          .toString(),
        credited: shardHeads.reduce((n, h) => n + h.inboxCursor(h.beaconOutbox), 0),
        creditedGwei: withdrawalsCredited(shardHeads).toString(),
      },
    };
  }

  private depositsSummary(head: CachedBeaconState): SimulationDepositsSummary {
    const stats = this.shardTransactions?.shards.stats;
    const { state } = head;
    const epoch = computeEpochAtSlot(this.preset, state.slot);
    let activated = 0;
    for (let i = this.config.validators; i < state.validators.length; i++) {
      const v = state.validators.getReadonly(i);
      if (v.activationEpoch <= epoch && epoch < v.exitEpoch) activated++;
    }
    return {
      sent: this.shardTransactions?.sentDeposits.length ?? 0,
      included: stats?.depositsIncluded ?? 0,
      rejected: stats?.depositsRejected ?? 0,
      registered: state.depositCursors.getAll().reduce((a, b) => a + b, 0),
      newValidators: state.validators.length - this.config.validators,
      activated,
      attested: this.newValidatorAttestations.size,
      blocksProposed: this.newValidatorBlocks,
    };
  }
}

/** Runs a whole simulation and returns its summary. */
export function runSimulation(config: SimulationConfig): SimulationSummary {
  return new Simulator(config).run();
}
