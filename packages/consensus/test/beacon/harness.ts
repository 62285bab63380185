import { BitArray } from "@chainsafe/ssz";
import { type BlsSecretKey, getBls, interopSecretKey } from "@shardnet/crypto";
import { type CachedBeaconState, createCachedBeaconState } from "../../src/cache/cachedState.js";
import { createChainCaches } from "../../src/cache/epochContext.js";
import { type Genesis, genesisHash } from "../../src/genesis/genesis.js";
import { createGenesisBeaconState } from "../../src/genesis/genesisState.js";
import { createInteropGenesis } from "../../src/genesis/interop.js";
import { buildAttestationData, computeAttestationSigningRoot } from "../../src/production/attestation.js";
import { processBlock } from "../../src/stateTransition/block/index.js";
import { BeaconBlockBody } from "../../src/types/beacon.js";
import { computeEpochAtSlot } from "../../src/util/epoch.js";

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

import { cloneCachedState } from "../../src/cache/cachedState.js";
import { signBlock, signRandaoReveal } from "../../src/production/signing.js";
import { processSlots } from "../../src/stateTransition/slots.js";
import type {
  AttestationDataValue,
  AttestationValue,
  BeaconBlockBodyValue,
  BeaconBlockValue,
  ShardBlockHeaderValue,
  SignedBeaconBlockValue,
} from "../../src/types/index.js";

/** A signed block at `slot` on `pre` whose body `fill` sets; the state root is right when the body is valid. */
export function makeSignedBlock(
  chain: TestChain,
  pre: CachedBeaconState,
  slot: number,
  fill: (body: BeaconBlockBodyValue, atSlot: CachedBeaconState) => void,
): SignedBeaconBlockValue {
  const atSlot = processSlots(pre, slot);
  const proposer = atSlot.epochCtx.getBeaconProposer(slot);
  const body = BeaconBlockBody.defaultValue();
  body.randaoReveal = signRandaoReveal(
    secretKey(proposer),
    chain.genesisRoot,
    computeEpochAtSlot(chain.genesis.preset, slot),
  );
  fill(body, atSlot);
  const block: BeaconBlockValue = {
    slot,
    proposerIndex: proposer,
    parentRoot: atSlot.state.latestBlockHeader.hashTreeRoot(),
    stateRoot: new Uint8Array(32),
    body,
  };
  try {
    const post = cloneCachedState(atSlot);
    processBlock(post, block);
    block.stateRoot = post.state.hashTreeRoot();
  } catch {
    // invalid body: the test expects stateTransition to reject it before the state root matters
  }
  return signBlock(secretKey(proposer), atSlot, block);
}

/** Aggregate by committee members at `positions` over `data` (each signs with its interop key). */
export function signAggregate(
  chain: TestChain,
  committee: Uint32Array,
  positions: number[],
  data: AttestationDataValue,
): AttestationValue {
  const message = computeAttestationSigningRoot(chain.genesisRoot, data);
  const bits = BitArray.fromBitLen(committee.length);
  const signatures = positions.map((p) => {
    bits.set(p, true);
    return secretKey(committee[p] as number).sign(message);
  });
  return { aggregationBits: bits, data, signature: getBls().aggregateSignatures(signatures).toBytes() };
}

/** Attestation data at `slot` for `shard` voting for `shardBlockRoot`, built on `pre` advanced to `slot`. */
export function voteAt(
  pre: CachedBeaconState,
  slot: number,
  shard: number,
  shardBlockRoot: Uint8Array,
): AttestationDataValue {
  const atSlot = slot === pre.state.slot ? pre : processSlots(pre, slot);
  return buildAttestationData(atSlot, {
    slot,
    shard,
    shardBlockRoot,
    beaconBlockRoot: atSlot.state.latestBlockHeader.hashTreeRoot(),
  });
}

/** Root of the chain's genesis beacon block (its header with the genesis state root filled in). */
export function genesisBlockRoot(chain: TestChain): Uint8Array {
  return processSlots(chain.state, 1).state.latestBlockHeader.hashTreeRoot();
}

/** A shard block header with placeholder roots, built on beacon block `beaconBlockRoot`. */
export function placeholderHeader(
  shard: number,
  slot: number,
  beaconBlockRoot: Uint8Array,
  parentRoot: Uint8Array = new Uint8Array(32),
): ShardBlockHeaderValue {
  const zero = new Uint8Array(32);
  return {
    shard,
    slot,
    proposerIndex: 0,
    parentRoot,
    beaconBlockRoot,
    stateRoot: new Uint8Array(32).fill(shard + 1),
    txRoot: zero,
    outboxRoot: new Uint8Array(32).fill(0x0b),
    receiptsInRoot: zero,
  };
}
