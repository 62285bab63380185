/**
 * The chaos harness's rogue peer (issue 16): a libp2p peer that sends invalid gossip on every topic and floods
 * req/resp, an observer peer that records what the honest nodes relay, and the check that they penalised the
 * rogue. Usage: start the observer, then the rogue, let it run, stop both, and compare
 * `report.payloadHashes` with `observer.received()` (must not intersect); then `rogueWasPenalised` on each
 * node's `fetchPeerStanding(api, report.peerId)`.
 */
export { GOSSIP_ATTACK_KINDS, type GossipAttackKind, TOPIC_MAX_BYTES } from "./gossipPayloads.js";
export { type Observer, type ObserverOptions, startObserver } from "./observer.js";
export { payloadHash } from "./payloadHash.js";
export { relayedRoguePayloads } from "./relayCheck.js";
export type { ReqRespCounts, RogueReport } from "./report.js";
export { REQRESP_ATTACK_KINDS, type ReqRespAttackKind } from "./reqrespFlood.js";
export { type RoguePeer, type RoguePeerOptions, startRoguePeer } from "./roguePeer.js";
export { fetchPeerStanding, type PeerStanding, rogueWasPenalised } from "./standing.js";
