import type { BeaconAnchor } from "../shard/simulation.js";
import type { CrosslinkValue, ShardBlockHeaderValue } from "../types/index.js";
import { ShardBlockHeader } from "../types/shardHeader.js";
import { ZERO_ROOT } from "../util/bytes.js";

export interface ShardBlockBuildArgs {
  shard: number;
  slot: number;
  proposerIndex: number;
  parent: ShardBlockHeaderValue | undefined;
  parentRoot: Uint8Array;
  beaconBlockRoot: Uint8Array;
  /** Crosslinks of the beacon state the block builds on (receipts are proven against them). */
  crosslinks: readonly CrosslinkValue[];
  /** The beacon state at beaconBlockRoot (that block's committed post-state): withdrawals are proven against it. */
  beacon: BeaconAnchor;
}

/** Builds the shard block a proposer publishes; the default is a placeholder header chained by parent. */
export interface ShardBlockBuilder {
  buildShardBlock(args: ShardBlockBuildArgs): ShardBlockHeaderValue;
}

/** Placeholder shard blocks: zero state/tx/outbox/receipt roots, chained by parent root. */
export const placeholderShardBlocks: ShardBlockBuilder = {
  buildShardBlock: ({ shard, slot, proposerIndex, parentRoot, beaconBlockRoot }) => ({
    shard,
    slot,
    proposerIndex,
    parentRoot,
    beaconBlockRoot,
    stateRoot: ZERO_ROOT,
    txRoot: ZERO_ROOT,
    outboxRoot: ZERO_ROOT,
    receiptsInRoot: ZERO_ROOT,
  }),
};

/** The head of each shard chain (linear in the simulator: every honest proposer extends the head). */
export class ShardHeads {
  readonly headers: (ShardBlockHeaderValue | undefined)[];
  readonly roots: Uint8Array[];

  constructor(shardCount: number) {
    this.headers = new Array(shardCount).fill(undefined);
    this.roots = Array.from({ length: shardCount }, () => ZERO_ROOT);
  }

  extend(header: ShardBlockHeaderValue): void {
    this.headers[header.shard] = header;
    this.roots[header.shard] = ShardBlockHeader.hashTreeRoot(header);
  }
}
