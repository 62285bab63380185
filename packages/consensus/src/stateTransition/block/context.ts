import type { CachedBeaconState } from "../../cache/cachedState.js";
import type { BeaconBlockValue } from "../../types/index.js";
import { computeDomain } from "../../util/signing.js";
import { BlockError } from "../errors.js";
import { type PendingSignatureSet, verifySignatureSets } from "../signatureSets.js";

/** Everything one block's operations need: the state being mutated and where signature sets go. */
export interface BlockContext {
  cached: CachedBeaconState;
  block: BeaconBlockValue;
  /** Signature sets collected for one batch verification at the end of the block; null = do not collect. */
  signatureSets: PendingSignatureSet[] | null;
}

/** Queues a signature set; `make` runs only when sets are collected (key lookups and signing roots cost). */
export function addSignatureSet(ctx: BlockContext, make: () => PendingSignatureSet): void {
  if (ctx.signatureSets) ctx.signatureSets.push(make());
}

export function getDomain(ctx: Pick<BlockContext, "cached">, domainType: Uint8Array): Uint8Array {
  return computeDomain(domainType, ctx.cached.state.genesisRoot);
}

/**
 * Verifies signatures outside block processing (gossip, pools): `push` queues the sets on a context at the
 * state's slot, then they are verified as a block would verify them. False when a signature does not verify;
 * a BlockError that `push` itself throws (malformed input) propagates.
 */
export function verifyOutsideBlock(cached: CachedBeaconState, push: (ctx: BlockContext) => void): boolean {
  const signatureSets: PendingSignatureSet[] = [];
  push({ cached, block: { slot: cached.state.slot } as BlockContext["block"], signatureSets });
  try {
    verifySignatureSets(cached.epochCtx.pubkeys.bls, signatureSets);
    return true;
  } catch (e) {
    if (e instanceof BlockError) return false;
    throw e;
  }
}
