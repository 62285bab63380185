export * from "./clock/slotClock.js";
export * from "./db/nodeDb.js";
export * from "./logger.js";
