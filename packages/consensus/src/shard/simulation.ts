import { addressFromPubkey, type BlsBackend, type Ed25519KeyPair } from "@shardnet/crypto";
import { withdrawalReceiptProofs } from "../production/withdrawalProofs.js";
import type {
  BeaconStateView,
  CrosslinkValue,
  DepositTransactionValue,
  DepositValue,
  ShardBlockHeaderValue,
} from "../types/index.js";
import { addressKey, shardOf } from "./address.js";
import { processShardBlock, produceShardBlock } from "./block.js";
import { depositTransactionHash } from "./deposit.js";
import { createShardGenesisState, type GenesisAllocation, genesisSupply } from "./genesis.js";
import { Mempool, type MempoolAddResult } from "./mempool.js";
import { OutboxLog } from "./outboxLog.js";
import {
  type BeaconReceiptSource,
  buildReceiptProofs,
  crosslinkLookupFromList,
  depositsRegisteredProblem,
  isSupplyConserved,
} from "./receipts.js";
import type { ShardState } from "./state.js";
import { signTransaction } from "./transaction.js";
import {
  type IncomingReceipt,
  IncomingReceipts,
  type Receipt,
  type ShardBlock,
  type Transaction,
} from "./types.js";

export interface ShardSimulationOptions {
  shardCount: number;
  /** Preset MAX_TXS_PER_SHARD_BLOCK. */
  maxTransactions: number;
  allocations: readonly GenesisAllocation[];
  mempoolCapacity?: number;
  /** Re-execute every produced block with processShardBlock, as an importing node would (default true). */
  validateBlocks?: boolean;
  /** The network's genesis hash and a BLS backend: blocks may include deposit transactions (issue 18). */
  deposits?: { genesisRoot: Uint8Array; bls: BlsBackend };
}

export interface ShardSimulationStats {
  txsSubmitted: number;
  txsRejected: number;
  txsIncluded: number;
  /** Shard→shard receipts sent and credited (deposits and withdrawals are counted apart). */
  receiptsSent: number;
  receiptsCredited: number;
  /** Withdrawal receipts (beacon→shard, issue 18) credited, and their total in gwei. */
  withdrawalsCredited: number;
  withdrawalAmountCredited: bigint;
  /** Deposit transactions submitted, refused by a block producer, and included in shard blocks. */
  depositsSubmitted: number;
  depositsRejected: number;
  depositsIncluded: number;
}

export interface ShardSlotInput {
  shard: number;
  slot: number;
  proposerIndex: number;
  beaconBlockRoot: Uint8Array;
  /** The crosslinks in the beacon state at beaconBlockRoot (e.g. its currentCrosslinks). */
  crosslinks: readonly CrosslinkValue[];
  /**
   * The beacon state at beaconBlockRoot (the committed post-state of that block, at `slot`): the block credits
   * its withdrawal receipts for this shard, proven against it. Without it, no withdrawals are credited.
   */
  beacon?: BeaconAnchor;
}

/** A beacon block and its committed post-state, as the source of withdrawal receipts. */
export interface BeaconAnchor {
  slot: number;
  state: BeaconStateView;
}

/**
 * Every shard chain of a network in one process, for the simulator and tests: head state and mempool per
 * shard, the states of recent blocks (receipt proofs are built from the state of the crosslinked block), block
 * production with receipt relay, and the supply invariant. Deterministic; shard chains are linear (each
 * proposer extends the shard's head).
 */
export class ShardSimulation {
  readonly heads: ShardState[];
  readonly mempools: Mempool[];
  readonly genesisSupply: bigint;
  readonly stats: ShardSimulationStats = {
    txsSubmitted: 0,
    txsRejected: 0,
    txsIncluded: 0,
    receiptsSent: 0,
    receiptsCredited: 0,
    withdrawalsCredited: 0,
    withdrawalAmountCredited: 0n,
    depositsSubmitted: 0,
    depositsRejected: 0,
    depositsIncluded: 0,
  };
  private readonly statesByRoot: Map<string, ShardState>[];
  /** Each shard's sent receipts not yet credited (the states keep only outbox accumulators). */
  private readonly logs: OutboxLog[];
  /** Each shard's deposit transactions waiting for a block, in submission order. */
  private readonly pendingDeposits: DepositTransactionValue[][];
  /** Each shard's included deposit transactions by beacon-outbox sequence number (until the beacon registers them). */
  private readonly depositBodies: Map<number, DepositTransactionValue>[];

