import { afterEach, describe, expect, it } from "vitest";
import { metricValue, type P2pNode, ReqRespError } from "../src/index.js";
import { bytes, NodeSet, sleep, text, waitFor } from "./helpers.js";

const nodes = new NodeSet();
afterEach(() => nodes.stopAll());

async function pair(): Promise<{ client: P2pNode; server: P2pNode }> {
  const server = await nodes.start({ targetPeers: 0 });
  const client = await nodes.start({ targetPeers: 0, bootstrap: server.listenMultiaddrs() });
  await waitFor(() => client.connectedPeers().includes(server.peerId), "client connected to server");
  return { client, server };
}

async function requestError(p: Promise<unknown>): Promise<ReqRespError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ReqRespError);
    return err as ReqRespError;
  }
  throw new Error("request unexpectedly succeeded");
}

describe("req/resp", () => {
  it("round-trips a multi-chunk response streamed by an async generator", async () => {
    const { client, server } = await pair();
    let servedTo = "";
    await server.handleRequests("beacon_blocks_by_range", async function* (req, peerId) {
      servedTo = peerId;
      const count = Number(text(req));
      for (let i = 0; i < count; i++) yield bytes(`block-${i}`);
    });
    const chunks = await client.request(server.peerId, "beacon_blocks_by_range", bytes("5"), {
      timeoutMs: 5000,
    });
    expect(chunks.map(text)).toEqual(["block-0", "block-1", "block-2", "block-3", "block-4"]);
    expect(servedTo).toBe(client.peerId);
    // A large chunk crosses many TCP/yamux frames and still arrives whole.
    await server.handleRequests("shard_state_snapshot", async () => [
      new Uint8Array(300_000).fill(7),
      bytes("end"),
    ]);
    const big = await client.request(server.peerId, "shard_state_snapshot", new Uint8Array(0));
    expect(big.map((c) => c.length)).toEqual([300_000, 3]);
    expect(big[0]!.every((b) => b === 7)).toBe(true);
    // An empty response is a valid answer.
    await server.handleRequests("receipts_by_range", async () => []);
    expect(await client.request(server.peerId, "receipts_by_range", bytes("x"))).toEqual([]);
    expect(
      await metricValue(server.metrics.reqrespRequests, {
        protocol: "beacon_blocks_by_range",
        direction: "inbound",
      }),
    ).toBe(1);
    expect(
      await metricValue(client.metrics.reqrespRequests, {
        protocol: "beacon_blocks_by_range",
        direction: "outbound",
      }),
    ).toBe(1);
  });

  it("answers a request over the limits with a typed error response", async () => {
    const { client, server } = await pair();
    await server.handleRequests("status", async () => [bytes("ok")], { maxRequestBytes: 8 });
    const err = await requestError(client.request(server.peerId, "status", new Uint8Array(9)));
    expect(err.code).toBe("INVALID_REQUEST");
    expect(err.message).toMatch(/exceeds limit of 8 bytes/);
    expect(
      await metricValue(server.metrics.reqrespErrors, { protocol: "status", code: "INVALID_REQUEST" }),
    ).toBe(1);
    // The same connection still serves valid requests.
    expect((await client.request(server.peerId, "status", new Uint8Array(8))).map(text)).toEqual(["ok"]);

    await server.handleRequests("shard_blocks_by_range", async () => [bytes("a"), bytes("b"), bytes("c")], {
      maxResponseChunks: 2,
    });
    const tooMany = await requestError(client.request(server.peerId, "shard_blocks_by_range", bytes("q")));
    expect(tooMany.code).toBe("SERVER_ERROR");
    expect(tooMany.message).toMatch(/exceeds 2 chunks/);
    // The requester enforces its own limit too.
    await server.handleRequests("receipts_by_range", async () => [bytes("a"), bytes("b"), bytes("c")]);
    const clientLimit = await requestError(
      client.request(server.peerId, "receipts_by_range", bytes("q"), { maxResponseChunks: 2 }),
    );
    expect(clientLimit.code).toBe("TOO_MANY_CHUNKS");
  });

  it("times out a slow handler cleanly on both sides", async () => {
    const { client, server } = await pair();
    let handlerAborted = false;
    await server.handleRequests(
      "shard_state_snapshot",
      async function* (_req, _peer, signal) {
        yield bytes("first");
        await new Promise<void>((resolve) => {
          signal.addEventListener("abort", () => {
            handlerAborted = true;
            resolve();
          });
        });
        await sleep(60_000); // never finishes on its own
      },
      { timeoutMs: 300 },
    );
    // The server's 300 ms limit ends it, not the client's 5 s: the client would report TIMEOUT instead.
    const serverTimeout = await requestError(
      client.request(server.peerId, "shard_state_snapshot", bytes("s"), { timeoutMs: 5000 }),
    );
    expect(serverTimeout.code).toBe("SERVER_ERROR");
    expect(serverTimeout.message).toMatch(/timed out/);
    await waitFor(() => handlerAborted, "handler abort signal");

    // Requester-side timeout: the server allows 10 s, the client only 300 ms.
    await server.handleRequests("status", async () => {
      await sleep(2000);
      return [bytes("late")];
    });
    const clientTimeout = await requestError(
      client.request(server.peerId, "status", bytes("s"), { timeoutMs: 300 }),
    );
    expect(clientTimeout.code).toBe("TIMEOUT");
    expect(await metricValue(client.metrics.reqrespErrors, { protocol: "status", code: "TIMEOUT" })).toBe(1);
  });

  it("rate-limits a peer with a RESOURCE_UNAVAILABLE error", async () => {
    const { client, server } = await pair();
    await server.handleRequests("status", async () => [bytes("ok")], { requestsPerSecond: 1, burst: 3 });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => client.request(server.peerId, "status", bytes("s"))),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    const limited = results.filter(
      (r) => r.status === "rejected" && (r.reason as ReqRespError).code === "RESOURCE_UNAVAILABLE",
    );
    expect(ok).toHaveLength(3);
    expect(limited).toHaveLength(2);
    expect(((limited[0] as PromiseRejectedResult).reason as ReqRespError).message).toMatch(/rate limited/);
  });

  it("reports an unsupported protocol and an unknown peer as typed errors", async () => {
    const { client, server } = await pair();
    const unknownProtocol = await requestError(
      client.request(server.peerId, "receipts_by_range", bytes("q")),
    );
    expect(unknownProtocol.code).toBe("UNKNOWN_PROTOCOL");
    const badPeer = await requestError(client.request("not-a-peer", "status", bytes("q")));
    expect(badPeer.code).toBe("STREAM_ERROR");
  });
});
