/** Why a block (or one of its operations) was rejected. `code` is stable; the message says what to fix. */
export type BlockErrorCode =
  | "WRONG_SLOT"
  | "NOT_NEWER_THAN_PARENT"
  | "WRONG_PROPOSER"
  | "WRONG_PARENT_ROOT"
  | "PROPOSER_SLASHED"
  | "WRONG_STATE_ROOT"
  | "INVALID_SIGNATURE"
  | "MALFORMED_SIGNATURE"
  | "WRONG_SHARD"
  | "DUPLICATE_SHARD"
  | "HEADER_ROOT_MISMATCH"
  | "BEACON_BLOCK_NOT_ON_CHAIN"
  | "CROSSLINK_HEADER_MISMATCH"
  | "ATTESTATION_ROOT_MISMATCH"
  | "FUTURE_SLOT"
  | "TOO_OLD"
  | "WRONG_PARENT_CROSSLINK"
  | "INSUFFICIENT_STAKE"
  | "BAD_AGGREGATION_BITS"
  | "TARGET_EPOCH_OUT_OF_RANGE"
  | "WRONG_SOURCE"
  | "NOT_SLASHABLE"
  | "BAD_INDEXED_ATTESTATION"
  | "DUPLICATE_DEPOSIT"
  | "BAD_DEPOSIT"
  | "BAD_EXIT";

export class BlockError extends Error {
  constructor(
    readonly code: BlockErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = "BlockError";
  }
}
