import { ContainerType } from "@chainsafe/ssz";
import { Root, ShardNumber, Slot, ValidatorIndex } from "./primitives.js";

/**
 * Shard block header (DESIGN.md §4). Shared by the beacon side (crosslinks hash it to shard_block_root)
 * and the shard side (block production / validation).
 */
export const ShardBlockHeader = new ContainerType(
  {
    shard: ShardNumber,
    slot: Slot,
    proposerIndex: ValidatorIndex,
    parentRoot: Root,
    beaconBlockRoot: Root,
    stateRoot: Root,
    txRoot: Root,
    outboxRoot: Root,
    receiptsInRoot: Root,
  },
  { typeName: "ShardBlockHeader", jsonCase: "eth2" },
);

/** Crosslink: checkpoints one shard block (and its state and outbox) onto the beacon chain. */
export const Crosslink = new ContainerType(
  {
    shard: ShardNumber,
    slot: Slot,
    shardBlockRoot: Root,
    stateRoot: Root,
    outboxRoot: Root,
    parentCrosslinkRoot: Root,
  },
  { typeName: "Crosslink", jsonCase: "eth2" },
);