  constructor(private readonly options: ShardSimulationOptions) {
    this.genesisSupply = genesisSupply(options.allocations);
    this.heads = Array.from({ length: options.shardCount }, (_, shard) =>
      createShardGenesisState(shard, options.shardCount, options.allocations),
    );
    this.mempools = this.heads.map(
      (_, shard) =>
        new Mempool({ shard, shardCount: options.shardCount, capacity: options.mempoolCapacity ?? 100_000 }),
    );
    this.statesByRoot = this.heads.map((head) => new Map([[addressKey(head.latestBlockRoot), head]]));
    this.logs = this.heads.map((head) => OutboxLog.fromState(head));
    this.pendingDeposits = this.heads.map(() => []);
    this.depositBodies = this.heads.map(() => new Map());
  }

  /**
   * Queues a deposit transaction for the next block of its sender's shard (checked there: a block skips an
   * invalid one, which is then dropped and counted in stats.depositsRejected).
   */
  submitDeposit(tx: DepositTransactionValue): void {
    if (this.options.deposits === undefined)
      throw new Error("ShardSimulation: deposits need options.deposits (genesis root and BLS backend)");
    this.pendingDeposits[shardOf(tx.from, this.options.shardCount)]!.push(tx);
    this.stats.depositsSubmitted++;
  }

  /** Deposit transactions submitted and not yet included nor refused. */
  get pendingDepositCount(): number {
    return this.pendingDeposits.reduce((n, pending) => n + pending.length, 0);
  }

  /** Submits `tx` to the mempool of its sender's shard. */
  submit(tx: Transaction): MempoolAddResult {
    const shard = shardOf(tx.from, this.options.shardCount);
    const result = this.mempools[shard].add(tx, this.heads[shard]);
    this.stats.txsSubmitted++;
    if (!result.ok) this.stats.txsRejected++;
    return result;
  }

  /** Next nonce for `address` given its shard's head and mempool. */
  pendingNonce(address: Uint8Array): number {
    const shard = shardOf(address, this.options.shardCount);
    return this.mempools[shard].pendingNonce(this.heads[shard], address);
  }

  /**
   * Produces the shard's next block on its head: the receipts now provable against `crosslinks` and the
   * withdrawals of `beacon`, then the mempool's best transactions. Advances the head and returns the block.
   */
  produceBlock(input: ShardSlotInput): {
    block: ShardBlock;
    blockRoot: Uint8Array;
    header: ShardBlockHeaderValue;
  } {
    const { shard } = input;
    const head = this.heads[shard];
    const mempool = this.mempools[shard];
    const { shardCount } = this.options;
    const beacon = input.beacon && this.beaconSource(input.beacon, input.beaconBlockRoot);
    const context = {
      shardCount,
      maxTransactions: this.options.maxTransactions,
      crosslinks: crosslinkLookupFromList(input.crosslinks, beacon),
      verifiedTxHashes: mempool.verifiedTxHashes,
      ...(this.options.deposits ? { deposits: this.options.deposits } : {}),
    };
    const pendingDeposits = this.pendingDeposits[shard]!;
    const produced = produceShardBlock(
      head,
      {
        slot: input.slot,
        proposerIndex: input.proposerIndex,
        beaconBlockRoot: input.beaconBlockRoot,
        transactions: mempool.selectForBlock(head, this.options.maxTransactions),
        pendingReceipts: [
          ...this.provableReceipts(head, input.crosslinks),
          ...(input.beacon ? this.provableWithdrawals(head, input.beacon, input.beaconBlockRoot) : []),
        ],
        deposits: pendingDeposits,
      },
      context,
    );
    if (this.options.validateBlocks ?? true) {
      const imported = processShardBlock(head, produced.block, context);
      if (addressKey(imported.postState.hashTreeRoot()) !== addressKey(produced.block.header.stateRoot)) {
        throw new Error(`shard ${shard} slot ${input.slot}: re-executed block disagrees with its producer`);
      }
    }
    mempool.removeIncluded(produced.txHashes);
    mempool.pruneStale(produced.postState);
    this.heads[shard] = produced.postState;
    for (const receipt of produced.receiptsSent) this.logs[shard]!.append(receipt);
    this.recordDeposits(shard, produced.block, produced.receiptsSent, produced.skippedDeposits);
    this.statesByRoot[shard].set(addressKey(produced.blockRoot), produced.postState);
    this.stats.txsIncluded += produced.block.body.transactions.length;
    this.countReceipts(produced.receiptsSent, produced.block.body.incomingReceipts);
    return { block: produced.block, blockRoot: produced.blockRoot, header: produced.block.header };
  }

