import { describe, expect, it } from "vitest";
import { readEventStream } from "../src/api/eventStream.js";

async function* chunks(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe("readEventStream", () => {
  it("yields each event once, whatever the chunk boundaries, skipping comments and events without data", async () => {
    const text =
      ': keep-alive\n\nevent: shard_head\ndata: {"root":"0xaa"}\n\n' +
      'data: plain\n\nevent: transaction\ndata: {"a":\ndata: 1}\n\nevent: empty\n\n';
    for (const size of [1, 3, 7, text.length]) {
      const events = [];
      for await (const e of readEventStream(chunks(text, size))) events.push(e);
      expect(events).toEqual([
        { event: "shard_head", data: '{"root":"0xaa"}' },
        { event: "message", data: "plain" },
        { event: "transaction", data: '{"a":\n1}' },
      ]);
    }
  });
});
