import { type BlsSecretKey, getBls, interopSecretKey } from "@shardnet/crypto";
import { type CachedBeaconState, createCachedBeaconState } from "../../src/cache/cachedState.js";
import { createChainCaches } from "../../src/cache/epochContext.js";
import { type Genesis, genesisHash } from "../../src/genesis/genesis.js";
import { createGenesisBeaconState } from "../../src/genesis/genesisState.js";
import { createInteropGenesis } from "../../src/genesis/interop.js";

const keyCache = new Map<number, BlsSecretKey>();

export function secretKey(index: number): BlsSecretKey {
  let key = keyCache.get(index);
  if (!key) {
    key = getBls().secretKeyFromBytes(interopSecretKey(index));
    keyCache.set(index, key);
  }
  return key;
}

export interface TestChain {
  genesis: Genesis;
  genesisRoot: Uint8Array;
  state: CachedBeaconState;
}

/** A local-preset genesis of `validatorCount` interop validators (32 ETH each unless `stakes` given). */
export function createTestChain(
  validatorCount = 64,
  overrides: Record<string, number> = {},
  stakes?: bigint[],
): TestChain {
  const genesis = createInteropGenesis({
    network: "test",
    genesisTime: 1_700_000_000,
    presetName: "local",
    presetOverrides: overrides,
    validatorCount,
  });
  if (stakes)
    for (const [i, s] of stakes.entries()) if (genesis.validators[i]) genesis.validators[i].stake = s;
  const state = createCachedBeaconState(createGenesisBeaconState(genesis), createChainCaches(genesis.preset));
  return { genesis, genesisRoot: genesisHash(genesis), state };
}
