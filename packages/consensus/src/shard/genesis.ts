import { MAX_SHARDS } from "../params/constants.js";
import { addressKey, shardOf } from "./address.js";
import { MAX_UINT64 } from "./constants.js";
import { ShardGenesisError } from "./errors.js";
import { ShardState } from "./state.js";
import { type Account, OutboxAccumulator } from "./types.js";

export interface GenesisAllocation {
  address: Uint8Array;
  balance: bigint;
}

/** Sum of all allocations; throws ShardGenesisError on a duplicate address, a bad length or a sum over 2^64-1. */
export function genesisSupply(allocations: readonly GenesisAllocation[]): bigint {
  const seen = new Set<string>();
  let supply = 0n;
  for (const { address, balance } of allocations) {
    if (address.length !== 20)
      throw new ShardGenesisError(`genesis address must be 20 bytes, got ${address.length}`);
    const key = addressKey(address);
    if (seen.has(key))
      throw new ShardGenesisError(`genesis allocates address 0x${key} twice: merge the entries`);
    seen.add(key);
    if (balance < 0n) throw new ShardGenesisError(`genesis balance of 0x${key} is negative`);
    supply += balance;
  }
  if (supply > MAX_UINT64) {
    throw new ShardGenesisError(`genesis supply ${supply} exceeds 2^64-1: lower the allocations`);
  }
  return supply;
}

/**
 * Root that stands for the (virtual) genesis shard block, as in the genesis beacon state's zero crosslinks:
 * the first shard block's parentRoot and the shard fork choice's initial anchor.
 */
export const GENESIS_SHARD_BLOCK_ROOT = new Uint8Array(32);

/**
 * Genesis state of `shard`: the allocations whose address lives on it, in the order given, with empty
 * outboxes and zero inbox cursors for `shardCount` shards plus the beacon chain (the last index: deposits out,
 * withdrawals in). Checks the whole allocation list (see genesisSupply).
 */
export function createShardGenesisState(
  shard: number,
  shardCount: number,
  allocations: readonly GenesisAllocation[],
): ShardState {
  if (!Number.isSafeInteger(shardCount) || shardCount < 1 || shardCount > MAX_SHARDS - 1) {
    throw new ShardGenesisError(`SHARD_COUNT must be 1..${MAX_SHARDS - 1}, got ${shardCount}`);
  }
  if (!Number.isSafeInteger(shard) || shard < 0 || shard >= shardCount) {
    throw new ShardGenesisError(`shard must be 0..${shardCount - 1}, got ${shard}`);
  }
  genesisSupply(allocations);
  const accounts: Account[] = [];
  for (const { address, balance } of allocations) {
    if (shardOf(address, shardCount) !== shard) continue;
    accounts.push({ address: Uint8Array.from(address), balance, nonce: 0 });
  }
  return ShardState.fromValue(
    {
      shard,
      slot: 0,
      accounts,
      outboxes: Array.from({ length: shardCount + 1 }, () => OutboxAccumulator.defaultValue()),
      inboxCursors: new Array<number>(shardCount + 1).fill(0),
      creditedAmounts: new Array<bigint>(shardCount + 1).fill(0n),
      feesBurned: 0n,
    },
    GENESIS_SHARD_BLOCK_ROOT,
  );
}
