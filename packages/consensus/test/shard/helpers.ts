import { addressFromPubkey, devAccountKey, type Ed25519KeyPair } from "@shardnet/crypto";
import {
  createShardGenesisState,
  type GenesisAllocation,
  type ShardState,
  shardOf,
  signTransaction,
  type Transaction,
} from "../../src/shard/index.js";

export const SHARD_COUNT = 4;
export const INITIAL_BALANCE = 1_000_000n;

export interface DevAccount {
  keys: Ed25519KeyPair;
  address: Uint8Array;
  shard: number;
}

const devAccounts: DevAccount[] = [];

/** Dev account n (deterministic Ed25519 key), cached. */
export function devAccount(n: number): DevAccount {
  let account = devAccounts[n];
  if (account === undefined) {
    const keys = devAccountKey(n);
    const address = addressFromPubkey(keys.publicKey);
    account = { keys, address, shard: shardOf(address, SHARD_COUNT) };
    devAccounts[n] = account;
  }
  return account;
}

/** The first `count` dev accounts living on `shard`. */
export function accountsOnShard(shard: number, count: number): DevAccount[] {
  const found: DevAccount[] = [];
  for (let n = 0; found.length < count; n++) {
    const account = devAccount(n);
    if (account.shard === shard) found.push(account);
  }
  return found;
}

/** Allocations: the first `perShard` dev accounts of every shard, INITIAL_BALANCE each. */
export function genesisAllocations(perShard: number): GenesisAllocation[] {
  const allocations: GenesisAllocation[] = [];
  for (let shard = 0; shard < SHARD_COUNT; shard++) {
    for (const account of accountsOnShard(shard, perShard)) {
      allocations.push({ address: account.address, balance: INITIAL_BALANCE });
    }
  }
  return allocations;
}

export function genesisStates(perShard: number): ShardState[] {
  const allocations = genesisAllocations(perShard);
  return Array.from({ length: SHARD_COUNT }, (_, shard) =>
    createShardGenesisState(shard, SHARD_COUNT, allocations),
  );
}

export function transfer(
  from: DevAccount,
  to: Uint8Array,
  amount: bigint,
  nonce: number,
  fee = 1n,
): Transaction {
  return signTransaction(
    { from: from.address, to, amount, nonce, fee, pubkey: from.keys.publicKey },
    from.keys.secretKey,
  );
}