  /** Counts shard→shard receipts sent and credited, and withdrawals credited (deposits: recordDeposits). */
  private countReceipts(sent: readonly Receipt[], credited: readonly IncomingReceipt[]): void {
    const beaconSource = this.options.shardCount;
    this.stats.receiptsSent += sent.filter((r) => r.dest !== beaconSource).length;
    for (const { receipt } of credited) {
      if (receipt.source !== beaconSource) {
        this.stats.receiptsCredited++;
        continue;
      }
      this.stats.withdrawalsCredited++;
      this.stats.withdrawalAmountCredited += receipt.amount;
    }
  }

  /** The beacon block at `blockRoot` as the receipt source SHARD_COUNT (its withdrawal outboxes' root). */
  private beaconSource(beacon: BeaconAnchor, blockRoot: Uint8Array): BeaconReceiptSource {
    return {
      source: this.options.shardCount,
      slot: beacon.slot,
      blockRoot,
      withdrawalOutboxRoot: beacon.state.withdrawalOutboxes.hashTreeRoot(),
    };
  }

  /** The withdrawals of `beacon` to `destState`'s shard from its inbox cursor SHARD_COUNT on, with proofs. */
  private provableWithdrawals(
    destState: ShardState,
    beacon: BeaconAnchor,
    blockRoot: Uint8Array,
  ): IncomingReceipt[] {
    const { shardCount } = this.options;
    return withdrawalReceiptProofs(
      beacon.state,
      shardCount,
      destState.shard,
      destState.inboxCursor(shardCount),
      IncomingReceipts.limit,
      { slot: beacon.slot, blockRoot },
    );
  }

  /** Takes the included and refused deposits out of the shard's pending list and keeps the included by seq. */
  private recordDeposits(
    shard: number,
    block: ShardBlock,
    receiptsSent: readonly Receipt[],
    skipped: readonly { tx: DepositTransactionValue }[],
  ): void {
    const beaconOutbox = this.options.shardCount;
    const receipts = receiptsSent.filter((r) => r.dest === beaconOutbox);
    const { deposits } = block.body;
    if (receipts.length !== deposits.length)
      throw new Error(
        `internal: shard ${shard} block has ${deposits.length} deposits, ${receipts.length} receipts`,
      );
    if (deposits.length === 0 && skipped.length === 0) return;
    const done = new Set<string>();
    deposits.forEach((tx, i) => {
      this.depositBodies[shard]!.set(receipts[i]!.seq, tx);
      done.add(addressKey(depositTransactionHash(tx)));
    });
    // Refused by the producer (invalid, or its nonce passed): dropped, and counted (the sim sends none).
    for (const { tx } of skipped) done.add(addressKey(depositTransactionHash(tx)));
    this.pendingDeposits[shard] = this.pendingDeposits[shard]!.filter(
      (tx) => !done.has(addressKey(depositTransactionHash(tx))),
    );
    this.stats.depositsIncluded += deposits.length;
    this.stats.depositsRejected += skipped.length;
  }

  /**
   * The deposits of `shard` a beacon block can register on a state whose deposit cursor for it is `cursor` and
   * whose current crosslink for it is `crosslink` (deposits are proven against the current crosslink): receipts
   * `cursor`.. of the crosslinked block's beacon outbox with their transactions, at most `room`. Empty when the
   * crosslinked block's state is no longer kept.
   */
  provenDeposits(crosslink: CrosslinkValue, cursor: number, room: number): DepositValue[] {
    const { shard } = crosslink;
    const source = this.statesByRoot[shard]?.get(addressKey(crosslink.shardBlockRoot));
    if (source === undefined || room <= 0) return [];
    const beaconOutbox = source.beaconOutbox;
    const end = Math.min(source.outboxLength(beaconOutbox), cursor + room);
    const seqs = Array.from({ length: Math.max(0, end - cursor) }, (_, i) => cursor + i);
    if (seqs.length === 0) return [];
    const proofs = buildReceiptProofs(source, this.logs[shard]!, beaconOutbox, seqs, crosslink);
    return proofs.map((proof, i) => {
      const transaction = this.depositBodies[shard]!.get(seqs[i]!);
      if (transaction === undefined)
        throw new Error(`internal: shard ${shard} deposit ${seqs[i]} has no body`);
      return { transaction, branch: proof.branch };
    });
  }

  /** Forgets the deposits below `cursors[shard]` (registered on a finalized beacon state): no proof needs them. */
  pruneDeposits(cursors: readonly number[]): void {
    cursors.forEach((cursor, shard) => {
      const log = this.logs[shard];
      if (log === undefined) return;
      log.prune(this.options.shardCount, cursor);
      for (const seq of this.depositBodies[shard]!.keys())
        if (seq < cursor) this.depositBodies[shard]!.delete(seq);
    });
  }

