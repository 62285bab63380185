import type { ValueOf } from "@chainsafe/ssz";
import type * as t from "./beacon.js";
import type * as s from "./shardHeader.js";

export * from "./beacon.js";
export * from "./primitives.js";
export * from "./shardHeader.js";

export type CheckpointValue = ValueOf<typeof t.Checkpoint>;
export type ValidatorValue = ValueOf<typeof t.Validator>;
export type AttestationDataValue = ValueOf<typeof t.AttestationData>;
export type AttestationValue = ValueOf<typeof t.Attestation>;
export type IndexedAttestationValue = ValueOf<typeof t.IndexedAttestation>;
export type CrosslinkValue = ValueOf<typeof s.Crosslink>;
export type ShardBlockHeaderValue = ValueOf<typeof s.ShardBlockHeader>;
export type CrosslinkWithProofValue = ValueOf<typeof t.CrosslinkWithProof>;
export type BeaconBlockHeaderValue = ValueOf<typeof t.BeaconBlockHeader>;
export type SignedBeaconBlockHeaderValue = ValueOf<typeof t.SignedBeaconBlockHeader>;
export type ProposerSlashingValue = ValueOf<typeof t.ProposerSlashing>;
export type AttesterSlashingValue = ValueOf<typeof t.AttesterSlashing>;
export type DepositValue = ValueOf<typeof t.Deposit>;
export type DepositDataValue = ValueOf<typeof t.DepositData>;
export type DepositMessageValue = ValueOf<typeof t.DepositMessage>;
export type DepositTransactionValue = ValueOf<typeof t.DepositTransaction>;
export type DepositTransactionDataValue = ValueOf<typeof t.DepositTransactionData>;
export type VoluntaryExitValue = ValueOf<typeof t.VoluntaryExit>;
export type SignedVoluntaryExitValue = ValueOf<typeof t.SignedVoluntaryExit>;
export type BeaconBlockBodyValue = ValueOf<typeof t.BeaconBlockBody>;
export type BeaconBlockValue = ValueOf<typeof t.BeaconBlock>;
export type SignedBeaconBlockValue = ValueOf<typeof t.SignedBeaconBlock>;
export type BeaconStateValue = ValueOf<typeof t.BeaconState>;
/** Tree-backed, copy-on-write state (ViewDU). `clone()` is O(1); `hashTreeRoot()` rehashes only what changed. */
export type BeaconStateView = ReturnType<typeof t.BeaconState.toViewDU>;
