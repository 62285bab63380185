/**
 * Beacon per slot at N shards: import of a beacon block carrying N crosslinks, each voted by a full committee
 * with a real aggregate signature (stateTransition with every signature checked: slot processing, header,
 * RANDAO, crosslink rules, key aggregation, one batch verification, state root), plus epoch processing
 * (justification, registry, withdrawals, resets, then the state root) amortised over the epoch's slots.
 */
import { BitArray } from "@chainsafe/ssz";
import { type BlsBackend, type BlsPublicKey, type BlsSecretKey, interopSecretKey } from "@shardnet/crypto";
import {
  BeaconBlockBody,
  type BeaconBlockValue,
  buildAttestationData,
  type CachedBeaconState,
  type CrosslinkWithProofValue,
  cloneCachedState,
  computeAttestationSigningRoot,
  createCachedBeaconState,
  createChainCaches,
  createGenesisBeaconState,
  crosslinkFromCandidate,
  type Genesis,
  genesisHash,
  MAX_STAKE,
  type Preset,
  PubkeyCache,
  processBlock,
  processEpoch,
  processSlots,
  resolvePreset,
  ShardBlockHeader,
  type SignedBeaconBlockValue,
  signBlock,
  signRandaoReveal,
  stateTransition,
  TIMELY_SOURCE_FLAG,
  TIMELY_TARGET_FLAG,
} from "../../src/index.js";
import { CommitteeSigningKeys } from "../../src/sim/index.js";
import { placeholderHeader } from "../placeholders.js";
import { type Stat, timeInterleaved } from "../timing.js";

/** Interop validator keys 0 .. count-1 (derived once, shared by every shard count). */
export interface InteropKeys {
  bls: BlsBackend;
  secretKeys: BlsSecretKey[];
  publicKeys: BlsPublicKey[];
  /** Aggregate signing keys of committees (sum of the members' secret scalars). */
  committees: CommitteeSigningKeys;
}

export function deriveInteropKeys(bls: BlsBackend, count: number): InteropKeys {
  const secretKeys = Array.from({ length: count }, (_, i) => bls.secretKeyFromBytes(interopSecretKey(i)));
  return {
    bls,
    secretKeys,
    publicKeys: secretKeys.map((sk) => sk.toPublicKey()),
    committees: new CommitteeSigningKeys(bls),
  };
}

export interface BeaconSetup {
  shardCount: number;
  /** Preset values other than SHARD_COUNT to override on `scale` (tests shrink committees and epochs). */
  presetOverrides?: Record<string, number>;
}

export interface BeaconSlotFixture {
  shardCount: number;
  preset: Preset;
  validators: number;
  committeeSize: number;
  /** State at slot 1 (the crosslinked shard blocks' slot) and the signed block of slot 2 on it. */
  parent: CachedBeaconState;
  block: SignedBeaconBlockValue;
  /** State at the last slot of epoch 2 with 90% of the validators timely on source and target. */
  atEpochEnd: CachedBeaconState;
}

/** The validator count that gives every shard a full committee: SHARD_COUNT × TARGET_COMMITTEE_SIZE. */
export function beaconPreset(setup: BeaconSetup): { preset: Preset; overrides: Record<string, number> } {
  const overrides = { ...setup.presetOverrides, SHARD_COUNT: setup.shardCount };
  return { preset: resolvePreset("scale", overrides), overrides };
}

