import type { GossipsubOpts } from "@libp2p/gossipsub";
import {
  createPeerScoreParams,
  createPeerScoreThresholds,
  createTopicScoreParams,
  type PeerScoreParams,
  type PeerScoreThresholds,
  type TopicScoreParams,
} from "@libp2p/gossipsub/score";

/**
 * Mesh parameters for a small testnet (a handful to a few dozen nodes):
 * - D=4, Dlo=2, Dhi=8: a node keeps 4 mesh peers per topic, grafts below 2, prunes above 8. With 5–20 nodes this
 *   gives every node a path of length ≤ 3 while keeping duplicate deliveries (each message arrives ~D times) low.
 * - Dlazy=4, gossipFactor 0.25: IHAVE gossip to at least 4 non-mesh peers per heartbeat.
 * - heartbeat 700 ms (Ethereum uses 700 ms): mesh repair and gossip emission happen a bit under twice per second, so
 *   a new subscriber is grafted within ~1 s of joining.
 * - fanoutTTL 60 s: publishing to a topic we are not subscribed to keeps that fanout set for a minute.
 * - mcacheLength 6, mcacheGossip 3: messages stay retrievable by IWANT for ~4 s and are advertised for ~2 s.
 * - seenTTL 2 min: duplicates are recognised for two minutes (longer than a slot and than any normal delay).
 * - floodPublish on: our own messages go to every subscribed peer above publishThreshold, not only the mesh, so a
 *   proposer's block reaches everyone in one hop when the network is small.
 */
export const TESTNET_MESH_PARAMS = {
  D: 4,
  Dlo: 2,
  Dhi: 8,
  Dscore: 2,
  Dout: 1,
  Dlazy: 4,
  gossipFactor: 0.25,
  heartbeatInterval: 700,
  fanoutTTL: 60_000,
  mcacheLength: 6,
  mcacheGossip: 3,
  seenTTL: 120_000,
  floodPublish: true,
} satisfies Partial<GossipsubOpts>;

/**
 * Score thresholds. A peer reaches them only through penalties: positive score is capped at `topicScoreCap` (10).
 * - gossip −2000: no IHAVE/IWANT exchange with the peer;
 * - publish −4000: our own messages are not flood-published to it;
 * - graylist −8000: all its RPCs are ignored, and the host disconnects it and refuses it for a while.
 */
export const TESTNET_SCORE_THRESHOLDS: PeerScoreThresholds = createPeerScoreThresholds({
  gossipThreshold: -2000,
  publishThreshold: -4000,
  graylistThreshold: -8000,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 2,
});

/**
 * Per-topic score: invalid messages (the validator said "reject", or the bytes did not decode) dominate.
 * P4 = −1000 × count² with count decaying by 0.97 per second, so one invalid message costs −1000, two −4000
 * (below publish threshold) and three −9000 (graylisted and disconnected). Rewards for good behaviour are small
 * (time in mesh, first deliveries) and capped so they cannot offset more than a fraction of one invalid message.
 * P3 (mesh delivery deficit) is disabled: testnet traffic is bursty and a quiet topic must not penalise honest peers.
 */
export function topicScoreParams(): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 300,
    firstMessageDeliveriesWeight: 0.5,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 10,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.9,
    meshMessageDeliveriesCap: 10,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.9,
    invalidMessageDeliveriesWeight: -1000,
    invalidMessageDeliveriesDecay: 0.97,
  });
}

/**
 * Peer score parameters for the given topic strings. IP colocation is off (weight 0): a testnet runs many nodes
 * on one host (127.0.0.1), which is not an attack here. Scores of disconnected peers are retained 5 minutes so a
 * graylisted peer cannot reset its score by reconnecting.
 */
export function peerScoreParams(topics: string[]): PeerScoreParams {
  const perTopic: Record<string, TopicScoreParams> = {};
  for (const topic of topics) perTopic[topic] = topicScoreParams();
  return createPeerScoreParams({
    topics: perTopic,
    topicScoreCap: 10,
    appSpecificScore: () => 0,
    appSpecificWeight: 1,
    IPColocationFactorWeight: 0,
    IPColocationFactorThreshold: 10,
    behaviourPenaltyWeight: -10,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: 0.9,
    decayInterval: 1000,
    decayToZero: 0.01,
    retainScore: 300_000,
  });
}
