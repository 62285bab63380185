import type { CachedBeaconState } from "@shardnet/consensus";
import type { Logger } from "pino";
import type { SlashingProtection } from "./slashingProtection.js";

/** Completed epochs without a sign of the validator on chain before a guarded key may sign here. */
export const DOPPELGANGER_EPOCHS = 2;

/**
 * A node hosting keystores signs nothing for a validator its slashing-protection database does not cover while
 * the chain shows that validator signing (issue 18; Lighthouse's doppelganger protection, judged from the
 * chain's participation flags). Such a key is signing elsewhere, or was moved without its slashing-protection
 * history: signing here could double-vote. Every key is held back until the node follows the head and `check`
 * has looked; a key found signing elsewhere stays guarded until DOPPELGANGER_EPOCHS completed epochs pass with
 * no participation of it. Importing its EIP-3076 history before the start covers it at once.
 */
export class DoppelgangerGuard {
  /** Guarded validator → the first epoch whose completion counts towards its release. */
  private readonly guarded = new Map<number, number>();
  /** Validators not checked yet: held back until `check` runs on a head the node follows. */
  private unchecked: number[];

  /** `indices`: the validators to check (keystore keys). */
  constructor(
    indices: readonly number[],
    private readonly log: Logger,
  ) {
    this.unchecked = [...indices];
  }

  /** True until `check` has run. */
  get pending(): boolean {
    return this.unchecked.length > 0;
  }

  /**
   * Once the node follows the head: frees the validators `head` does not show participating (this epoch or the
   * last) or that `protection` has a history of, and guards the others.
   */
  async check(head: CachedBeaconState, protection: SlashingProtection): Promise<void> {
    const epoch = head.epochCtx.epoch;
    const indices = this.unchecked;
    this.unchecked = [];
    for (const index of indices) {
      if (!participated(head, index)) continue;
      if (await protection.hasHistory(index)) continue;
      this.guarded.set(index, epoch);
      this.log.warn(
        { validator: index, epoch, waitEpochs: DOPPELGANGER_EPOCHS },
        "validator is signing elsewhere and this node's slashing protection has no history of it: not signing for it until it has been silent on chain, or stop this node, import its slashing-protection interchange and restart",
      );
    }
  }

  /**
   * At an epoch's start, with `state` the head state of that epoch: a guarded validator whose votes of the epoch
   * just completed are on chain restarts its wait; one silent for DOPPELGANGER_EPOCHS completed epochs is freed.
   */
  onEpoch(state: CachedBeaconState): void {
    const epoch = state.epochCtx.epoch;
    for (const [index, from] of this.guarded) {
      if ((state.state.previousEpochParticipation.get(index) ?? 0) !== 0) {
        this.guarded.set(index, epoch);
        this.log.warn(
          { validator: index, epoch },
          "guarded validator still signing elsewhere: not signing for it",
        );
      } else if (epoch - from >= DOPPELGANGER_EPOCHS) {
        this.guarded.delete(index);
        this.log.info(
          { validator: index, epoch },
          "guarded validator silent on chain: signing for it from now on",
        );
      }
    }
  }

  allows(index: number): boolean {
    return !this.guarded.has(index) && !this.unchecked.includes(index);
  }

  /** Validators held back (guarded, or not checked yet). */
  get size(): number {
    return this.guarded.size + this.unchecked.length;
  }
}

function participated(head: CachedBeaconState, index: number): boolean {
  const { state } = head;
  if (index >= state.validators.length) return false;
  return (
    (state.previousEpochParticipation.get(index) ?? 0) !== 0 ||
    (state.currentEpochParticipation.get(index) ?? 0) !== 0
  );
}
