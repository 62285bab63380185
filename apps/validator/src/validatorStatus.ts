/** A validator's lifecycle state, from its registry entry and the head epoch. */

/** The registry entry as GET /v1/beacon/validators/{index} returns it (null epochs: not set). */
export interface ValidatorEntry {
  index: number;
  pubkey: string;
  stake: string;
  activationEpoch: number | null;
  exitEpoch: number | null;
  slashed: boolean;
}

export type ValidatorState = "pending" | "active" | "exiting" | "exited" | "slashed";

/**
 * - slashed: the registry marks it slashed (it was ejected; `exitEpoch` says when it leaves);
 * - pending: no activation epoch yet, or one after the head epoch;
 * - exited: the head epoch is at or past its exit epoch;
 * - exiting: active, with an exit epoch set;
 * - active: active, no exit scheduled.
 */
export function validatorState(entry: ValidatorEntry, headEpoch: number): ValidatorState {
  if (entry.slashed) return "slashed";
  if (entry.activationEpoch === null || headEpoch < entry.activationEpoch) return "pending";
  if (entry.exitEpoch !== null && headEpoch >= entry.exitEpoch) return "exited";
  return entry.exitEpoch !== null ? "exiting" : "active";
}

/** One line saying the state with its epochs. */
export function describeState(state: ValidatorState, entry: ValidatorEntry, headEpoch: number): string {
  const activation = entry.activationEpoch === null ? "not scheduled" : `epoch ${entry.activationEpoch}`;
  switch (state) {
    case "pending":
      return `pending: activation ${activation}, head epoch ${headEpoch}`;
    case "active":
      return `active since epoch ${entry.activationEpoch}, no exit scheduled (head epoch ${headEpoch})`;
    case "exiting":
      return `exiting: active since epoch ${entry.activationEpoch}, exits at epoch ${entry.exitEpoch} (head epoch ${headEpoch})`;
    case "exited":
      return `exited at epoch ${entry.exitEpoch} (head epoch ${headEpoch})`;
    case "slashed":
      return `slashed${entry.exitEpoch === null ? "" : `, exit${headEpoch >= entry.exitEpoch ? "ed" : "s"} at epoch ${entry.exitEpoch}`} (head epoch ${headEpoch})`;
  }
}
