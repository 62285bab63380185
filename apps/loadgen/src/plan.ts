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

/**
 * Slots a transfer's nonce stays ahead of its account's next nonce on the node that admitted it: from
 * signing until the node imports the block that includes it. Issue 17's inclusion bound (p99 ≤ 2 slots).
 */
export const PENDING_SLOTS = 2;
/**
 * Headroom over PENDING_SLOTS: inclusion lags under load and in an overload, and the senders' transfers
 * land in uneven blocks. A refused nonce_gap costs a nonce re-read and a hole in the run, so err wide.
 */
export const PENDING_MARGIN = 2;
/**
 * Fewest senders chosen by default (the fixed default before the choice depended on the rate): low rates
 * still spread over every shard and many accounts, as they did.
 */
export const MIN_DEFAULT_SENDERS = 64;

export interface SenderNeed {
  /** Transfers per second asked for. */
  rate: number;
  /** Seconds per slot of the network. */
  slotSeconds: number;
  /** How far past an account's next nonce the mempool queues a transfer (MAX_MEMPOOL_NONCE_AHEAD). */
  nonceWindow: number;
}

/**
 * Senders needed so no sender outruns its nonce window: each carries rate / senders transfers per second,
 * each pending about PENDING_SLOTS × PENDING_MARGIN slots, and may have at most `nonceWindow` pending, so
 * senders = ceil(rate × pending seconds / window).
 */
export function sendersNeeded({ rate, slotSeconds, nonceWindow }: SenderNeed): number {
  return Math.max(1, Math.ceil((rate * pendingSeconds(slotSeconds)) / nonceWindow));
}

/** The highest rate `senders` accounts carry within their nonce windows (the inverse of sendersNeeded). */
export function maxRateFor(senders: number, slotSeconds: number, nonceWindow: number): number {
  return Math.floor((senders * nonceWindow) / pendingSeconds(slotSeconds));
}

function pendingSeconds(slotSeconds: number): number {
  return PENDING_SLOTS * PENDING_MARGIN * slotSeconds;
}

export type SenderChoice = { ok: true; count: number; needed: number } | { ok: false; message: string };

/**
 * How many senders (dev:0 .. dev:count-1) a run at `rate` uses by default: what the rate needs, at least
 * MIN_DEFAULT_SENDERS, and never more than the dev accounts the genesis funds (`funded`; undefined when
 * unknown, then the balance check before sending is what stops unfunded senders). A rate that needs more
 * senders than are funded is refused with why and what to do: it would be refused transfer by transfer
 * (nonce_gap) otherwise, which measures the window, not the network.
 */
export function chooseSenderCount(need: SenderNeed, funded: number | undefined): SenderChoice {
  const needed = sendersNeeded(need);
  if (funded !== undefined && needed > funded) {
    const perSender = need.nonceWindow / pendingSeconds(need.slotSeconds);
    return {
      ok: false,
      message:
        `--rate ${need.rate} needs at least ${needed} senders, and the genesis funds ${funded} dev accounts. ` +
        `A sender may have at most ${need.nonceWindow} transfers ahead of its account's next nonce (the mempool's ` +
        `window), and a transfer stays ahead until its block is imported: about ${PENDING_SLOTS} slots of ` +
        `${need.slotSeconds} s, counted twice for headroom, so one sender carries ${perSender.toFixed(1)}/s. ` +
        `Lower --rate to ${maxRateFor(funded, need.slotSeconds, need.nonceWindow)} or less, or run a devnet ` +
        `whose genesis funds more dev accounts (npm run devnet -- --reset writes a new genesis with the ` +
        `default count; npm run genesis -- --accounts N writes one with N).`,
    };
  }
  const count = Math.max(needed, MIN_DEFAULT_SENDERS);
  return { ok: true, count: funded === undefined ? count : Math.min(count, funded), needed };
}
