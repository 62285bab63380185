/**
 * Acknowledge only what is on disk (DESIGN.md §9.5): a chain holds the queue for each block's write
 * batch as soon as the block is accepted in memory, and releases its events and API-visible heads
 * through the queue. A release runs once every write held before it has completed, in call order. A
 * release that belongs to a write that failed is dropped: nothing of a block that is not on disk is ever
 * acknowledged.
 */
export class AckQueue {
  private tail: Promise<void> = Promise.resolve();
  private holds = 0;
  private readonly failedHolds = new Set<number>();

  constructor(private readonly onError: (err: Error, what: "write" | "listener") => void) {}

  /**
   * Holds the queue for a write not issued yet: releases after this call (until the next hold) wait for
   * it, and every write held before it. Call the returned function with the write once it is issued.
   */
  hold(): (write: Promise<void>) => void {
    const written = deferred();
    const hold = ++this.holds;
    this.tail = this.tail
      .then(() => written.promise)
      .catch((err: unknown) => {
        // Bounded: only the holds whose releases are still queued matter; older ones are cleared below.
        this.failedHolds.add(hold);
        this.onError(err as Error, "write");
      });
    return (write) => {
      write.then(written.resolve, written.reject);
    };
  }

  /** Runs `ack` once every write held so far is on disk; never if the last one held before it failed. */
  release(ack: () => void): void {
    const hold = this.holds;
    this.tail = this.tail.then(() => {
      if (this.failedHolds.has(hold)) return;
      if (this.failedHolds.size > 0)
        for (const h of this.failedHolds) if (h < hold) this.failedHolds.delete(h);
      try {
        ack();
      } catch (err) {
        this.onError(err as Error, "listener");
      }
    });
  }

  /** Resolves once everything queued so far has run (tests, shutdown). */
  settled(): Promise<void> {
    return this.tail;
  }
}

/** A promise with its resolve and reject: a write's place in the queue, held before the write is issued. */
export function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
