import {
  addressFromPubkey,
  type BlsBackend,
  type BlsSecretKey,
  devAccountKey,
  type Ed25519KeyPair,
} from "@shardnet/crypto";
import type { CachedBeaconState } from "../cache/cachedState.js";
import type { GenesisAccount } from "../genesis/genesis.js";
import { MAX_DEPOSITS, MAX_STAKE } from "../params/constants.js";
import type { Preset } from "../params/presets.js";
import { shardOf as shardOfAccount } from "../shard/address.js";
import { signDepositData, signDepositTransaction } from "../shard/deposit.js";
import { withdrawalsCreditedProblem } from "../shard/receipts.js";
import { ShardSimulation, TransferWorkload } from "../shard/simulation.js";
import { stakeLedgerProblem } from "../stateTransition/epoch/withdrawals.js";
import type { CrosslinkValue, DepositValue, ShardBlockHeaderValue } from "../types/index.js";
import { SeededRandom } from "./random.js";
import type { ShardBlockBuildArgs, ShardBlockBuilder } from "./shardChains.js";

export interface ShardTransactionsConfig {
  /** Funded dev accounts dev:0 .. dev:N-1 (DESIGN.md §2 dev keys). */
  accounts: number;
  /** Transfers submitted to the mempools every slot (over all shards). */
  txsPerSlot: number;
  /** Fraction of transfers whose recipient lives on another shard, in [0, 1]. */
  crossShardShare: number;
}

export const DEFAULT_SHARD_TRANSACTIONS: ShardTransactionsConfig = {
  accounts: 64,
  txsPerSlot: 16,
  crossShardShare: 0.5,
};

/** Genesis balance of every simulated dev account. */
export const SIM_ACCOUNT_BALANCE = 1_000_000_000_000n;

/**
 * Validators joining a running simulation (issue 18): deposit transactions paid from funded dev accounts, each
 * for a new interop validator key (indices from the genesis validator count on, so the simulator can sign for
 * it once it is registered).
 */
export interface SimDepositsConfig {
  /** Deposits sent over the run: interop keys validators .. validators + count - 1, in that order. */
  count: number;
  /** One deposit every this many slots (slots everySlots, 2·everySlots, …) until `count` are sent. */
  everySlots: number;
  /** Stake each deposit pays, in gwei (default MAX_STAKE). */
  amount?: bigint;
}

/** Fee each simulated deposit transaction pays (burned). */
export const SIM_DEPOSIT_FEE = 5n;

/** One deposit the workload sent. */
export interface SentDeposit {
  /** Interop index of the new validator key. */
  interopIndex: number;
  pubkey: Uint8Array;
  amount: bigint;
  /** Dev account that paid it (dev:N) and its shard. */
  sender: number;
  shard: number;
  slot: number;
}

/**
 * Funded dev accounts of a simulation: dev:0 .. dev:accounts-1 send transfers, and one more each per deposit
 * (dev:accounts + k pays deposit k, so deposits never share a nonce sequence with the transfers).
 */
export function simAccountAllocations(config: ShardTransactionsConfig, deposits = 0): GenesisAccount[] {
  return Array.from({ length: config.accounts + deposits }, (_, n) => ({
    address: addressFromPubkey(devAccountKey(n).publicKey),
    balance: SIM_ACCOUNT_BALANCE,
  }));
}

/** What the deposit workload needs from the simulator (the network exists once genesis does). */
export interface SimDepositsSetup {
  config: SimDepositsConfig;
  /** Genesis validator count: deposit k is for interop key firstIndex + k. */
  firstIndex: number;
  genesisRoot: Uint8Array;
  bls: BlsBackend;
  /** Secret key of interop validator `index`. */
  secretKey: (index: number) => BlsSecretKey;
}

export interface ShardTransactionsSummary {
  txsSubmitted: number;
  txsIncluded: number;
  /** Shard→shard receipts sent and credited (deposits and withdrawals are not in these counts). */
  receiptsSent: number;
  receiptsCredited: number;
  /**
   * The whole supply invariant (issue 18) held after every slot: shard balances + receipts in flight (shard↔shard
   * and shard↔beacon) + stake held + fees burned + stake burned = genesis accounts + genesis stake. Checked as the
   * shards' ledger, the beacon head's stake ledger, and the two crossings (the beacon head registered no more
   * deposits than the shards paid; the shards credited no more withdrawals than it sent).
   */
  supplyConserved: boolean;
}

/**
 * Real shard blocks for the simulator: a seeded workload of intra- and cross-shard transfers goes through
 * the shard mempools, blocks execute them and credit receipts proven against the crosslinks of the beacon
 * state they build on, and the supply invariant is checked every slot.
 */
export class SimShardTransactions implements ShardBlockBuilder {
  readonly allocations: GenesisAccount[];
  readonly shards: ShardSimulation;
  /** Deposits sent so far, in order. */
  readonly sentDeposits: SentDeposit[] = [];
  /** The first supply problem seen (slot and what failed), if any. */
  supplyProblem: string | undefined;
  private readonly workload: TransferWorkload;
  private supplyViolations = 0;

