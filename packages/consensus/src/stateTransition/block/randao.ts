import { DOMAIN_RANDAO, EPOCHS_PER_HISTORICAL_VECTOR } from "../../params/constants.js";
import { Epoch } from "../../types/primitives.js";
import { sha256 } from "../../util/hash.js";
import { computeSigningRoot } from "../../util/signing.js";
import { getCurrentEpoch } from "../accessors.js";
import { addSignatureSet, type BlockContext, getDomain } from "./context.js";

/** Signing root of a RANDAO reveal for `epoch`. */
export function randaoSigningRoot(genesisDomain: Uint8Array, epoch: number): Uint8Array {
  return computeSigningRoot(Epoch.hashTreeRoot(epoch), genesisDomain);
}

/** DESIGN.md §3: the proposer reveals BLS.sign(sk, epoch); mix ^= sha256(reveal). */
export function processRandao(ctx: BlockContext): void {
  const { state, epochCtx } = ctx.cached;
  const epoch = getCurrentEpoch(epochCtx.preset, state);
  const reveal = ctx.block.body.randaoReveal;
  addSignatureSet(ctx, () => ({
    label: "randao reveal",
    publicKeys: [epochCtx.pubkeys.get(ctx.block.proposerIndex)],
    message: randaoSigningRoot(getDomain(ctx, DOMAIN_RANDAO), epoch),
    signature: reveal,
  }));
  const index = epoch % EPOCHS_PER_HISTORICAL_VECTOR;
  const mix = state.randaoMixes.get(index).slice();
  const revealHash = sha256(reveal);
  for (let i = 0; i < 32; i++) mix[i] = (mix[i] as number) ^ (revealHash[i] as number);
  state.randaoMixes.set(index, mix);
}
