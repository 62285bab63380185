import {
  BlockError,
  type CachedBeaconState,
  type ProduceBlockInput,
  type ProducedBlock,
  processSlots,
  produceBlock,
  verifyAttestationSignature,
  verifySignatureSets,
  verifySlashingSignatures,
  verifyVoluntaryExitSignature,
} from "@shardnet/consensus";
import type { BlsBackend } from "@shardnet/crypto";
import type { Logger } from "pino";

/** True when `check` says the operation's signature verifies (false when it throws on a malformed one). */
function verifies(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/**
 * The operations of `input` whose signatures verify on `atSlot`, one by one. Pools verify operations against
 * the head current when they arrive; after a reorg some no longer do on the new head (committees and keys
 * differ across branches), and a block holding one would be refused by every peer.
 */
function operationsValidOn(atSlot: CachedBeaconState, input: ProduceBlockInput): ProduceBlockInput {
  return {
    ...input,
    crosslinkCandidates: input.crosslinkCandidates?.filter((c) =>
      verifies(() => verifyAttestationSignature(atSlot, c.attestation)),
    ),
    attestations: input.attestations?.filter((a) => verifies(() => verifyAttestationSignature(atSlot, a))),
    proposerSlashings: input.proposerSlashings?.filter((s) =>
      verifies(() => verifySlashingSignatures(atSlot, { proposerSlashing: s })),
    ),
    attesterSlashings: input.attesterSlashings?.filter((s) =>
      verifies(() => verifySlashingSignatures(atSlot, { attesterSlashing: s })),
    ),
    voluntaryExits: input.voluntaryExits?.filter((e) =>
      verifies(() => verifyVoluntaryExitSignature(atSlot, e)),
    ),
  };
}

/**
 * Produces a block on `pre` whose operations' signatures all verify on its pre-state, so that the proposer
 * never signs (and imports as its own, without checks) a block its peers refuse. The usual path costs one
 * batch verification; when the batch fails, each pooled operation is checked alone and those that fail are
 * left out. Throws a BlockError if even that block does not verify.
 */
export function produceVerifiedBlock(
  pre: CachedBeaconState,
  input: ProduceBlockInput,
  bls: BlsBackend,
  log: Logger,
): ProducedBlock {
  const produced = produceBlock(pre, input);
  try {
    verifySignatureSets(bls, produced.signatureSets);
    return produced;
  } catch (err) {
    if (!(err instanceof BlockError)) throw err;
    const atSlot = input.slot > pre.state.slot ? processSlots(pre, input.slot) : pre;
    const valid = operationsValidOn(atSlot, input);
    const dropped =
      (input.crosslinkCandidates?.length ?? 0) -
      (valid.crosslinkCandidates?.length ?? 0) +
      (input.attestations?.length ?? 0) -
      (valid.attestations?.length ?? 0) +
      (input.proposerSlashings?.length ?? 0) -
      (valid.proposerSlashings?.length ?? 0) +
      (input.attesterSlashings?.length ?? 0) -
      (valid.attesterSlashings?.length ?? 0) +
      (input.voluntaryExits?.length ?? 0) -
      (valid.voluntaryExits?.length ?? 0);
    log.warn(
      { slot: input.slot, dropped, err: err.message },
      "pooled operations do not verify on this block's pre-state (verified on another branch): left out",
    );
    const retried = produceBlock(pre, valid);
    verifySignatureSets(bls, retried.signatureSets);
    return retried;
  }
}
