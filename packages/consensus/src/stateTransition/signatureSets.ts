import type { BlsBackend, BlsPublicKey, BlsSignature, SignatureSet } from "@shardnet/crypto";
import { BlockError } from "./errors.js";

/**
 * A signature to check, collected during block processing and verified at the end in one batch
 * (`verifyMultipleSignatures`). Several keys mean "all signed the same message" (aggregated at verification
 * time, so a run that skips signatures does not pay for aggregation).
 */
export interface PendingSignatureSet {
  /** What was signed, for error messages ("crosslink shard 3", "randao reveal"). */
  label: string;
  publicKeys: BlsPublicKey[];
  message: Uint8Array;
  signature: Uint8Array;
}

function decodeSet(bls: BlsBackend, set: PendingSignatureSet): SignatureSet {
  let signature: BlsSignature;
  try {
    signature = bls.signatureFromBytes(set.signature);
  } catch (e) {
    throw new BlockError(
      "MALFORMED_SIGNATURE",
      `${set.label}: signature does not decode (${(e as Error).message})`,
    );
  }
  if (set.publicKeys.length === 0) throw new BlockError("INVALID_SIGNATURE", `${set.label}: no signers`);
  const publicKey =
    set.publicKeys.length === 1
      ? (set.publicKeys[0] as BlsPublicKey)
      : bls.aggregatePublicKeys(set.publicKeys);
  return { publicKey, message: set.message, signature };
}

/**
 * Verifies every set with one batch; on failure finds the first bad set so the error names it.
 * Throws BlockError("INVALID_SIGNATURE" | "MALFORMED_SIGNATURE").
 */
export function verifySignatureSets(bls: BlsBackend, sets: readonly PendingSignatureSet[]): void {
  if (sets.length === 0) return;
  const decoded = sets.map((set) => decodeSet(bls, set));
  if (bls.verifyMultipleSignatures(decoded)) return;
  for (const [i, set] of decoded.entries()) {
    if (!bls.verify(set.publicKey, set.message, set.signature)) {
      throw new BlockError("INVALID_SIGNATURE", `${sets[i]?.label}: signature does not verify`);
    }
  }
  throw new BlockError("INVALID_SIGNATURE", "the signature batch does not verify");
}
