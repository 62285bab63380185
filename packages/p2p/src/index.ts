import "./polyfill.js";

export {
  addressesForRequester,
  advertisedAddresses,
  isLoopbackAddress,
  isUnspecifiedAddress,
} from "./addresses.js";
export { P2pConfigError } from "./errors.js";
export {
  type GossipHandler,
  GossipLayer,
  messageIdOf,
  messageIdToString,
  type ValidationResult,
} from "./gossip.js";
export {
  createP2pNode,
  P2pNode,
  type P2pNodeOptions,
  type PeerEvent,
  parseAnnounceAddresses,
} from "./host.js";
export { type DropReason, metricValue, P2pMetrics, type ValidationResultLabel } from "./metrics.js";
export { loadOrCreatePeerKey } from "./peerKey.js";
export * from "./reqresp/index.js";
export {
  peerScoreParams,
  TESTNET_MESH_PARAMS,
  TESTNET_SCORE_THRESHOLDS,
  topicScoreParams,
} from "./scoring.js";
export * from "./topics.js";
