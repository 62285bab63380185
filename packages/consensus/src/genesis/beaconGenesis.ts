import { type CachedBeaconState, createCachedBeaconState } from "../cache/cachedState.js";
import { type ChainCaches, createChainCaches } from "../cache/epochContext.js";
import { BeaconBlock, BeaconState } from "../types/beacon.js";
import type { BeaconBlockValue } from "../types/index.js";
import type { Genesis } from "./genesis.js";
import { createGenesisBeaconState, createGenesisBlock } from "./genesisState.js";

export interface BeaconGenesis {
  state: CachedBeaconState;
  block: BeaconBlockValue;
  /** Root of the genesis block: the fork-choice anchor; checkpoints with a zero root mean this block. */
  blockRoot: Uint8Array;
}

/** Everything a node needs to start the beacon chain from a genesis file. */
export function createBeaconGenesis(
  genesis: Genesis,
  caches: ChainCaches = createChainCaches(genesis.preset),
): BeaconGenesis {
  const state = createCachedBeaconState(createGenesisBeaconState(genesis), caches);
  const block = createGenesisBlock(state.state);
  return { state, block, blockRoot: BeaconBlock.hashTreeRoot(block) };
}

/** A state stored as SSZ bytes (`cached.state.serialize()`), reloaded with its epoch caches. */
export function loadCachedBeaconState(bytes: Uint8Array, caches: ChainCaches): CachedBeaconState {
  return createCachedBeaconState(BeaconState.deserializeToViewDU(bytes), caches);
}
