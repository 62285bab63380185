import type { CachedBeaconState } from "../../cache/cachedState.js";
import type { BeaconBlockValue } from "../../types/index.js";
import { processEarlyFinalization } from "../epoch/justification.js";
import type { PendingSignatureSet } from "../signatureSets.js";
import { processAttestation } from "./attestations.js";
import type { BlockContext } from "./context.js";
import { processCrosslinks } from "./crosslinks.js";
import { processDeposit } from "./deposits.js";
import { processBlockHeader } from "./header.js";
import { processRandao } from "./randao.js";
import { processVoluntaryExit } from "./registryOps.js";
import { processAttesterSlashing, processProposerSlashing } from "./slashings.js";

/**
 * Applies `block` to `cached` in place (state at the block's slot). Returns the signature sets the block's
 * operations need (the caller verifies them in one batch); the block's own signature is not included.
 * `collectSignatureSets: false` skips building them (block production, runs without signatures).
 * Order: header, RANDAO, slashings, deposits (proven against the parent state's crosslinks), crosslinks,
 * attestations, exits; then finalisation on the votes included so far (processEarlyFinalization).
 */
export function processBlock(
  cached: CachedBeaconState,
  block: BeaconBlockValue,
  options: { collectSignatureSets?: boolean } = {},
): PendingSignatureSet[] {
  const ctx: BlockContext = {
    cached,
    block,
    signatureSets: options.collectSignatureSets === false ? null : [],
  };
  processBlockHeader(ctx);
  processRandao(ctx);
  const body = block.body;
  for (const [i, s] of body.proposerSlashings.entries()) processProposerSlashing(ctx, s, i);
  for (const [i, s] of body.attesterSlashings.entries()) processAttesterSlashing(ctx, s, i);
  for (const [i, d] of body.deposits.entries()) processDeposit(ctx, d, i);
  processCrosslinks(ctx);
  for (const [i, a] of body.attestations.entries()) processAttestation(ctx, a, i);
  for (const [i, e] of body.voluntaryExits.entries()) processVoluntaryExit(ctx, e, i);
  processEarlyFinalization(cached.epochCtx.preset, cached.state);
  return ctx.signatureSets ?? [];
}
