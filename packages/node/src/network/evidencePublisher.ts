import type { ValueOf } from "@chainsafe/ssz";
import type { P2pNode } from "@shardnet/p2p";
import type { Logger } from "pino";
import { SlashingMessage } from "../chain/pools.js";

/** Evidence waiting for a subscribed peer is kept this many slots, then dropped (it stays in the pool). */
export const EVIDENCE_RETRY_SLOTS = 64;
/** At most this many messages wait; the oldest goes first. */
export const MAX_WAITING_EVIDENCE = 128;

type Slashings = ValueOf<typeof SlashingMessage>;

/**
 * Gossips slashing evidence this node detected, on the `slashing` topic, until some peer received it.
 * Evidence is detected once (a double proposal when the second block arrives, often by range sync on a node
 * that has just rejoined, before its peers' subscriptions are known): a publish that reached no peer is
 * retried every slot, so the evidence is not left in this node's pool alone.
 */
export class EvidencePublisher {
  private waiting: Array<{ bytes: Uint8Array; sinceSlot: number }> = [];

  constructor(
    private readonly p2p: Pick<P2pNode, "publish">,
    private readonly log: Logger,
  ) {}

  /** Publishes one piece of evidence now, or keeps it for `retry` when no peer is subscribed. */
  async publish(evidence: Partial<Slashings>, slot: number): Promise<void> {
    const bytes = SlashingMessage.serialize({ proposerSlashings: [], attesterSlashings: [], ...evidence });
    if ((await this.send(bytes)) > 0) return;
    if (this.waiting.length >= MAX_WAITING_EVIDENCE) this.waiting.shift();
    this.waiting.push({ bytes, sinceSlot: slot });
    this.log.info(
      { slot, waiting: this.waiting.length },
      "slashing evidence reached no peer: retrying every slot",
    );
  }

  /** Publishes what waits; drops what was sent or waited EVIDENCE_RETRY_SLOTS. */
  async retry(slot: number): Promise<void> {
    if (this.waiting.length === 0) return;
    const still: typeof this.waiting = [];
    for (const entry of this.waiting) {
      if (slot - entry.sinceSlot > EVIDENCE_RETRY_SLOTS) continue;
      const recipients = await this.send(entry.bytes);
      if (recipients > 0) this.log.info({ slot, recipients }, "slashing evidence published after a retry");
      else still.push(entry);
    }
    this.waiting = still;
  }

  /** Messages waiting for a peer (shardnet_cache_entries). */
  get size(): number {
    return this.waiting.length;
  }

  private send(bytes: Uint8Array): Promise<number> {
    return this.p2p.publish({ kind: "slashing" }, bytes, { retryable: true }).catch((err: Error) => {
      this.log.debug({ err: err.message }, "slashing evidence publish failed");
      return 0;
    });
  }
}
