export * from "./clock/slotClock.js";
export * from "./db/nodeDb.js";
export * from "./logger.js";
export * from "./config/cliOptions.js";
export * from "./metrics/nodeMetrics.js";
