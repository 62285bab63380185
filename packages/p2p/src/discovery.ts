import type { Libp2p, PeerId } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import { addressesForRequester } from "./addresses.js";

/** Most addresses returned by one peer_exchange response. */
export const MAX_EXCHANGED_PEERS = 64;
/** Most addresses given per peer in a peer_exchange response. */
export const MAX_ADDRESSES_PER_PEER = 4;

/**
 * peer_exchange response chunks: one UTF-8 multiaddr (with /p2p/ suffix) per chunk, every address (up to
 * MAX_ADDRESSES_PER_PEER) of each connected peer but `requester`, without loopback addresses unless the
 * requester is on this host too (it could not dial them).
 */
export async function connectedPeerAddresses(libp2p: Libp2p, requester: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const requesterAddr = libp2p
    .getConnections()
    .find((c) => c.remotePeer.toString() === requester)?.remoteAddr;
  for (const peer of libp2p.getPeers()) {
    const id = peer.toString();
    if (id === requester) continue;
    const addrs = addressesForRequester(await knownListenAddrs(libp2p, peer), requesterAddr);
    for (const a of addrs.slice(0, MAX_ADDRESSES_PER_PEER)) {
      if (out.length >= MAX_EXCHANGED_PEERS) return out;
      out.push(new TextEncoder().encode(a));
    }
  }
  return out;
}

async function knownListenAddrs(libp2p: Libp2p, peer: PeerId): Promise<string[]> {
  try {
    const info = await libp2p.peerStore.get(peer);
    return info.addresses.map((a) => {
      const text = a.multiaddr.toString();
      return text.includes("/p2p/") ? text : `${text}/p2p/${peer.toString()}`;
    });
  } catch {
    return [];
  }
}

/** A peer learned through peer_exchange, with every address it was given for it (dialled together). */
export interface DiscoveredPeer {
  peerId: string;
  addresses: string[];
}

/**
 * Parses peer_exchange chunks into the peers we are not yet connected to, each with all its addresses (in
 * the order given, at most MAX_ADDRESSES_PER_PEER): a dial tries every one, not just the first.
 */
export function newPeerAddresses(
  chunks: Uint8Array[],
  self: string,
  connected: Set<string>,
): DiscoveredPeer[] {
  const byPeer = new Map<string, DiscoveredPeer>();
  for (const chunk of chunks) {
    const text = new TextDecoder().decode(chunk);
    try {
      const id = multiaddr(text)
        .getComponents()
        .find((c) => c.name === "p2p")?.value;
      if (id === undefined || id === self || connected.has(id)) continue;
      const peer = byPeer.get(id) ?? { peerId: id, addresses: [] };
      byPeer.set(id, peer);
      if (!peer.addresses.includes(text) && peer.addresses.length < MAX_ADDRESSES_PER_PEER)
        peer.addresses.push(text);
    } catch {
      // not a multiaddr: skip it
    }
  }
  return [...byPeer.values()];
}
