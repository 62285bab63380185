import type { Libp2p, PeerId } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";

/** Most addresses returned by one peer_exchange response. */
export const MAX_EXCHANGED_PEERS = 64;

/** peer_exchange response chunks: one UTF-8 multiaddr (with /p2p/ suffix) per chunk, for each connected peer. */
export async function connectedPeerAddresses(libp2p: Libp2p, exclude: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const peer of libp2p.getPeers()) {
    const id = peer.toString();
    if (id === exclude) continue;
    const addrs = await knownListenAddrs(libp2p, peer);
    for (const a of addrs.slice(0, 2)) out.push(new TextEncoder().encode(a));
    if (out.length >= MAX_EXCHANGED_PEERS) break;
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

/** Parses peer_exchange chunks into dialable multiaddrs of peers we are not yet connected to. */
export function newPeerAddresses(chunks: Uint8Array[], self: string, connected: Set<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const chunk of chunks) {
    const text = new TextDecoder().decode(chunk);
    try {
      const id = multiaddr(text)
        .getComponents()
        .find((c) => c.name === "p2p")?.value;
      if (id === undefined || id === self || connected.has(id) || seen.has(id)) continue;
      seen.add(id);
      out.push(text);
    } catch {
      // not a multiaddr: skip it
    }
  }
  return out;
}
