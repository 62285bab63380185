export * from "./committeeKeys.js";
export * from "./random.js";
export * from "./shardChains.js";
export * from "./shardTransactions.js";
export * from "./simulator.js";
