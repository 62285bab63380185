import {
  type CachedBeaconState,
  FAR_FUTURE_EPOCH,
  MAX_VOLUNTARY_EXITS,
  type SignedVoluntaryExitValue,
  verifyVoluntaryExitSignature,
  voluntaryExitProblem,
} from "@shardnet/consensus";

/** Why an exit was not pooled. `invalid` (bad signature, unknown validator) is the sender's fault; the rest is not. */
export interface ExitRefusal {
  kind: "known" | "stale" | "early" | "invalid" | "full";
  reason: string;
}

/** Exits held at most; one per validator, so a pool this size covers a registry far larger than a testnet's. */
export const MAX_POOLED_EXITS = 4096;

/**
 * Signed voluntary exits waiting for a beacon proposer (Lodestar's op pool, one class per operation): at most one
 * per validator, checked with block processing's rules and signature before they are held, dropped once the head
 * state schedules the validator's exit.
 */
export class VoluntaryExitPool {
  private readonly byValidator = new Map<number, SignedVoluntaryExitValue>();

  constructor(private readonly maxSize = MAX_POOLED_EXITS) {}

  get size(): number {
    return this.byValidator.size;
  }

  /** Checks `signed` against `head` (the head state advanced to the current slot) and pools it; why not, or null. */
  add(head: CachedBeaconState, signed: SignedVoluntaryExitValue): ExitRefusal | null {
    const index = signed.message.validatorIndex;
    if (this.byValidator.has(index)) {
      if (head.state.validators.getReadonly(index).exitEpoch === FAR_FUTURE_EPOCH)
        return { kind: "known", reason: "an exit of this validator is already pooled" };
      this.byValidator.delete(index); // included: the checks below say so
    }
    const problem = voluntaryExitProblem(head, signed);
    if (problem?.kind === "unknown") return { kind: "invalid", reason: problem.message };
    // The signature first: a forged exit is the sender's fault even when the exit would be early or stale.
    if (!verifyVoluntaryExitSignature(head, signed))
      return { kind: "invalid", reason: "the signature does not verify for this validator" };
    if (problem) return { kind: problem.kind, reason: problem.message };
    if (this.byValidator.size >= this.maxSize)
      return {
        kind: "full",
        reason: `the exit pool holds ${this.maxSize} exits; try again after the next blocks`,
      };
    this.byValidator.set(index, signed);
    return null;
  }

  /** Pooled exits a block on `pre` can carry (valid there), at most MAX_VOLUNTARY_EXITS; drops the ones done. */
  forBlock(pre: CachedBeaconState): SignedVoluntaryExitValue[] {
    const out: SignedVoluntaryExitValue[] = [];
    for (const [index, signed] of this.byValidator) {
      if (pre.state.validators.getReadonly(index).exitEpoch !== FAR_FUTURE_EPOCH) {
        this.byValidator.delete(index);
        continue;
      }
      if (out.length < MAX_VOLUNTARY_EXITS && voluntaryExitProblem(pre, signed) === null) out.push(signed);
    }
    return out;
  }

  /** Pooled exits, for the API. */
  all(): SignedVoluntaryExitValue[] {
    return [...this.byValidator.values()];
  }
}
