/**
 * Client side of `GET /v1/events` (server-sent events, see events.ts): the parser every reader of the
 * stream uses (load generator, benchmarks, end-to-end tests), and a follower that reconnects.
 */

export interface StreamEvent {
  /** The `event:` field ("message" when absent). */
  event: string;
  /** The `data:` lines joined by newlines (the node sends one line of JSON). */
  data: string;
}

/** The events of a text/event-stream body, in order; comments and events without data are skipped. */
export async function* readEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) yield { event, data: data.join("\n") };
    }
  }
}

/**
 * Follows `url` (an event stream) until `signal` aborts, reconnecting half a second after an error or the end
 * of the stream, and hands every event to `onEvent`.
 */
export async function followEventStream(
  url: string,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch(url, { signal });
      if (!res.body) throw new Error(`GET ${url} → ${res.status} without a body`);
      for await (const event of readEventStream(res.body as unknown as AsyncIterable<Uint8Array>))
        onEvent(event);
    } catch {
      // reconnect below
    }
    if (!signal.aborted) await new Promise((res) => setTimeout(res, 500));
  }
}
