import {
  BitListType,
  BitVectorType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  UintNumberType,
  VectorBasicType,
  VectorCompositeType,
} from "@chainsafe/ssz";
import {
  EPOCHS_PER_HISTORICAL_VECTOR,
  EPOCHS_PER_SLASHINGS_VECTOR,
  JUSTIFICATION_BITS_LENGTH,
  MAX_ATTESTATIONS,
  MAX_ATTESTER_SLASHINGS,
  MAX_COMMITTEE_SIZE,
  MAX_DEPOSITS,
  MAX_PROPOSER_SLASHINGS,
  MAX_SHARDS,
  MAX_VOLUNTARY_EXITS,
  SLOTS_PER_HISTORICAL_ROOT,
  VALIDATOR_REGISTRY_LIMIT,
} from "../params/constants.js";
import { Outboxes } from "../shard/types.js";
import { Deposit } from "./deposit.js";
import {
  BLSPubkey,
  BLSSignature,
  Bool,
  Bytes4,
  Bytes20,
  Bytes32,
  Epoch,
  Gwei,
  Root,
  ShardNumber,
  Slot,
  Uint64,
  ValidatorIndex,
} from "./primitives.js";
import { Crosslink, ShardBlockHeader } from "./shardHeader.js";

export {
  Deposit,
  DepositData,
  DepositMessage,
  DepositTransaction,
  DepositTransactionData,
} from "./deposit.js";

const opts = <N extends string>(typeName: N) => ({ typeName, jsonCase: "eth2" as const });

export const Uint8 = new UintNumberType(1);
/** Epoch that may be FAR_FUTURE_EPOCH (2^64-1 ↔ Infinity, as Lodestar's EpochInf). */
export const EpochInf = new UintNumberType(8, { clipInfinity: true });

export const Checkpoint = new ContainerType({ epoch: Epoch, root: Root }, opts("Checkpoint"));

/**
 * Registry entry (DESIGN.md §3). Active if activationEpoch <= epoch < exitEpoch and not slashed.
 * `withdrawalAddress`: the shard account its stake returns to after exit (zero for genesis validators).
 */
export const Validator = new ContainerType(
  {
    pubkey: BLSPubkey,
    withdrawalAddress: Bytes20,
    stake: Gwei,
    activationEpoch: EpochInf,
    exitEpoch: EpochInf,
    slashed: Bool,
  },
  opts("Validator"),
);

/** One vote carrying both the shard head (crosslink) and the beacon FFG/LMD votes. */
export const AttestationData = new ContainerType(
  {
    slot: Slot,
    shard: ShardNumber,
    shardBlockRoot: Root,
    beaconBlockRoot: Root,
    source: Checkpoint,
    target: Checkpoint,
  },
  opts("AttestationData"),
);

/** Aggregate over the shard committee of `data.shard` in the period of `data.slot`. */
export const Attestation = new ContainerType(
  { aggregationBits: new BitListType(MAX_COMMITTEE_SIZE), data: AttestationData, signature: BLSSignature },
  opts("Attestation"),
);

/** Attestation with explicit validator indices (slashing evidence); indices sorted ascending, unique. */
export const IndexedAttestation = new ContainerType(
  {
    attestingIndices: new ListBasicType(ValidatorIndex, MAX_COMMITTEE_SIZE),
    data: AttestationData,
    signature: BLSSignature,
  },
  opts("IndexedAttestation"),
);

/** A crosslink as carried in a beacon block: the crosslink, the header it links and the aggregate proving it. */
export const CrosslinkWithProof = new ContainerType(
  { crosslink: Crosslink, header: ShardBlockHeader, attestation: Attestation },
  opts("CrosslinkWithProof"),
);

export const BeaconBlockHeader = new ContainerType(
  { slot: Slot, proposerIndex: ValidatorIndex, parentRoot: Root, stateRoot: Root, bodyRoot: Root },
  opts("BeaconBlockHeader"),
);

export const SignedBeaconBlockHeader = new ContainerType(
  { message: BeaconBlockHeader, signature: BLSSignature },
  opts("SignedBeaconBlockHeader"),
);

export const ProposerSlashing = new ContainerType(
  { signedHeader1: SignedBeaconBlockHeader, signedHeader2: SignedBeaconBlockHeader },
  opts("ProposerSlashing"),
);

