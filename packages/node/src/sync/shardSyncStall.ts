/**
 * Sync rounds in a row a shard chain may end without its crosslinked block, importing nothing, before its
 * state is fetched; and those rounds must span at least STUCK_EPOCHS (a node restarted a few slots behind
 * runs its first rounds before its peers have answered: that is catching up, not being stuck).
 */
export const STUCK_ROUNDS = 2;
export const STUCK_EPOCHS = 1;

/** What one sync round of a shard chain ended with. */
export interface ShardRoundOutcome {
  /** The chain has the beacon head's crosslinked block. */
  hasCrosslinked: boolean;
  /** Blocks the round imported, from every peer. */
  imported: number;
  /** The clock's slot at the round's end. */
  slot: number;
}

/**
 * Per tracked shard: the sync rounds in a row that ended without the crosslinked block and imported
 * nothing (whichever crosslink that was: new ones keep coming while a chain is stuck), and the slot of the
 * first. A chain stuck that way cannot reach its crosslinked block by range (its ancestors were built, e.g.
 * during a partition, on beacon blocks of the side whose branch lost) and fetches the crosslinked state
 * instead. Bounded by the tracked shards.
 */
export class ShardSyncStall {
  private readonly lacking = new Map<number, { rounds: number; sinceSlot: number }>();

  record(shard: number, round: ShardRoundOutcome): void {
    if (round.hasCrosslinked || round.imported > 0) {
      this.lacking.delete(shard); // in step, or catching up: the count starts again
      return;
    }
    const lacking = this.lacking.get(shard);
    if (lacking) lacking.rounds++;
    else this.lacking.set(shard, { rounds: 1, sinceSlot: round.slot });
  }

  /** The rounds without progress of `shard`, when they make it stuck at `slot`; undefined otherwise. */
  stuck(
    shard: number,
    slot: number,
    slotsPerEpoch: number,
  ): { rounds: number; sinceSlot: number } | undefined {
    const lacking = this.lacking.get(shard);
    if (!lacking || lacking.rounds < STUCK_ROUNDS) return undefined;
    return slot - lacking.sinceSlot >= STUCK_EPOCHS * slotsPerEpoch ? { ...lacking } : undefined;
  }

  /** Forgets `shard` (its chain was re-anchored or is no longer tracked). */
  forget(shard: number): void {
    this.lacking.delete(shard);
  }
}
