/**
 * What a load run sends and when, as pure functions: the open-loop schedule (transfer i is due at
 * i / rate seconds, whatever the nodes answer) and the transfers themselves (senders in turn, receivers on
 * another shard for the requested share; the random choices come from consensus' SeededRandom).
 */

/** Milliseconds after the start at which transfer `i` is due. */
export function scheduledOffsetMs(i: number, rate: number): number {
  return (i / rate) * 1000;
}

/** How many of `total` transfers are due `elapsedMs` after the start (transfer 0 is due at once). */
export function dueCount(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs / 1000) * rate) + 1);
}

export interface Party {
  /** Dev account number (dev:N). */
  n: number;
  shard: number;
}

export interface PlannedTransfer {
  /** Index into the senders. */
  sender: number;
  /** Index into the receivers. */
  receiver: number;
  cross: boolean;
}

/**
 * `total` transfers: senders take turns (so each sender's nonces are spread out in time), and each transfer
 * goes to a receiver on another shard with probability `crossShare`, else to one on the sender's shard (not
 * the sender itself). When the wanted side has no receiver the other side is used, and `cross` says which.
 */
export function planTransfers(
  total: number,
  senders: readonly Party[],
  receivers: readonly Party[],
  crossShare: number,
  random: () => number,
): PlannedTransfer[] {
  if (senders.length === 0) throw new RangeError("no senders");
  if (receivers.length === 0) throw new RangeError("no receivers");
  const indices = receivers.map((_, r) => r);
  // Per sender: receivers on its shard other than itself, and receivers on other shards.
  const pools = senders.map((from) => ({
    same: indices.filter((r) => receivers[r]!.shard === from.shard && receivers[r]!.n !== from.n),
    other: indices.filter((r) => receivers[r]!.shard !== from.shard),
  }));
  return Array.from({ length: total }, (_, i) => {
    const sender = i % senders.length;
    const { same, other } = pools[sender]!;
    const wanted = random() < crossShare ? other : same;
    const pool = wanted.length > 0 ? wanted : wanted === other ? same : other;
    if (pool.length === 0) throw new RangeError(`no receiver other than dev:${senders[sender]!.n} itself`);
    const receiver = pool[Math.floor(random() * pool.length)]!;
    return { sender, receiver, cross: receivers[receiver]!.shard !== senders[sender]!.shard };
  });
}
