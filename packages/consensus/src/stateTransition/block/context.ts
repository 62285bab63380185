import type { CachedBeaconState } from "../../cache/cachedState.js";
import type { BeaconBlockValue } from "../../types/index.js";
import { computeDomain } from "../../util/signing.js";
import type { PendingSignatureSet } from "../signatureSets.js";

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
