import type { ShardBlockHeaderValue } from "../src/index.js";

/** A placeholder shard block header (zero tx/receipt roots), built on beacon block `beaconBlockRoot`, for benchmarks. */
export function placeholderHeader(
  shard: number,
  slot: number,
  beaconBlockRoot: Uint8Array,
): ShardBlockHeaderValue {
  const zero = new Uint8Array(32);
  return {
    shard,
    slot,
    proposerIndex: 0,
    parentRoot: zero,
    beaconBlockRoot,
    stateRoot: new Uint8Array(32).fill(shard + 1),
    txRoot: zero,
    outboxRoot: zero,
    receiptsInRoot: zero,
  };
}
