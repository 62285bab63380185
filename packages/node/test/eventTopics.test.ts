import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { followEventStream, type StreamEvent } from "../src/api/eventStream.js";
import { EventHub } from "../src/api/events.js";

describe("GET /v1/events topics", () => {
  const app = Fastify();
  const abort = new AbortController();
  afterEach(async () => {
    abort.abort();
    await app.close();
  });

  it("streams justified checkpoints to a subscriber of `justified`, and only to it", async () => {
    const hub = new EventHub();
    hub.register(app, () => {});
    const base = await app.listen({ host: "127.0.0.1", port: 0 });
    const probe = new AbortController();
    const res = await fetch(`${base}/v1/events?topics=justified`, { signal: probe.signal });
    expect(res.status).toBe(200);
    probe.abort();
    const justified: StreamEvent[] = [];
    const finalized: StreamEvent[] = [];
    void followEventStream(`${base}/v1/events?topics=justified`, (e) => justified.push(e), abort.signal);
    void followEventStream(`${base}/v1/events?topics=finalized`, (e) => finalized.push(e), abort.signal);
    while (hub.size < 2) await new Promise((r) => setTimeout(r, 10));
    hub.publish("justified", { epoch: 3, root: "0xab" });
    hub.publish("finalized", { epoch: 2, root: "0xcd" });
    while (justified.length < 1 || finalized.length < 1) await new Promise((r) => setTimeout(r, 10));
    expect(justified).toEqual([{ event: "justified", data: '{"epoch":3,"root":"0xab"}' }]);
    expect(finalized).toEqual([{ event: "finalized", data: '{"epoch":2,"root":"0xcd"}' }]);
  });
});
