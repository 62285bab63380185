import "./polyfill.js";
export {};
