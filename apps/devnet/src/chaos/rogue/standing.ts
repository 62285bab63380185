/**
 * How an honest node treats a peer, from its API: GET /v1/node/peers/:peerId (packages/node nodeRoutes.ts).
 *
 * A node penalises bad gossip through gossipsub peer scoring (packages/p2p/src/scoring.ts): every message its
 * validator rejects (undecodable, oversized, bad signature, wrong shard) costs the sender −1000 × count² per
 * topic, so three rejects on one topic, or one on each of nine topics, take it below the graylist threshold
 * (−8000). A graylisted peer's RPCs are ignored, and at the next heartbeat (700 ms) the host disconnects it and
 * refuses it for 60 s (`banned`). The negative score is kept 5 minutes after the disconnect, decaying. Ignored
 * messages (stale slots, unknown blocks, unprovable receipts) cost nothing. `shardnet_p2p_peers_penalized_total`
 * counts both: graylist disconnects (reason `gossip_score`) and req/resp penalties (reason: the protocol).
 */
export interface PeerStanding {
  peerId: string;
  connected: boolean;
  /** Gossipsub score (0 for a peer never seen or forgotten). */
  score: number;
  /** Score below the graylist threshold. */
  graylisted: boolean;
  /** Disconnected and refused until the ban expires. */
  banned: boolean;
}

/** Asks a node's API how it stands with a peer. `apiUrl`: e.g. `http://127.0.0.1:9000`. */
export async function fetchPeerStanding(apiUrl: string, peerId: string): Promise<PeerStanding> {
  const url = `${apiUrl.replace(/\/$/, "")}/v1/node/peers/${encodeURIComponent(peerId)}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as PeerStanding;
}

/** The rogue counts as penalised when the node graylisted it or refuses it, and it is not connected. */
export function rogueWasPenalised(standing: PeerStanding): boolean {
  return (standing.graylisted || standing.banned) && !standing.connected;
}
