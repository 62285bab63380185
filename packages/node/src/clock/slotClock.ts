/**
 * Wall-clock view of the chain's time (DESIGN.md §2): slot = floor((now - genesis_time) / SECONDS_PER_SLOT).
 * The consensus package never reads a clock; this is the one place the node does.
 */
export type SlotPhase = "propose" | "attest" | "aggregate";

export interface SlotTick {
  slot: number;
  phase: SlotPhase;
}

const PHASES: readonly SlotPhase[] = ["propose", "attest", "aggregate"];

export class SlotClock {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    readonly genesisTimeSec: number,
    readonly secondsPerSlot: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(secondsPerSlot > 0)) throw new Error(`secondsPerSlot must be > 0, got ${secondsPerSlot}`);
  }

  /** Current slot; negative before genesis. */
  currentSlot(): number {
    return Math.floor((this.now() / 1000 - this.genesisTimeSec) / this.secondsPerSlot);
  }

  /** Unix milliseconds at which `slot` starts. */
  slotStartMs(slot: number): number {
    return (this.genesisTimeSec + slot * this.secondsPerSlot) * 1000;
  }

  /** Seconds elapsed since the start of the current slot. */
  secondsIntoSlot(): number {
    const slot = this.currentSlot();
    return (this.now() - this.slotStartMs(slot)) / 1000;
  }

  /**
   * Calls `onTick` at the start of every slot third (propose at 0, attest at 1/3, aggregate at 2/3),
   * starting with the next boundary. Ticks never overlap: a slow handler delays later ones, which then
   * run at once in order; only when a whole slot was lost are the missed thirds skipped.
   */
  start(onTick: (tick: SlotTick) => Promise<void> | void, onError: (err: unknown) => void = () => {}): void {
    this.stopped = false;
    const thirdMs = (this.secondsPerSlot * 1000) / 3;
    let lastIndex: number | undefined;
    const schedule = (): void => {
      if (this.stopped) return;
      const sinceGenesisMs = this.now() - this.genesisTimeSec * 1000;
      const currentIndex = Math.floor(sinceGenesisMs / thirdMs);
      let nextIndex = lastIndex === undefined ? currentIndex + 1 : lastIndex + 1;
      if (nextIndex < currentIndex - 2) nextIndex = currentIndex;
      const delay = Math.max(0, nextIndex * thirdMs - sinceGenesisMs);
      this.timer = setTimeout(async () => {
        lastIndex = nextIndex;
        const slot = Math.floor(nextIndex / 3);
        const phase = PHASES[((nextIndex % 3) + 3) % 3]!;
        try {
          if (slot >= 0) await onTick({ slot, phase });
        } catch (err) {
          onError(err);
        } finally {
          schedule();
        }
      }, delay);
    };
    schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
