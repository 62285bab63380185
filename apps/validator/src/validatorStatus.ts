/** A validator's lifecycle state, from its registry entry and the head epoch. */

/** The registry entry as GET /v1/beacon/validators/{index} returns it (null epochs: not set). */
export interface ValidatorEntry {
  index: number;
  pubkey: string;
  /** The shard account its stake returns to (0x00…00 for genesis validators). */
  withdrawalAddress?: string;
  stake: string;
  activationEpoch: number | null;
  exitEpoch: number | null;
  /** Epoch from which its stake is sent back (null while no exit is scheduled). */
  withdrawableEpoch?: number | null;
  slashed: boolean;
}

export type ValidatorState = "queued" | "active" | "exiting" | "withdrawable" | "withdrawn" | "slashed";

/**
 * - slashed: the registry marks it slashed (it was ejected; `exitEpoch` says when it leaves);
 * - queued: registered, its activation epoch (activation queue) not reached yet;
 * - active: active, no exit scheduled;
 * - exiting: active, with an exit epoch set (exit queue) not reached yet;
 * - withdrawable: exited, its stake not sent back yet (it is at its withdrawable epoch);
 * - withdrawn: exited and its stake sent back to its withdrawal address (stake 0).
 * A pubkey whose deposit the beacon chain has not registered yet is not in the registry at all (see status.ts).
 */
export function validatorState(entry: ValidatorEntry, headEpoch: number): ValidatorState {
  if (entry.slashed) return "slashed";
  if (entry.activationEpoch === null || headEpoch < entry.activationEpoch) return "queued";
  if (entry.exitEpoch === null) return "active";
  if (headEpoch < entry.exitEpoch) return "exiting";
  return BigInt(entry.stake) === 0n ? "withdrawn" : "withdrawable";
}

function withdrawalLine(entry: ValidatorEntry): string {
  const at = entry.withdrawableEpoch;
  const to = entry.withdrawalAddress ? ` to ${entry.withdrawalAddress}` : "";
  return at === null || at === undefined ? "" : `, stake returns${to} at epoch ${at}`;
}

/** One line saying the state with its epochs. */
export function describeState(state: ValidatorState, entry: ValidatorEntry, headEpoch: number): string {
  const activation = entry.activationEpoch === null ? "not scheduled" : `epoch ${entry.activationEpoch}`;
  switch (state) {
    case "queued":
      return `queued: activation ${activation}, head epoch ${headEpoch}`;
    case "active":
      return `active since epoch ${entry.activationEpoch}, no exit scheduled (head epoch ${headEpoch})`;
    case "exiting":
      return `exiting: active since epoch ${entry.activationEpoch}, exits at epoch ${entry.exitEpoch}${withdrawalLine(entry)} (head epoch ${headEpoch})`;
    case "withdrawable":
      return `withdrawable: exited at epoch ${entry.exitEpoch}${withdrawalLine(entry)}, ${entry.stake} gwei (head epoch ${headEpoch})`;
    case "withdrawn":
      return `withdrawn: exited at epoch ${entry.exitEpoch}, stake sent back${entry.withdrawalAddress ? ` to ${entry.withdrawalAddress}` : ""} (head epoch ${headEpoch})`;
    case "slashed":
      return `slashed${entry.exitEpoch === null ? "" : `, exit${headEpoch >= entry.exitEpoch ? "ed" : "s"} at epoch ${entry.exitEpoch}`}${withdrawalLine(entry)} (head epoch ${headEpoch})`;
  }
}
