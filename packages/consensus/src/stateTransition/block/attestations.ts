import type { BlsPublicKey } from "@shardnet/crypto";
import type { CachedBeaconState } from "../../cache/cachedState.js";
import { DOMAIN_ATTESTER } from "../../params/constants.js";
import { AttestationData } from "../../types/beacon.js";
import type { AttestationDataValue, AttestationValue } from "../../types/index.js";
import { computeSigningRoot } from "../../util/signing.js";
import { BlockError } from "../errors.js";
import { addSignatureSet, type BlockContext, getDomain, verifyOutsideBlock } from "./context.js";
import { checkFfgVote, creditParticipation } from "./participation.js";

export function attestationSigningRoot(domain: Uint8Array, data: AttestationDataValue): Uint8Array {
  return computeSigningRoot(AttestationData.hashTreeRoot(data), domain);
}

/** The committee members whose bits are set; throws if the bit list does not match the committee. */
export function getAttestingIndices(
  ctx: Pick<BlockContext, "cached">,
  attestation: AttestationValue,
): number[] {
  return attestingIndicesIn(ctx.cached.epochCtx, attestation);
}

/**
 * getAttestingIndices with the committees of `epochCtx` (e.g. the voted block's, for gossip): throws
 * BlockError TOO_OLD when it cannot compute the committee of the attestation's slot, WRONG_SHARD or
 * BAD_AGGREGATION_BITS when the attestation does not fit it.
 */
export function attestingIndicesIn(
  epochCtx: CachedBeaconState["epochCtx"],
  attestation: AttestationValue,
): number[] {
  const { data, aggregationBits } = attestation;
  if (!(Number.isInteger(data.shard) && data.shard >= 0 && data.shard < epochCtx.preset.SHARD_COUNT)) {
    throw new BlockError(
      "WRONG_SHARD",
      `attestation shard ${data.shard} does not exist (SHARD_COUNT ${epochCtx.preset.SHARD_COUNT})`,
    );
  }
  let committee: Uint32Array;
  try {
    committee = epochCtx.getShardCommittee(data.shard, data.slot);
  } catch (e) {
    throw new BlockError("TOO_OLD", (e as Error).message);
  }
  if (aggregationBits.bitLen !== committee.length) {
    throw new BlockError(
      "BAD_AGGREGATION_BITS",
      `aggregation bits have length ${aggregationBits.bitLen}, the committee of shard ${data.shard} has ${committee.length}`,
    );
  }
  const indices = aggregationBits.intersectValues(committee);
  if (indices.length === 0) throw new BlockError("BAD_AGGREGATION_BITS", "aggregate has no participants");
  return indices;
}

/** Queues the aggregate signature of `attesters` over `attestation.data`. */
export function pushAttestationSignatureSet(
  ctx: BlockContext,
  attestation: Pick<AttestationValue, "data" | "signature">,
  attesters: readonly number[],
  label: string,
): void {
  const pubkeys = ctx.cached.epochCtx.pubkeys;
  const publicKeys: BlsPublicKey[] = attesters.map((i) => pubkeys.get(i));
  addSignatureSet(ctx, () => ({
    label,
    publicKeys,
    message: attestationSigningRoot(getDomain(ctx, DOMAIN_ATTESTER), attestation.data),
    signature: attestation.signature,
  }));
}

/**
 * Gossip-side check of one aggregate: committee bits and the aggregate signature (rules of inclusion are
 * checked when a block carries it). Throws BlockError on bad bits; returns false on a bad signature.
 */
export function verifyAttestationSignature(
  cached: CachedBeaconState,
  attestation: AttestationValue,
): boolean {
  return verifyOutsideBlock(cached, (ctx) => {
    const attesters = getAttestingIndices(ctx, attestation);
    pushAttestationSignatureSet(ctx, attestation, attesters, "attestation");
  });
}

/** An FFG attestation in `body.attestations`: all phase 0 rules apply; credits participation flags. */
export function processAttestation(ctx: BlockContext, attestation: AttestationValue, position: number): void {
  const vote = checkFfgVote(ctx, attestation.data);
  if (!vote.ok) {
    const code = vote.reason.startsWith("source") ? "WRONG_SOURCE" : "TARGET_EPOCH_OUT_OF_RANGE";
    throw new BlockError(code, `attestations[${position}]: ${vote.reason}`);
  }
  const attesters = getAttestingIndices(ctx, attestation);
  pushAttestationSignatureSet(ctx, attestation, attesters, `attestations[${position}]`);
  creditParticipation(ctx, vote, attesters);
}
