import { type CachedBeaconState, cloneCachedState } from "../cache/cachedState.js";
import { DOMAIN_BEACON_PROPOSER } from "../params/constants.js";
import { BeaconBlock } from "../types/beacon.js";
import type { BeaconBlockValue, SignedBeaconBlockValue } from "../types/index.js";
import { bytesEqual, toHex } from "../util/bytes.js";
import { computeDomain, computeSigningRoot } from "../util/signing.js";
import { processBlock } from "./block/index.js";
import { BlockError } from "./errors.js";
import { type PendingSignatureSet, verifySignatureSets } from "./signatureSets.js";
import { processSlotsInPlace } from "./slots.js";

export interface StateTransitionOptions {
  /** Verify every signature (one batch). `false` is for fuzzing and benchmarks only. Default true. */
  verifySignatures?: boolean;
  /** Check block.stateRoot against the post-state root. Default true. */
  verifyStateRoot?: boolean;
}

export function blockSigningRoot(cached: CachedBeaconState, block: BeaconBlockValue): Uint8Array {
  return computeSigningRoot(
    BeaconBlock.hashTreeRoot(block),
    computeDomain(DOMAIN_BEACON_PROPOSER, cached.state.genesisRoot),
  );
}

export function blockSignatureSet(
  cached: CachedBeaconState,
  signed: SignedBeaconBlockValue,
): PendingSignatureSet {
  return {
    label: "block signature",
    publicKeys: [cached.epochCtx.pubkeys.get(signed.message.proposerIndex)],
    message: blockSigningRoot(cached, signed.message),
    signature: signed.signature,
  };
}

/**
 * Pure beacon state transition: a copy of `pre` advanced to the block's slot with the block applied. Every
 * signature (block, RANDAO, crosslinks, attestations, slashings, deposits, exits) is verified in one batch.
 * Throws BlockError when the block is invalid; `pre` is never modified.
 */
export function stateTransition(
  pre: CachedBeaconState,
  signedBlock: SignedBeaconBlockValue,
  options: StateTransitionOptions = {},
): CachedBeaconState {
  const { verifySignatures = true, verifyStateRoot = true } = options;
  const block = signedBlock.message;
  const post = cloneCachedState(pre);
  if (block.slot > post.state.slot) processSlotsInPlace(post, block.slot);
  const sets = processBlock(post, block, { collectSignatureSets: verifySignatures });
  if (verifySignatures) {
    sets.push(blockSignatureSet(post, signedBlock));
    verifySignatureSets(post.epochCtx.pubkeys.bls, sets);
  }
  if (verifyStateRoot) {
    const root = post.state.hashTreeRoot();
    if (!bytesEqual(root, block.stateRoot)) {
      throw new BlockError(
        "WRONG_STATE_ROOT",
        `block state root ${toHex(block.stateRoot)} != computed ${toHex(root)}`,
      );
    }
  }
  return post;
}