/** Genesis, the N signed crosslinks and the epoch-end state: setup, never timed. */
export function prepareBeaconSlot(setup: BeaconSetup, keys: InteropKeys): BeaconSlotFixture {
  const { preset, overrides } = beaconPreset(setup);
  const validators = preset.SHARD_COUNT * preset.TARGET_COMMITTEE_SIZE;
  if (keys.publicKeys.length < validators)
    throw new Error(`bench: ${validators} validator keys needed, ${keys.publicKeys.length} derived`);
  const genesis: Genesis = {
    network: "bench-scale",
    genesisTime: 0,
    presetName: "scale",
    presetOverrides: overrides,
    preset,
    validators: keys.publicKeys
      .slice(0, validators)
      .map((pk) => ({ pubkey: pk.toBytes(), stake: MAX_STAKE })),
    accounts: [],
  };
  const genesisRoot = genesisHash(genesis);
  const pubkeyCache = new PubkeyCache(keys.bls);
  for (const [i, validator] of genesis.validators.entries()) pubkeyCache.add(i, validator.pubkey);
  const genesisState = createCachedBeaconState(
    createGenesisBeaconState(genesis),
    createChainCaches(preset, pubkeyCache),
  );

  // A block at slot 2 crosslinking every shard's block of slot 1, each voted by its whole committee.
  const voteSlot = 1;
  const blockSlot = 2;
  const parent = processSlots(genesisState, voteSlot);
  const atBlock = processSlots(genesisState, blockSlot);
  const headRoot = parent.state.latestBlockHeader.hashTreeRoot();
  const crosslinks: CrosslinkWithProofValue[] = [];
  let committeeSize = 0;
  for (let shard = 0; shard < preset.SHARD_COUNT; shard++) {
    const header = placeholderHeader(shard, voteSlot, headRoot);
    const data = buildAttestationData(parent, {
      slot: voteSlot,
      shard,
      shardBlockRoot: ShardBlockHeader.hashTreeRoot(header),
      beaconBlockRoot: headRoot,
    });
    const committee = Array.from(parent.epochCtx.getShardCommittee(shard, voteSlot));
    committeeSize = committee.length;
    const signature = keys.committees
      .aggregateKey(committee)
      .sign(computeAttestationSigningRoot(genesisRoot, data));
    const bits = BitArray.fromBitLen(committee.length);
    for (let p = 0; p < committee.length; p++) bits.set(p, true);
    crosslinks.push(
      crosslinkFromCandidate(atBlock, {
        header,
        attestation: { aggregationBits: bits, data, signature: signature.toBytes() },
      }),
    );
  }
  const proposer = atBlock.epochCtx.getBeaconProposer(blockSlot);
  const proposerKey = keys.secretKeys[proposer] as BlsSecretKey;
  const body = BeaconBlockBody.defaultValue();
  body.randaoReveal = signRandaoReveal(proposerKey, genesisRoot, 0);
  body.crosslinks = crosslinks;
  const block: BeaconBlockValue = {
    slot: blockSlot,
    proposerIndex: proposer,
    parentRoot: atBlock.state.latestBlockHeader.hashTreeRoot(),
    stateRoot: new Uint8Array(32),
    body,
  };
  const scratch = cloneCachedState(atBlock);
  processBlock(scratch, block);
  block.stateRoot = scratch.state.hashTreeRoot();

  const atEpochEnd = processSlots(genesisState, 3 * preset.SLOTS_PER_EPOCH - 1);
  for (let i = 0; i < validators; i++) {
    if (i % 10 !== 0)
      atEpochEnd.state.currentEpochParticipation.set(i, TIMELY_SOURCE_FLAG | TIMELY_TARGET_FLAG);
  }
  atEpochEnd.state.commit();
  return {
    shardCount: preset.SHARD_COUNT,
    preset,
    validators,
    committeeSize,
    parent,
    block: signBlock(proposerKey, atBlock, block),
    atEpochEnd,
  };
}

/** Imports the block with every signature checked; throws unless all N crosslinks were applied. */
export function importBeaconBlock(fixture: BeaconSlotFixture): void {
  const post = stateTransition(fixture.parent, fixture.block);
  for (const { crosslink } of fixture.block.message.body.crosslinks) {
    const applied = post.state.currentCrosslinks.getReadonly(crosslink.shard);
    if (applied.slot !== crosslink.slot)
      throw new Error(`bench: crosslink of shard ${crosslink.shard} not applied`);
  }
}

/** Epoch processing and the state root after it, on a copy of the epoch-end state. */
export function processBeaconEpoch(fixture: BeaconSlotFixture): void {
  const copy = cloneCachedState(fixture.atEpochEnd);
  processEpoch(fixture.preset, copy.state);
  copy.state.hashTreeRoot();
}

export interface BeaconSlotCost {
  shardCount: number;
  validators: number;
  committeeSize: number;
  slotsPerEpoch: number;
  slotMs: number;
  block: Stat;
  epoch: Stat;
  /** block + epoch / SLOTS_PER_EPOCH (from the min and from the median). */
  perSlot: Stat;
}

export function measureBeaconSlot(fixture: BeaconSlotFixture, runs: number): BeaconSlotCost {
  const [block, epoch] = timeInterleaved(runs, [
    () => importBeaconBlock(fixture),
    () => processBeaconEpoch(fixture),
  ]) as [Stat, Stat];
  const slotsPerEpoch = fixture.preset.SLOTS_PER_EPOCH;
  return {
    shardCount: fixture.shardCount,
    validators: fixture.validators,
    committeeSize: fixture.committeeSize,
    slotsPerEpoch,
    slotMs: fixture.preset.SECONDS_PER_SLOT * 1000,
    block,
    epoch,
    perSlot: {
      min: block.min + epoch.min / slotsPerEpoch,
      median: block.median + epoch.median / slotsPerEpoch,
    },
  };
}
