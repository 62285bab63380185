/** Per-key token bucket: `ratePerSecond` tokens refill per second up to `burst`; each request takes one. */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) {
      throw new RangeError(
        `rate limit needs ratePerSecond > 0 and burst >= 1, got ${ratePerSecond}/${burst}`,
      );
    }
  }

  /** Takes one token for `key`; false if the bucket is empty (the request must be refused). */
  tryTake(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedMs: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.updatedMs) / 1000) * this.ratePerSecond,
    );
    bucket.updatedMs = now;
    const ok = bucket.tokens >= 1;
    if (ok) bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.prune(now);
    return ok;
  }

  /** Forgets the bucket of a key (e.g. a disconnected peer). */
  forget(key: string): void {
    this.buckets.delete(key);
  }

  private prune(now: number): void {
    const fullAfterMs = (this.burst / this.ratePerSecond) * 1000;
    for (const [key, b] of this.buckets) if (now - b.updatedMs > fullAfterMs) this.buckets.delete(key);
  }
}
