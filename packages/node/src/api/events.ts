import type { FastifyInstance } from "fastify";
import { badRequest } from "./errors.js";

export const EVENT_TOPICS = [
  "head",
  "shard_head",
  "crosslink",
  "justified",
  "finalized",
  "transaction",
] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

interface Subscriber {
  topics: Set<EventTopic>;
  /** For `transaction` events: only these hashes (empty = all). */
  txHashes: Set<string>;
  send(topic: EventTopic, data: unknown): void;
}

/** Fan-out of node events to server-sent-event subscribers. */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();

  publish(topic: EventTopic, data: unknown, txHash?: string): void {
    for (const s of this.subscribers) {
      if (!s.topics.has(topic)) continue;
      if (topic === "transaction" && s.txHashes.size > 0 && (!txHash || !s.txHashes.has(txHash))) continue;
      s.send(topic, data);
    }
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** `GET /v1/events?topics=head,transaction&tx=0x…` as text/event-stream. */
  register(app: FastifyInstance, onWatch: (hash: string) => void): void {
    app.get<{ Querystring: { topics?: string; tx?: string } }>(
      "/v1/events",
      {
        schema: {
          querystring: {
            type: "object",
            additionalProperties: false,
            properties: {
              topics: { type: "string", maxLength: 200 },
              tx: { type: "string", maxLength: 2000 },
            },
          },
        },
      },
      async (req, reply) => {
        const requested = (req.query.topics ?? EVENT_TOPICS.join(","))
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean);
        for (const t of requested) {
          if (!(EVENT_TOPICS as readonly string[]).includes(t)) {
            throw badRequest("UNKNOWN_TOPIC", `unknown event topic "${t}": use ${EVENT_TOPICS.join(", ")}`);
          }
        }
        const txHashes = new Set<string>();
        for (const h of (req.query.tx ?? "")
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)) {
          if (!/^(0x)?[0-9a-fA-F]{64}$/.test(h))
            throw badRequest("INVALID_HASH", `tx "${h}" is not a 32-byte hex hash`);
          const hash = h.replace(/^0x/, "").toLowerCase();
          txHashes.add(hash);
          onWatch(hash);
        }
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          connection: "keep-alive",
        });
        res.write(": connected\n\n");
        const subscriber: Subscriber = {
          topics: new Set(requested as EventTopic[]),
          txHashes,
          send: (topic, data) => {
            res.write(`event: ${topic}\ndata: ${JSON.stringify(data)}\n\n`);
          },
        };
        this.subscribers.add(subscriber);
        const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
        req.raw.on("close", () => {
          clearInterval(keepAlive);
          this.subscribers.delete(subscriber);
        });
      },
    );
  }
}
