export * from "./cache/cachedState.js";
export * from "./cache/epochContext.js";
export * from "./cache/pubkeyCache.js";
export * from "./cache/shufflingCache.js";
export * from "./forkChoice/forkChoice.js";
export { ProtoArray, type ProtoNode } from "./forkChoice/protoArray.js";
export * from "./genesis/beaconGenesis.js";
export * from "./genesis/genesis.js";
export * from "./genesis/genesisState.js";
export * from "./genesis/interop.js";
export * from "./params/index.js";
export * from "./production/attestation.js";
export * from "./production/duties.js";
export * from "./production/produceBlock.js";
export * from "./production/signing.js";
export * from "./production/withdrawalProofs.js";
export * from "./shard/index.js";
export * from "./shuffling/committees.js";
export * from "./shuffling/seed.js";
export { computeShuffledIndex, shuffleList, unshuffleList } from "./shuffling/shuffle.js";
export * from "./sim/index.js";
export * from "./stateTransition/accessors.js";
export {
  attestationSigningRoot,
  attestingIndicesIn,
  getAttestingIndices,
  verifyAttestationSignature,
} from "./stateTransition/block/attestations.js";
export { hasSupermajority, verifyCrosslink } from "./stateTransition/block/crosslinks.js";
export { depositPosition, depositProofProblem, registeredIndex } from "./stateTransition/block/deposits.js";
export { processBlock } from "./stateTransition/block/index.js";
export { checkFfgVote, type FfgVoteCheck } from "./stateTransition/block/participation.js";
export { randaoSigningRoot } from "./stateTransition/block/randao.js";
export {
  type VoluntaryExitProblem,
  verifyVoluntaryExitSignature,
  voluntaryExitProblem,
} from "./stateTransition/block/registryOps.js";
export {
  attesterSlashingProblem,
  isSlashableAttestationData,
  isSlashableValidator,
  proposerSlashingProblem,
  type SlashingProblem,
  verifySlashingSignatures,
} from "./stateTransition/block/slashings.js";
export { processEpoch } from "./stateTransition/epoch/index.js";
export * from "./stateTransition/epoch/justification.js";
export * from "./stateTransition/epoch/withdrawals.js";
export * from "./stateTransition/errors.js";
export { computeQueuedChangeEpoch, getChurnLimit } from "./stateTransition/registryQueue.js";
export { type PendingSignatureSet, verifySignatureSets } from "./stateTransition/signatureSets.js";
export * from "./stateTransition/slots.js";
export * from "./stateTransition/stateTransition.js";
export * from "./types/index.js";
export { bytesEqual, bytesToUint64, fromHex, toHex, uint64ToBytes, ZERO_ROOT } from "./util/bytes.js";
export * from "./util/epoch.js";
export { useNativeHasher } from "./util/hasher.js";
export { computeDomain, computeSigningRoot } from "./util/signing.js";
export { isActiveValidator, isCommitteeEligible, withdrawableEpoch } from "./util/validator.js";
