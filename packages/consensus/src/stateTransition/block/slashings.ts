import type { BlsPublicKey } from "@shardnet/crypto";
import { DOMAIN_ATTESTER, DOMAIN_BEACON_PROPOSER } from "../../params/constants.js";
import { AttestationData, BeaconBlockHeader } from "../../types/beacon.js";
import type {
  AttestationDataValue,
  AttesterSlashingValue,
  IndexedAttestationValue,
  ProposerSlashingValue,
  ValidatorValue,
} from "../../types/index.js";
import { bytesEqual } from "../../util/bytes.js";
import { computeSigningRoot } from "../../util/signing.js";
import { checkpointsEqual, getCurrentEpoch, slashValidator } from "../accessors.js";
import { BlockError } from "../errors.js";
import { attestationSigningRoot } from "./attestations.js";
import { addSignatureSet, type BlockContext, getDomain } from "./context.js";

/** Phase 0 `is_slashable_validator`: activated, not yet withdrawn/exited, not already slashed. */
export function isSlashableValidator(
  v: Pick<ValidatorValue, "activationEpoch" | "exitEpoch" | "slashed">,
  epoch: number,
): boolean {
  return !v.slashed && v.activationEpoch <= epoch && epoch < v.exitEpoch;
}

/**
 * Slashable pair (DESIGN.md §4): two different votes for one slot (double vote), two different FFG votes
 * for one target epoch, or a surround vote (either direction).
 */
export function isSlashableAttestationData(d1: AttestationDataValue, d2: AttestationDataValue): boolean {
  const different = !bytesEqual(AttestationData.hashTreeRoot(d1), AttestationData.hashTreeRoot(d2));
  if (!different) return false;
  if (d1.slot === d2.slot) return true;
  const ffgDiffers = !checkpointsEqual(d1.source, d2.source) || !checkpointsEqual(d1.target, d2.target);
  if (d1.target.epoch === d2.target.epoch && ffgDiffers) return true;
  const surrounds = (a: AttestationDataValue, b: AttestationDataValue) =>
    a.source.epoch < b.source.epoch && b.target.epoch < a.target.epoch;
  return surrounds(d1, d2) || surrounds(d2, d1);
}

export function processProposerSlashing(
  ctx: BlockContext,
  slashing: ProposerSlashingValue,
  position: number,
): void {
  const { state, epochCtx } = ctx.cached;
  const h1 = slashing.signedHeader1.message;
  const h2 = slashing.signedHeader2.message;
  const where = `proposerSlashings[${position}]`;
  if (h1.slot !== h2.slot || h1.proposerIndex !== h2.proposerIndex) {
    throw new BlockError("NOT_SLASHABLE", `${where}: headers are for different slots or proposers`);
  }
  if (BeaconBlockHeader.equals(h1, h2))
    throw new BlockError("NOT_SLASHABLE", `${where}: the two headers are identical`);
  if (h1.proposerIndex >= state.validators.length)
    throw new BlockError("NOT_SLASHABLE", `${where}: unknown validator`);
  const epoch = getCurrentEpoch(epochCtx.preset, state);
  if (!isSlashableValidator(state.validators.getReadonly(h1.proposerIndex), epoch)) {
    throw new BlockError("NOT_SLASHABLE", `${where}: validator ${h1.proposerIndex} is not slashable`);
  }
  const domain = getDomain(ctx, DOMAIN_BEACON_PROPOSER);
  const publicKey = epochCtx.pubkeys.get(h1.proposerIndex);
  for (const [n, signed] of [slashing.signedHeader1, slashing.signedHeader2].entries()) {
    addSignatureSet(ctx, () => ({
      label: `${where} header ${n + 1}`,
      publicKeys: [publicKey],
      message: computeSigningRoot(BeaconBlockHeader.hashTreeRoot(signed.message), domain),
      signature: signed.signature,
    }));
  }
  slashValidator(epochCtx.preset, state, h1.proposerIndex);
}

function checkIndexedAttestation(ctx: BlockContext, indexed: IndexedAttestationValue, label: string): void {
  const indices = indexed.attestingIndices;
  if (indices.length === 0) throw new BlockError("BAD_INDEXED_ATTESTATION", `${label}: no attesting indices`);
  for (let i = 1; i < indices.length; i++) {
    if ((indices[i] as number) <= (indices[i - 1] as number)) {
      throw new BlockError(
        "BAD_INDEXED_ATTESTATION",
        `${label}: indices must be sorted ascending and unique`,
      );
    }
  }
  const { state, epochCtx } = ctx.cached;
  if ((indices[indices.length - 1] as number) >= state.validators.length) {
    throw new BlockError("BAD_INDEXED_ATTESTATION", `${label}: index beyond the registry`);
  }
  const publicKeys: BlsPublicKey[] = indices.map((i) => epochCtx.pubkeys.get(i));
  addSignatureSet(ctx, () => ({
    label,
    publicKeys,
    message: attestationSigningRoot(getDomain(ctx, DOMAIN_ATTESTER), indexed.data),
    signature: indexed.signature,
  }));
}

export function processAttesterSlashing(
  ctx: BlockContext,
  slashing: AttesterSlashingValue,
  position: number,
): void {
  const where = `attesterSlashings[${position}]`;
  const { attestation1: a1, attestation2: a2 } = slashing;
  if (!isSlashableAttestationData(a1.data, a2.data)) {
    throw new BlockError(
      "NOT_SLASHABLE",
      `${where}: the votes are neither a double vote nor a surround vote`,
    );
  }
  checkIndexedAttestation(ctx, a1, `${where} attestation 1`);
  checkIndexedAttestation(ctx, a2, `${where} attestation 2`);
  const { state, epochCtx } = ctx.cached;
  const epoch = getCurrentEpoch(epochCtx.preset, state);
  const second = new Set(a2.attestingIndices);
  let slashedAny = false;
  for (const index of a1.attestingIndices) {
    if (second.has(index) && isSlashableValidator(state.validators.getReadonly(index), epoch)) {
      slashValidator(epochCtx.preset, state, index);
      slashedAny = true;
    }
  }
  if (!slashedAny)
    throw new BlockError("NOT_SLASHABLE", `${where}: no slashable validator signed both votes`);
}
