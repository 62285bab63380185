import type { AttestationValue } from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";

/** One distinct AttestationData among a slot's votes for a shard, for the log. */
export interface VoteGroup {
  votes: number;
  shardBlockRoot: string;
  beaconBlockRoot: string;
  source: string;
  target: string;
  /** The voted shard block is known here, with its header, above the crosslinked slot. */
  candidate: boolean;
}

/**
 * How a slot's votes for one shard split over distinct AttestationData (largest group first, at most
 * `limit`): when no group reaches 2/3 of the committee, this says why the shard is not crosslinked
 * (committee members on different shard heads, beacon heads or FFG votes), in a form fit for one log line.
 */
export function voteSplit(
  aggregates: readonly AttestationValue[],
  isCandidate: (shardBlockRoot: string) => boolean,
  limit = 4,
): VoteGroup[] {
  const short = (root: Uint8Array) => bytesToHex(root).slice(0, 12);
  return aggregates.slice(0, limit).map((a) => ({
    votes: a.aggregationBits.getTrueBitIndexes().length,
    shardBlockRoot: short(a.data.shardBlockRoot),
    beaconBlockRoot: short(a.data.beaconBlockRoot),
    source: `${a.data.source.epoch}:${short(a.data.source.root)}`,
    target: `${a.data.target.epoch}:${short(a.data.target.root)}`,
    candidate: isCandidate(bytesToHex(a.data.shardBlockRoot)),
  }));
}
