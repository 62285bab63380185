/**
 * Per-peer redial backoff: a peer whose dials fail is tried again after 2^failures × base, at most `maxMs`;
 * a connection resets it. Bounded: at most `capacity` peers are tracked (the oldest is forgotten).
 */
export class DialBackoff {
  private readonly peers = new Map<string, { failures: number; nextAtMs: number }>();

  constructor(
    private readonly baseMs = 2000,
    private readonly maxMs = 60_000,
    private readonly capacity = 1024,
  ) {}

  /** True when `peerId` may be dialled at `nowMs`. */
  due(peerId: string, nowMs: number): boolean {
    const entry = this.peers.get(peerId);
    return entry === undefined || nowMs >= entry.nextAtMs;
  }

  /** Records a failed dial; returns the failure count so far (callers log the 1st, 2nd, 4th, 8th, …). */
  failed(peerId: string, nowMs: number): number {
    const failures = (this.peers.get(peerId)?.failures ?? 0) + 1;
    this.peers.delete(peerId);
    if (this.peers.size >= this.capacity) this.peers.delete(this.peers.keys().next().value!);
    this.peers.set(peerId, {
      failures,
      nextAtMs: nowMs + Math.min(this.maxMs, this.baseMs * 2 ** Math.min(failures - 1, 16)),
    });
    return failures;
  }

  /** A connection to `peerId`: it may be dialled at once again later. */
  connected(peerId: string): void {
    this.peers.delete(peerId);
  }

  get size(): number {
    return this.peers.size;
  }
}