  /**
   * `genesisStake`: the genesis validators' stake, for the beacon head's stake ledger (stakeLedgerProblem).
   */
  constructor(
    private readonly config: ShardTransactionsConfig,
    private readonly preset: Preset,
    seed: number,
    private readonly genesisStake: bigint,
    private readonly deposits?: SimDepositsSetup,
  ) {
    if (!(config.crossShardShare >= 0 && config.crossShardShare <= 1)) {
      throw new Error(`cross-shard share must be in [0, 1], got ${config.crossShardShare}`);
    }
    if (deposits) {
      const { count, everySlots } = deposits.config;
      if (!(Number.isSafeInteger(count) && count >= 0))
        throw new Error("deposits.count must be an integer ≥ 0");
      if (!(Number.isSafeInteger(everySlots) && everySlots >= 1))
        throw new Error("deposits.everySlots must be an integer ≥ 1");
    }
    const keys: Ed25519KeyPair[] = Array.from({ length: config.accounts }, (_, n) => devAccountKey(n));
    this.allocations = simAccountAllocations(config, deposits?.config.count ?? 0);
    this.shards = new ShardSimulation({
      shardCount: preset.SHARD_COUNT,
      maxTransactions: preset.MAX_TXS_PER_SHARD_BLOCK,
      allocations: this.allocations,
      ...(deposits ? { deposits: { genesisRoot: deposits.genesisRoot, bls: deposits.bls } } : {}),
    });
    const random = new SeededRandom(seed ^ 0x5eed);
    this.workload = new TransferWorkload({
      accounts: keys,
      shardCount: preset.SHARD_COUNT,
      crossShardShare: config.crossShardShare,
      random: () => random.next(),
    });
  }

  /** Submits this slot's transfers, and its deposit when one is due. */
  beginSlot(slot: number): void {
    this.workload.submit(this.shards, this.config.txsPerSlot);
    const deposits = this.deposits;
    if (
      deposits &&
      slot % deposits.config.everySlots === 0 &&
      this.sentDeposits.length < deposits.config.count
    )
      this.sendDeposit(deposits, this.sentDeposits.length, slot);
  }

  private sendDeposit(setup: SimDepositsSetup, k: number, slot: number): void {
    const interopIndex = setup.firstIndex + k;
    const sender = this.config.accounts + k;
    const senderKey = devAccountKey(sender);
    const from = addressFromPubkey(senderKey.publicKey);
    const amount = setup.config.amount ?? MAX_STAKE;
    const data = signDepositData(
      setup.secretKey(interopIndex),
      { withdrawalAddress: from, amount },
      setup.genesisRoot,
    );
    const tx = signDepositTransaction(
      {
        from,
        nonce: this.shards.pendingNonce(from),
        fee: SIM_DEPOSIT_FEE,
        pubkey: senderKey.publicKey,
        deposit: data,
      },
      senderKey.secretKey,
      setup.genesisRoot,
    );
    this.shards.submitDeposit(tx);
    const shard = shardOfAccount(from, this.preset.SHARD_COUNT);
    this.sentDeposits.push({ interopIndex, pubkey: data.pubkey, amount, sender, shard, slot });
  }

  buildShardBlock(args: ShardBlockBuildArgs): ShardBlockHeaderValue {
    return this.shards.produceBlock({
      shard: args.shard,
      slot: args.slot,
      proposerIndex: args.proposerIndex,
      beaconBlockRoot: args.beaconBlockRoot,
      crosslinks: args.crosslinks,
      beacon: args.beacon,
    }).header;
  }

  /**
   * The deposits a beacon block on `pre` registers: for each shard, those from `pre`'s deposit cursor on,
   * proven against its current crosslink (deposits are processed before the block's crosslinks), at most
   * MAX_DEPOSITS in all.
   */
  depositsForBeaconBlock(pre: CachedBeaconState): DepositValue[] {
    if (!this.deposits) return [];
    const out: DepositValue[] = [];
    for (let shard = 0; shard < this.preset.SHARD_COUNT && out.length < MAX_DEPOSITS; shard++) {
      const crosslink = pre.state.currentCrosslinks.getReadonly(shard).toValue();
      const cursor = pre.state.depositCursors.get(shard);
      out.push(...this.shards.provenDeposits(crosslink, cursor, MAX_DEPOSITS - out.length));
    }
    return out;
  }

  /**
   * Prunes states no crosslink can refer to any more and checks the whole supply invariant: the shards' ledger
   * over the shard heads and, with `beaconHead` (the beacon head state, at or after every beacon state the shard
   * heads built on), its stake ledger and both crossings.
   */
  endSlot(slot: number, crosslinks: readonly CrosslinkValue[], beaconHead?: CachedBeaconState): void {
    this.shards.pruneStates(crosslinks);
    const problem = this.supplyProblemAt(beaconHead);
    if (problem !== null) {
      this.supplyViolations++;
      this.supplyProblem ??= `slot ${slot}: ${problem}`;
    }
  }

  /** The first part of the supply invariant that fails now (see endSlot), or null. */
  private supplyProblemAt(beaconHead: CachedBeaconState | undefined): string | null {
    if (!this.shards.isSupplyConserved())
      return "shard balances + receipts in flight + fees burned + deposits paid − withdrawals credited ≠ genesis accounts' supply";
    if (beaconHead === undefined) return null;
    const { state } = beaconHead;
    return (
      this.shards.depositsRegisteredProblem(state.depositedAmounts.getAll()) ??
      withdrawalsCreditedProblem(this.shards.heads, state.withdrawnAmounts.getAll()) ??
      stakeLedgerProblem(state, this.genesisStake)
    );
  }

  /** Forgets the deposit receipts below `cursors` (those of a finalized beacon state). */
  pruneDeposits(cursors: readonly number[]): void {
    this.shards.pruneDeposits(cursors);
  }

  summary(): ShardTransactionsSummary {
    const { txsSubmitted, txsIncluded, receiptsSent, receiptsCredited } = this.shards.stats;
    return {
      txsSubmitted,
      txsIncluded,
      receiptsSent,
      receiptsCredited,
      supplyConserved: this.supplyViolations === 0,
    };
  }
}
