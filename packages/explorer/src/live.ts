/** The node's server-sent events (`/v1/events`), one EventSource per page, closed when the page changes. */

export type Topic = "head" | "shard_head" | "crosslink" | "finalized" | "transaction";

export function subscribe(
  topics: Topic[],
  onEvent: (topic: Topic, data: unknown) => void,
  txHash?: string,
): () => void {
  const query = new URLSearchParams({ topics: topics.join(",") });
  if (txHash) query.set("tx", txHash);
  const source = new EventSource(`/v1/events?${query}`);
  for (const topic of topics) {
    source.addEventListener(topic, (e) => {
      try {
        onEvent(topic, JSON.parse((e as MessageEvent<string>).data));
      } catch {
        // a malformed event is skipped
      }
    });
  }
  return () => source.close();
}

/**
 * Runs `task` when asked, never two at once and at most once per `minGapMs`: a request that arrives while one
 * runs is folded into one more run afterwards.
 */
export function throttled(task: () => Promise<void>, minGapMs: number): () => void {
  let running = false;
  let again = false;
  let last = 0;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    const wait = last + minGapMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    try {
      await task();
    } finally {
      last = Date.now();
      running = false;
      if (again) {
        again = false;
        void run();
      }
    }
  };
  return () => void run();
}
