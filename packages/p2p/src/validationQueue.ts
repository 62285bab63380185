/**
 * Bounds the work of one topic kind's validator: at most `maxConcurrency` validations run at once and at most
 * `maxQueueLength` wait; beyond that new messages are refused (the caller ignores them, as Lodestar's per-topic
 * gossip queues do), so a flood cannot pile up unbounded promises and memory.
 */
export class ValidationQueue {
  private running = 0;
  private readonly waiting: Array<() => Promise<void>> = [];

  constructor(
    private readonly maxConcurrency: number,
    private readonly maxQueueLength: number,
  ) {}

  /** Runs or queues `job`; returns false (and does nothing) if the queue is full. */
  tryEnqueue(job: () => Promise<void>): boolean {
    if (this.running < this.maxConcurrency) {
      this.run(job);
      return true;
    }
    if (this.waiting.length >= this.maxQueueLength) return false;
    this.waiting.push(job);
    return true;
  }

  get length(): number {
    return this.waiting.length;
  }

  private run(job: () => Promise<void>): void {
    this.running++;
    void job()
      .catch(() => {})
      .finally(() => {
        this.running--;
        const next = this.waiting.shift();
        if (next !== undefined) this.run(next);
      });
  }
}