  /** Why the deposits a beacon state registered (`depositedAmounts`) are not covered by the head states, or null. */
  depositsRegisteredProblem(depositedAmounts: readonly bigint[]): string | null {
    return depositsRegisteredProblem(this.heads, depositedAmounts);
  }

  /** Forgets block states older than each shard's crosslinked block (they can no longer back a proof). */
  pruneStates(crosslinks: readonly CrosslinkValue[]): void {
    for (const crosslink of crosslinks) {
      const states = this.statesByRoot[crosslink.shard];
      if (states === undefined || !states.has(addressKey(crosslink.shardBlockRoot))) continue;
      for (const [root, state] of states) {
        if (state.slot < crosslink.slot) states.delete(root);
      }
    }
  }

  /** DESIGN.md §9.2 over the head states: balances + receipts in flight + fees burned = genesis supply. */
  isSupplyConserved(): boolean {
    return isSupplyConserved(this.heads, this.genesisSupply);
  }

  /** For each source shard, the receipts to `destState`'s shard committed by the source's crosslinked block. */
  private provableReceipts(destState: ShardState, crosslinks: readonly CrosslinkValue[]): IncomingReceipt[] {
    const proofs: IncomingReceipt[] = [];
    for (const crosslink of crosslinks) {
      if (crosslink.shard === destState.shard) continue;
      const sourceState = this.statesByRoot[crosslink.shard]?.get(addressKey(crosslink.shardBlockRoot));
      if (sourceState === undefined) continue;
      const log = this.logs[crosslink.shard]!;
      const from = destState.inboxCursor(crosslink.shard);
      log.prune(destState.shard, from);
      const end = sourceState.outboxLength(destState.shard);
      const seqs = Array.from({ length: Math.max(0, end - from) }, (_, i) => from + i);
      proofs.push(...buildReceiptProofs(sourceState, log, destState.shard, seqs));
    }
    return proofs;
  }
}

export interface TransferWorkloadOptions {
  /** Key pairs of the funded accounts (e.g. devAccountKey(0..N-1)). */
  accounts: readonly Ed25519KeyPair[];
  shardCount: number;
  /** Fraction of transfers whose recipient lives on another shard. */
  crossShardShare: number;
  /** Uniform [0, 1) source (seeded in the simulator). */
  random: () => number;
  maxAmount?: bigint;
}

/** Seeded random transfers between funded accounts, intra- and cross-shard, with correct nonces. */
export class TransferWorkload {
  private readonly addresses: Uint8Array[];
  private readonly shards: number[];
  /** Account indices on each shard, and on every other shard. */
  private readonly onShard: number[][];
  private readonly offShard: number[][];

  constructor(private readonly options: TransferWorkloadOptions) {
    this.addresses = options.accounts.map((keys) => addressFromPubkey(keys.publicKey));
    this.shards = this.addresses.map((address) => shardOf(address, options.shardCount));
    this.onShard = Array.from({ length: options.shardCount }, (_, shard) =>
      this.shards.flatMap((s, i) => (s === shard ? [i] : [])),
    );
    this.offShard = Array.from({ length: options.shardCount }, (_, shard) =>
      this.shards.flatMap((s, i) => (s !== shard ? [i] : [])),
    );
  }

  /** Signs and submits `count` transfers to `sim`; returns how many the mempools accepted. */
  submit(sim: ShardSimulation, count: number): number {
    const { random, accounts, crossShardShare } = this.options;
    const maxAmount = Number(this.options.maxAmount ?? 1000n);
    let accepted = 0;
    for (let i = 0; i < count; i++) {
      const from = Math.floor(random() * accounts.length);
      const cross = random() < crossShardShare;
      const candidates = (cross ? this.offShard : this.onShard)[this.shards[from]];
      if (candidates.length === 0) continue;
      const to = candidates[Math.floor(random() * candidates.length)];
      const tx = signTransaction(
        {
          from: this.addresses[from],
          to: this.addresses[to],
          amount: 1n + BigInt(Math.floor(random() * maxAmount)),
          nonce: sim.pendingNonce(this.addresses[from]),
          fee: 1n + BigInt(Math.floor(random() * 10)),
          pubkey: accounts[from].publicKey,
        },
        accounts[from].secretKey,
      );
      if (sim.submit(tx).ok) accepted++;
    }
    return accepted;
  }
}
