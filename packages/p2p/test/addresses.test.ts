import { createServer } from "node:net";
import { multiaddr } from "@multiformats/multiaddr";
import { afterEach, describe, expect, it } from "vitest";
import { addressesForRequester, advertisedAddresses } from "../src/addresses.js";
import { newPeerAddresses } from "../src/discovery.js";
import { P2pConfigError, parseAnnounceAddresses } from "../src/index.js";
import { bytes, NodeSet, waitFor } from "./helpers.js";

const ma = (s: string) => multiaddr(s);
const strings = (list: readonly { toString(): string }[]) => list.map((m) => m.toString());

describe("address selection and announcement (what a peer learns)", () => {
  it("a node on 0.0.0.0 advertises its interface addresses without loopback; on loopback, loopback; announce replaces both", () => {
    const bound = [ma("/ip4/127.0.0.1/tcp/9101"), ma("/ip4/172.19.0.3/tcp/9101")];
    expect(strings(advertisedAddresses([ma("/ip4/0.0.0.0/tcp/9101")], bound))).toEqual([
      "/ip4/172.19.0.3/tcp/9101",
    ]);
    expect(
      strings(advertisedAddresses([ma("/ip4/127.0.0.1/tcp/9101")], [ma("/ip4/127.0.0.1/tcp/9101")])),
    ).toEqual(["/ip4/127.0.0.1/tcp/9101"]);
    expect(
      strings(advertisedAddresses([ma("/ip4/0.0.0.0/tcp/9101")], bound, [ma("/dns4/node-1/tcp/9101")])),
    ).toEqual(["/dns4/node-1/tcp/9101"]);
    // ::1 is loopback too.
    expect(
      strings(advertisedAddresses([ma("/ip6/::/tcp/1")], [ma("/ip6/::1/tcp/1"), ma("/ip6/fd00::5/tcp/1")])),
    ).toEqual(["/ip6/fd00::5/tcp/1"]);
  });

  it("peer_exchange never gives a loopback address to a peer on another host, and gives it to one on this host", () => {
    const known = ["/ip4/127.0.0.1/tcp/9102/p2p/QmA", "/ip4/172.19.0.6/tcp/9102/p2p/QmA"];
    expect(addressesForRequester(known, ma("/ip4/172.19.0.5/tcp/40000"))).toEqual([
      "/ip4/172.19.0.6/tcp/9102/p2p/QmA",
    ]);
    expect(addressesForRequester(known, undefined)).toEqual(["/ip4/172.19.0.6/tcp/9102/p2p/QmA"]);
    expect(addressesForRequester(known, ma("/ip4/127.0.0.1/tcp/40000"))).toEqual(known);
  });

  it("discovery keeps every address of a peer (in order), not just the first", () => {
    const id = "12D3KooWRB45F2VaKQxkntKhSu6RyYtnfQowc89THRy4Vo9ehsvE";
    const chunks = [
      `/ip4/127.0.0.1/tcp/9100/p2p/${id}`,
      `/ip4/172.19.0.2/tcp/9100/p2p/${id}`,
      "not a multiaddr",
    ].map(bytes);
    expect(newPeerAddresses(chunks, "self", new Set())).toEqual([
      {
        peerId: id,
        addresses: [`/ip4/127.0.0.1/tcp/9100/p2p/${id}`, `/ip4/172.19.0.2/tcp/9100/p2p/${id}`],
      },
    ]);
    expect(newPeerAddresses(chunks, "self", new Set([id]))).toEqual([]);
  });

  it("refuses announce addresses no peer can dial, naming them", () => {
    expect(() => parseAnnounceAddresses(["/ip4/0.0.0.0/tcp/9100"])).toThrow(/0\.0\.0\.0/);
    expect(() => parseAnnounceAddresses(["/ip4/10.0.0.1"])).toThrow(/must be dialable/);
    expect(() => parseAnnounceAddresses(["10.0.0.1:9100"])).toThrow(P2pConfigError);
    expect(strings(parseAnnounceAddresses(["/dns4/beacon/tcp/9100"]))).toEqual(["/dns4/beacon/tcp/9100"]);
  });
});

describe("announce addresses on real libp2p nodes (127.0.0.1)", () => {
  const nodes = new NodeSet();
  afterEach(() => nodes.stopAll());

  it("a peer learns the announced addresses only, and discovery reaches a peer whose first address fails", async () => {
    const port = await freePort();
    // A announces a dead address first, then its real one.
    const a = await nodes.start({
      listen: [`/ip4/127.0.0.1/tcp/${port}`],
      announce: ["/ip4/127.0.0.1/tcp/1", `/ip4/127.0.0.1/tcp/${port}`],
      targetPeers: 0,
    });
    expect(a.listenMultiaddrs()).toEqual([
      `/ip4/127.0.0.1/tcp/1/p2p/${a.peerId}`,
      `/ip4/127.0.0.1/tcp/${port}/p2p/${a.peerId}`,
    ]);
    const b = await nodes.start({
      bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${a.peerId}`],
      targetPeers: 0,
    });
    await waitFor(() => b.connectedPeers().includes(a.peerId), "B connected to A");
    await waitFor(async () => {
      const info = await b.libp2p.peerStore.get(a.libp2p.peerId);
      return info.addresses.some((x) => x.multiaddr.toString() === "/ip4/127.0.0.1/tcp/1");
    }, "B learned A's announced addresses through identify");
    // C knows only B; B's peer_exchange gives it both of A's addresses, and the dial tries the second.
    const c = await nodes.start({ bootstrap: b.listenMultiaddrs(), targetPeers: 8 });
    await waitFor(() => c.connectedPeers().includes(a.peerId), "C discovered and connected to A", 15_000);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
  const address = server.address();
  await new Promise<void>((res) => server.close(() => res()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
