import type { BlsBackend, BlsPublicKey, BlsSecretKey, SignatureSet } from "@shardnet/crypto";
import { ShardBlockHeader } from "../types/shardHeader.js";
import { computeSigningRoot } from "../util/signing.js";
import type { ShardBlock, SignedShardBlock } from "./types.js";

/** hash_tree_root(SigningData{hash_tree_root(header), domain}): what the shard proposer signs. */
export function shardBlockSigningRoot(block: ShardBlock, domain: Uint8Array): Uint8Array {
  return computeSigningRoot(ShardBlockHeader.hashTreeRoot(block.header), domain);
}

export function signShardBlock(
  block: ShardBlock,
  secretKey: BlsSecretKey,
  domain: Uint8Array,
): SignedShardBlock {
  return { message: block, signature: secretKey.sign(shardBlockSigningRoot(block, domain)).toBytes() };
}

/** The proposer signature as a set for batch verification; throws BlsError if the signature bytes are invalid. */
export function shardBlockSignatureSet(
  bls: BlsBackend,
  signed: SignedShardBlock,
  proposerPubkey: BlsPublicKey,
  domain: Uint8Array,
): SignatureSet {
  return {
    publicKey: proposerPubkey,
    message: shardBlockSigningRoot(signed.message, domain),
    signature: bls.signatureFromBytes(signed.signature),
  };
}

/** True iff the proposer's BLS signature is valid (false on undecodable signature bytes). */
export function verifyShardBlockSignature(
  bls: BlsBackend,
  signed: SignedShardBlock,
  proposerPubkey: BlsPublicKey,
  domain: Uint8Array,
): boolean {
  try {
    const set = shardBlockSignatureSet(bls, signed, proposerPubkey, domain);
    return bls.verify(set.publicKey, set.message, set.signature);
  } catch {
    return false;
  }
}
