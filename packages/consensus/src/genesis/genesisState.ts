import { EPOCHS_PER_HISTORICAL_VECTOR, FAR_FUTURE_EPOCH, GENESIS_EPOCH } from "../params/constants.js";
import { BeaconBlock, BeaconBlockBody, BeaconState } from "../types/beacon.js";
import type { BeaconBlockValue, BeaconStateView } from "../types/index.js";
import { type Genesis, genesisHash } from "./genesis.js";

/**
 * The genesis beacon state: every genesis validator active from epoch 0, every RANDAO mix = genesis hash,
 * one zero crosslink per shard (shard, slot 0, zero roots), checkpoints at epoch 0 with a zero root (which
 * means "the genesis block", as in the Ethereum spec).
 */
export function createGenesisBeaconState(genesis: Genesis): BeaconStateView {
  const hash = genesisHash(genesis);
  const state = BeaconState.defaultValue();
  state.genesisTime = genesis.genesisTime;
  state.genesisRoot = hash;
  state.forkDigest = hash.slice(0, 4);
  state.latestBlockHeader.bodyRoot = BeaconBlockBody.hashTreeRoot(BeaconBlockBody.defaultValue());
  state.validators = genesis.validators.map((v) => ({
    pubkey: v.pubkey,
    withdrawalAddress: new Uint8Array(20),
    stake: v.stake,
    activationEpoch: GENESIS_EPOCH,
    exitEpoch: FAR_FUTURE_EPOCH,
    slashed: false,
  }));
  state.randaoMixes = Array.from({ length: EPOCHS_PER_HISTORICAL_VECTOR }, () => hash.slice());
  state.currentCrosslinks = Array.from({ length: genesis.preset.SHARD_COUNT }, (_, shard) => ({
    shard,
    slot: 0,
    shardBlockRoot: new Uint8Array(32),
    stateRoot: new Uint8Array(32),
    outboxRoot: new Uint8Array(32),
    parentCrosslinkRoot: new Uint8Array(32),
  }));
  state.depositCursors = new Array<number>(genesis.preset.SHARD_COUNT).fill(0);
  state.depositedAmounts = new Array<bigint>(genesis.preset.SHARD_COUNT).fill(0n);
  state.withdrawalOutboxes = Array.from({ length: genesis.preset.SHARD_COUNT }, () => []);
  state.withdrawnAmounts = new Array<bigint>(genesis.preset.SHARD_COUNT).fill(0n);
  state.previousEpochParticipation = genesis.validators.map(() => 0);
  state.currentEpochParticipation = genesis.validators.map(() => 0);
  return BeaconState.toViewDU(state);
}

/** The genesis block: empty body, state root = genesis state root. Its root anchors fork choice. */
export function createGenesisBlock(genesisState: BeaconStateView): BeaconBlockValue {
  const block = BeaconBlock.defaultValue();
  block.stateRoot = genesisState.hashTreeRoot();
  return block;
}
