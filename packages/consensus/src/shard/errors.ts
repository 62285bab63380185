/** Why a transaction is refused (mempool admission, block production or block validation). */
export type TxRejectionReason =
  | "malformed"
  | "oversize"
  | "unknown_fields"
  | "zero_amount"
  | "wrong_shard"
  | "pubkey_mismatch"
  | "bad_signature"
  | "nonce_replay"
  | "nonce_gap"
  | "insufficient_balance"
  | "balance_overflow"
  | "deposit_amount"
  | "bad_proof_of_possession";

export interface TxRejection {
  reason: TxRejectionReason;
  message: string;
}

/** Why an incoming receipt is refused. */
export type ReceiptRejectionReason =
  | "wrong_destination"
  | "wrong_source"
  | "receipt_replay"
  | "receipt_gap"
  | "unknown_crosslink"
  | "crosslink_mismatch"
  | "bad_receipt_proof"
  | "balance_overflow";

export interface ReceiptRejection {
  reason: ReceiptRejectionReason;
  message: string;
}

export type ShardBlockErrorCode =
  | "wrong_shard"
  | "slot_not_after_parent"
  | "wrong_parent"
  | "wrong_proposer"
  | "too_many_transactions"
  | "tx_root_mismatch"
  | "receipts_in_root_mismatch"
  | "invalid_transaction"
  | "too_many_deposits"
  | "invalid_deposit"
  | "invalid_receipt"
  | "outbox_root_mismatch"
  | "state_root_mismatch";

/** A shard block that must be rejected; `code` says which rule it broke, the message says where. */
export class ShardBlockError extends Error {
  constructor(
    readonly code: ShardBlockErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ShardBlockError";
  }
}

/** A genesis allocation that cannot become a shard state (duplicate address, supply over uint64…). */
export class ShardGenesisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShardGenesisError";
  }
}
