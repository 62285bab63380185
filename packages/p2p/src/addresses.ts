import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";

/**
 * Which of a node's addresses a peer may learn (identify, peer_exchange): only addresses it can dial.
 * A loopback address names the sender's own host, so it is never given to a peer on another host.
 */

function ipOf(ma: Multiaddr): { family: "ip4" | "ip6"; value: string } | undefined {
  for (const c of ma.getComponents()) {
    if ((c.name === "ip4" || c.name === "ip6") && c.value !== undefined)
      return { family: c.name, value: c.value };
  }
  return undefined;
}

/** 127.0.0.0/8 or ::1. */
export function isLoopbackAddress(ma: Multiaddr): boolean {
  const ip = ipOf(ma);
  if (!ip) return false;
  return ip.family === "ip4" ? ip.value.startsWith("127.") : ip.value === "::1";
}

/** 0.0.0.0 or :: (listen on every interface). */
export function isUnspecifiedAddress(ma: Multiaddr): boolean {
  const ip = ipOf(ma);
  return ip !== undefined && (ip.value === "0.0.0.0" || ip.value === "::");
}

/**
 * The addresses this node advertises, from those its transports listen on (`bound`, with 0.0.0.0 expanded
 * to each interface): `announce` when the operator gave it (--p2p-announce), else the bound addresses,
 * without loopback ones when it listens on every interface (the node is meant to be reached from other
 * hosts; 127.0.0.1 would make them dial themselves). A node that listens on loopback only advertises it:
 * only peers on its own host can reach it anyway.
 */
export function advertisedAddresses(
  listen: readonly Multiaddr[],
  bound: readonly Multiaddr[],
  announce: readonly Multiaddr[] = [],
): Multiaddr[] {
  if (announce.length > 0) return [...announce];
  if (!listen.some(isUnspecifiedAddress)) return [...bound];
  return bound.filter((ma) => !isLoopbackAddress(ma));
}

/**
 * Of a peer's `addresses` (multiaddr strings), those another peer may be given: loopback ones only when that
 * peer (`requester`, the remote address of its connection) is on this host too.
 */
export function addressesForRequester(
  addresses: readonly string[],
  requester: Multiaddr | undefined,
): string[] {
  const sameHost = requester !== undefined && isLoopbackAddress(requester);
  return addresses.filter((text) => {
    try {
      return sameHost || !isLoopbackAddress(multiaddr(text));
    } catch {
      return false;
    }
  });
}
