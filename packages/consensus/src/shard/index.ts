/**
 * Shard chain core (DESIGN.md §4): SSZ types, shard state (accounts in an SSZ list with an address
 * registry, outboxes, inbox cursors, fees burned), transactions, cross-shard receipts with Merkle proofs
 * against crosslinks, block production/validation, mempool, shard fork choice, account proofs, and an
 * in-process multi-shard simulation. Pure and deterministic: no I/O, no clock.
 */
export * from "./accountProof.js";
export * from "./accountStore.js";
export { addressKey, shardOf } from "./address.js";
export * from "./block.js";
export * from "./constants.js";
export * from "./deposit.js";
export * from "./errors.js";
export * from "./forkChoice.js";
export * from "./genesis.js";
export * from "./mempool.js";
export * from "./outboxAccumulator.js";
export * from "./outboxLog.js";
export * from "./receipts.js";
export * from "./signature.js";
export * from "./simulation.js";
export * from "./state.js";
export * from "./transaction.js";
export * from "./types.js";
export * from "./verifiedTxs.js";
