/**
 * Protocol constants that do not vary by preset. SSZ types use fixed limits so one set of types serves
 * every preset; presets only change how much of a vector or list is used.
 */

/** uint64 max; `UintNumberType(8)` maps 2^64-1 to Infinity (Lodestar convention). */
export const FAR_FUTURE_EPOCH = Number.POSITIVE_INFINITY;
export const GENESIS_EPOCH = 0;
export const GENESIS_SLOT = 0;

/** Largest SHARD_COUNT any preset may use (limit of the crosslink lists). */
export const MAX_SHARDS = 1024;
export const VALIDATOR_REGISTRY_LIMIT = 2 ** 40;
/** Largest committee (bit length of attestation aggregation bits). */
export const MAX_COMMITTEE_SIZE = 2048;
/** Beacon block roots / state roots kept in the state (ring buffer). */
export const SLOTS_PER_HISTORICAL_ROOT = 8192;
/** RANDAO mixes kept (ring buffer, per epoch). Must exceed 3 × SHARD_COMMITTEE_PERIOD for committee seeds. */
export const EPOCHS_PER_HISTORICAL_VECTOR = 4096;
export const EPOCHS_PER_SLASHINGS_VECTOR = 64;
/** The beacon proposer seed for epoch e uses the RANDAO mix at the end of epoch e - MIN_SEED_LOOKAHEAD - 1. */
export const MIN_SEED_LOOKAHEAD = 1;
export const JUSTIFICATION_BITS_LENGTH = 4;

export const MAX_PROPOSER_SLASHINGS = 16;
export const MAX_ATTESTER_SLASHINGS = 2;
export const MAX_ATTESTATIONS = 1024;
export const MAX_DEPOSITS = 16;
export const MAX_VOLUNTARY_EXITS = 16;

/** Stake of one full validator (gwei). Proposer selection samples proportional to stake / MAX_STAKE. */
export const MAX_STAKE = 32_000_000_000n;
/** Minimum stake of a deposit. */
export const MIN_DEPOSIT_STAKE = 1_000_000_000n;
/** A slashed validator loses stake / MIN_SLASHING_PENALTY_QUOTIENT immediately. */
export const MIN_SLASHING_PENALTY_QUOTIENT = 32n;

/** Participation flags per validator per epoch (Altair-style bit field). */
export const TIMELY_SOURCE_FLAG = 1 << 0;
export const TIMELY_TARGET_FLAG = 1 << 1;

/** 4-byte domain types (little-endian integer in the first 4 bytes of a domain). */
export const DOMAIN_BEACON_PROPOSER = Uint8Array.of(0, 0, 0, 0);
export const DOMAIN_ATTESTER = Uint8Array.of(1, 0, 0, 0);
export const DOMAIN_RANDAO = Uint8Array.of(2, 0, 0, 0);
export const DOMAIN_DEPOSIT = Uint8Array.of(3, 0, 0, 0);
export const DOMAIN_VOLUNTARY_EXIT = Uint8Array.of(4, 0, 0, 0);
export const DOMAIN_SHARD_PROPOSER = Uint8Array.of(0x80, 0, 0, 0);
export const DOMAIN_SHARD_COMMITTEE = Uint8Array.of(0x81, 0, 0, 0);
export const DOMAIN_SHARD_TRANSACTION = Uint8Array.of(0x82, 0, 0, 0);
/** What a deposit transaction's sender signs (Ed25519), bound to the network. */
export const DOMAIN_SHARD_DEPOSIT = Uint8Array.of(0x83, 0, 0, 0);
