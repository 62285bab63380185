import { ContainerType } from "@chainsafe/ssz";
import { Epoch, Root, ShardNumber, Slot, Uint64 } from "@shardnet/consensus";

/** `status` req/resp payload: who we are (genesis) and where our chain is. */
export const Status = new ContainerType(
  { genesisHash: Root, finalizedEpoch: Epoch, finalizedRoot: Root, headSlot: Slot, headRoot: Root },
  { typeName: "Status", jsonCase: "eth2" },
);
export type StatusValue = ReturnType<typeof Status.defaultValue>;

export const BeaconBlocksByRangeRequest = new ContainerType(
  { startSlot: Slot, count: Uint64 },
  { typeName: "BeaconBlocksByRangeRequest", jsonCase: "eth2" },
);

export const ShardBlocksByRangeRequest = new ContainerType(
  { shard: ShardNumber, startSlot: Slot, count: Uint64 },
  { typeName: "ShardBlocksByRangeRequest", jsonCase: "eth2" },
);

export const ShardStateSnapshotRequest = new ContainerType(
  { shard: ShardNumber, shardBlockRoot: Root },
  { typeName: "ShardStateSnapshotRequest", jsonCase: "eth2" },
);

/** Most blocks one by-range request may ask for. */
export const MAX_BLOCKS_PER_REQUEST = 64;