export const AttesterSlashing = new ContainerType(
  { attestation1: IndexedAttestation, attestation2: IndexedAttestation },
  opts("AttesterSlashing"),
);

export const VoluntaryExit = new ContainerType(
  { epoch: Epoch, validatorIndex: ValidatorIndex },
  opts("VoluntaryExit"),
);
export const SignedVoluntaryExit = new ContainerType(
  { message: VoluntaryExit, signature: BLSSignature },
  opts("SignedVoluntaryExit"),
);

export const BeaconBlockBody = new ContainerType(
  {
    randaoReveal: BLSSignature,
    crosslinks: new ListCompositeType(CrosslinkWithProof, MAX_SHARDS),
    attestations: new ListCompositeType(Attestation, MAX_ATTESTATIONS),
    proposerSlashings: new ListCompositeType(ProposerSlashing, MAX_PROPOSER_SLASHINGS),
    attesterSlashings: new ListCompositeType(AttesterSlashing, MAX_ATTESTER_SLASHINGS),
    deposits: new ListCompositeType(Deposit, MAX_DEPOSITS),
    voluntaryExits: new ListCompositeType(SignedVoluntaryExit, MAX_VOLUNTARY_EXITS),
  },
  opts("BeaconBlockBody"),
);

export const BeaconBlock = new ContainerType(
  { slot: Slot, proposerIndex: ValidatorIndex, parentRoot: Root, stateRoot: Root, body: BeaconBlockBody },
  opts("BeaconBlock"),
);

export const SignedBeaconBlock = new ContainerType(
  { message: BeaconBlock, signature: BLSSignature },
  opts("SignedBeaconBlock"),
);

export const SigningData = new ContainerType({ objectRoot: Root, domain: Bytes32 }, opts("SigningData"));

export const BeaconState = new ContainerType(
  {
    genesisTime: Uint64,
    /** Hash of the genesis file (DESIGN.md §2); its first 4 bytes are the fork digest. */
    genesisRoot: Root,
    forkDigest: Bytes4,
    slot: Slot,
    latestBlockHeader: BeaconBlockHeader,
    blockRoots: new VectorCompositeType(Root, SLOTS_PER_HISTORICAL_ROOT),
    stateRoots: new VectorCompositeType(Root, SLOTS_PER_HISTORICAL_ROOT),
    validators: new ListCompositeType(Validator, VALIDATOR_REGISTRY_LIMIT),
    randaoMixes: new VectorCompositeType(Bytes32, EPOCHS_PER_HISTORICAL_VECTOR),
    /** Latest crosslink per shard; index = shard. Length = SHARD_COUNT. */
    currentCrosslinks: new ListCompositeType(Crosslink, MAX_SHARDS),
    previousEpochParticipation: new ListBasicType(Uint8, VALIDATOR_REGISTRY_LIMIT),
    currentEpochParticipation: new ListBasicType(Uint8, VALIDATOR_REGISTRY_LIMIT),
    justificationBits: new BitVectorType(JUSTIFICATION_BITS_LENGTH),
    previousJustifiedCheckpoint: Checkpoint,
    currentJustifiedCheckpoint: Checkpoint,
    finalizedCheckpoint: Checkpoint,
    /** Stake slashed per epoch (ring buffer). */
    slashings: new VectorBasicType(Gwei, EPOCHS_PER_SLASHINGS_VECTOR),
    /** depositCursors[shard]: sequence number of the next deposit receipt expected from `shard`. */
    depositCursors: new ListBasicType(Uint64, MAX_SHARDS),
    /** depositedAmounts[shard]: sum of the deposits from `shard` registered so far (supply invariant). */
    depositedAmounts: new ListBasicType(Gwei, MAX_SHARDS),
    /**
     * withdrawalOutboxes[shard]: the withdrawal receipts sent to `shard` (source SHARD_COUNT), in order. Same
     * layout as a shard block's outboxes, so a shard credits them with the cross-shard receipt proofs, against
     * this field's root in the beacon state its block builds on. At most one per validator and withdrawal.
     */
    withdrawalOutboxes: Outboxes,
    /** withdrawnAmounts[shard]: sum of withdrawalOutboxes[shard] (supply invariant). */
    withdrawnAmounts: new ListBasicType(Gwei, MAX_SHARDS),
    /** Stake burned by slashing penalties since genesis (supply invariant). */
    burnedStake: Gwei,
  },
  opts("BeaconState"),
);
