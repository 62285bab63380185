import type { CachedBeaconState } from "../../cache/cachedState.js";
import { DOMAIN_BEACON_PROPOSER } from "../../params/constants.js";
import { AttestationData, BeaconBlockHeader } from "../../types/beacon.js";
import type {
  AttestationDataValue,
  AttesterSlashingValue,
  ProposerSlashingValue,
  ValidatorValue,
} from "../../types/index.js";
import { bytesEqual } from "../../util/bytes.js";
import { computeSigningRoot } from "../../util/signing.js";
import { checkpointsEqual, getCurrentEpoch, slashValidator } from "../accessors.js";
import { BlockError } from "../errors.js";
import { pushAttestationSignatureSet } from "./attestations.js";
import { addSignatureSet, type BlockContext, getDomain, verifyOutsideBlock } from "./context.js";

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

/**
 * Why slashing evidence is refused. `stale`: it shows a real offence, but the offenders can no longer be
 * slashed (already slashed, or exited), so a correct peer may still send it; otherwise it is no evidence.
 */
export interface SlashingProblem {
  problem: string;
  stale: boolean;
}

/**
 * Why `slashing` is not proposer-slashing evidence on `cached` (every rule but the signatures), or null.
 * Shared by block processing and the node's gossip and pool checks.
 */
export function proposerSlashingProblem(
  cached: CachedBeaconState,
  slashing: ProposerSlashingValue,
): SlashingProblem | null {
  const { state, epochCtx } = cached;
  const h1 = slashing.signedHeader1.message;
  const h2 = slashing.signedHeader2.message;
  if (h1.slot !== h2.slot || h1.proposerIndex !== h2.proposerIndex)
    return { problem: "headers of different slots or proposers", stale: false };
  if (BeaconBlockHeader.equals(h1, h2)) return { problem: "identical headers", stale: false };
  if (h1.proposerIndex >= state.validators.length) return { problem: "unknown proposer", stale: false };
  const validator = state.validators.getReadonly(h1.proposerIndex);
  if (validator.slashed) return { problem: "already slashed", stale: true };
  if (!isSlashableValidator(validator, getCurrentEpoch(epochCtx.preset, state)))
    return { problem: "proposer not slashable", stale: true };
  return null;
}

/**
 * Why `slashing` is not attester-slashing evidence on `cached` (signatures aside), with its BlockError code,
 * or the validators it slashes: those in both votes that are still slashable.
 */
export function attesterSlashingProblem(
  cached: CachedBeaconState,
  slashing: AttesterSlashingValue,
): ({ code: "NOT_SLASHABLE" | "BAD_INDEXED_ATTESTATION" } & SlashingProblem) | { slashable: number[] } {
  const { attestation1: a1, attestation2: a2 } = slashing;
  if (!isSlashableAttestationData(a1.data, a2.data))
    return { code: "NOT_SLASHABLE", problem: "votes are not slashable", stale: false };
  const { state, epochCtx } = cached;
  for (const { attestingIndices: indices } of [a1, a2]) {
    const sorted = indices.every((v, k) => k === 0 || (indices[k - 1] as number) < v);
    if (
      indices.length === 0 ||
      !sorted ||
      (indices[indices.length - 1] as number) >= state.validators.length
    ) {
      return {
        code: "BAD_INDEXED_ATTESTATION",
        problem: "attesting indices must be sorted, unique and known",
        stale: false,
      };
    }
  }
  const epoch = getCurrentEpoch(epochCtx.preset, state);
  const second = new Set(a2.attestingIndices);
  const inBoth = a1.attestingIndices.filter((i) => second.has(i));
  if (inBoth.length === 0)
    return { code: "NOT_SLASHABLE", problem: "no validator in both votes", stale: false };
  const slashable = inBoth.filter((i) => isSlashableValidator(state.validators.getReadonly(i), epoch));
  if (slashable.length === 0)
    return { code: "NOT_SLASHABLE", problem: "no slashable validator in both votes", stale: true };
  return { slashable };
}

/** True iff the signatures of a slashing verify on `cached`, checked as block processing checks them. */
export function verifySlashingSignatures(
  cached: CachedBeaconState,
  evidence: { proposerSlashing: ProposerSlashingValue } | { attesterSlashing: AttesterSlashingValue },
): boolean {
  return verifyOutsideBlock(cached, (ctx) => {
    if ("proposerSlashing" in evidence)
      pushProposerSlashingSets(ctx, evidence.proposerSlashing, "proposer slashing");
    else pushAttesterSlashingSets(ctx, evidence.attesterSlashing, "attester slashing");
  });
}

export function processProposerSlashing(
  ctx: BlockContext,
  slashing: ProposerSlashingValue,
  position: number,
): void {
  const where = `proposerSlashings[${position}]`;
  const refused = proposerSlashingProblem(ctx.cached, slashing);
  if (refused) throw new BlockError("NOT_SLASHABLE", `${where}: ${refused.problem}`);
  pushProposerSlashingSets(ctx, slashing, where);
  const { state, epochCtx } = ctx.cached;
  slashValidator(epochCtx.preset, state, slashing.signedHeader1.message.proposerIndex);
}

function pushProposerSlashingSets(ctx: BlockContext, slashing: ProposerSlashingValue, where: string): void {
  const domain = getDomain(ctx, DOMAIN_BEACON_PROPOSER);
  const publicKey = ctx.cached.epochCtx.pubkeys.get(slashing.signedHeader1.message.proposerIndex);
  for (const [n, signed] of [slashing.signedHeader1, slashing.signedHeader2].entries()) {
    addSignatureSet(ctx, () => ({
      label: `${where} header ${n + 1}`,
      publicKeys: [publicKey],
      message: computeSigningRoot(BeaconBlockHeader.hashTreeRoot(signed.message), domain),
      signature: signed.signature,
    }));
  }
}

function pushAttesterSlashingSets(ctx: BlockContext, slashing: AttesterSlashingValue, where: string): void {
  for (const [n, indexed] of [slashing.attestation1, slashing.attestation2].entries()) {
    pushAttestationSignatureSet(ctx, indexed, indexed.attestingIndices, `${where} attestation ${n + 1}`);
  }
}

export function processAttesterSlashing(
  ctx: BlockContext,
  slashing: AttesterSlashingValue,
  position: number,
): void {
  const where = `attesterSlashings[${position}]`;
  const checked = attesterSlashingProblem(ctx.cached, slashing);
  if ("problem" in checked) throw new BlockError(checked.code, `${where}: ${checked.problem}`);
  pushAttesterSlashingSets(ctx, slashing, where);
  const { state, epochCtx } = ctx.cached;
  for (const index of checked.slashable) slashValidator(epochCtx.preset, state, index);
}
