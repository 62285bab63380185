import { addressFromPubkey, devAccountKey, type Ed25519KeyPair } from "@shardnet/crypto";
import type { GenesisAccount } from "../genesis/genesis.js";
import type { Preset } from "../params/presets.js";
import { ShardSimulation, TransferWorkload } from "../shard/simulation.js";
import type { CrosslinkValue, ShardBlockHeaderValue } from "../types/index.js";
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

export interface ShardTransactionsSummary {
  txsSubmitted: number;
  txsIncluded: number;
  receiptsSent: number;
  receiptsCredited: number;
  /** Balances + receipts in flight + fees burned = genesis supply, checked after every slot. */
  supplyConserved: boolean;
}

/**
 * Real shard blocks for the simulator: a seeded workload of intra- and cross-shard transfers goes through
 * the shard mempools, blocks execute them and credit receipts proven against the crosslinks of the beacon
 * state they build on, and the supply invariant is checked every slot.
 */
export class SimShardTransactions implements ShardBlockBuilder {
  readonly allocations: GenesisAccount[];
  private readonly shards: ShardSimulation;
  private readonly workload: TransferWorkload;
  private supplyViolations = 0;

  constructor(
    private readonly config: ShardTransactionsConfig,
    preset: Preset,
    seed: number,
  ) {
    if (!(config.crossShardShare >= 0 && config.crossShardShare <= 1)) {
      throw new Error(`cross-shard share must be in [0, 1], got ${config.crossShardShare}`);
    }
    const keys: Ed25519KeyPair[] = Array.from({ length: config.accounts }, (_, n) => devAccountKey(n));
    this.allocations = keys.map((k) => ({
      address: addressFromPubkey(k.publicKey),
      balance: SIM_ACCOUNT_BALANCE,
    }));
    this.shards = new ShardSimulation({
      shardCount: preset.SHARD_COUNT,
      maxTransactions: preset.MAX_TXS_PER_SHARD_BLOCK,
      allocations: this.allocations,
    });
    const random = new SeededRandom(seed ^ 0x5eed);
    this.workload = new TransferWorkload({
      accounts: keys,
      shardCount: preset.SHARD_COUNT,
      crossShardShare: config.crossShardShare,
      random: () => random.next(),
    });
  }

  /** Submits this slot's transfers. */
  beginSlot(): void {
    this.workload.submit(this.shards, this.config.txsPerSlot);
  }

  buildShardBlock(args: ShardBlockBuildArgs): ShardBlockHeaderValue {
    return this.shards.produceBlock({
      shard: args.shard,
      slot: args.slot,
      proposerIndex: args.proposerIndex,
      beaconBlockRoot: args.beaconBlockRoot,
      crosslinks: args.crosslinks,
    }).header;
  }

  /** Prunes states no crosslink can refer to any more and checks the supply invariant. */
  endSlot(crosslinks: readonly CrosslinkValue[]): void {
    this.shards.pruneStates(crosslinks);
    if (!this.shards.isSupplyConserved()) this.supplyViolations++;
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
