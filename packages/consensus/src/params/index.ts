export * from "./constants.js";
export * from "./presets.js";
