import { SignedBeaconBlock } from "@shardnet/consensus";
import { describe, expect, it } from "vitest";
import { encodeCheckpointBundle, FinalizedCheckpointBundle } from "../src/sync/checkpointSync.js";
import { openBeacon, proposeAt, tempDir } from "./helpers.js";

describe("FinalizedCheckpointBundle", () => {
  it("is encoded from the stored bytes exactly as SSZ encodes the value", async () => {
    const { db, beacon } = await openBeacon(tempDir("shardnet-bundle-"));
    const signed = proposeAt(beacon, 1);
    expect(beacon.importBlock(signed).status).toBe("imported");
    const stateBytes = beacon.head().state.state.serialize();
    const blockBytes = SignedBeaconBlock.serialize(signed);
    const encoded = encodeCheckpointBundle(3, blockBytes, stateBytes);
    const decoded = FinalizedCheckpointBundle.deserialize(encoded);
    expect(decoded.epoch).toBe(3);
    expect(FinalizedCheckpointBundle.serialize(decoded)).toEqual(encoded);
    expect(SignedBeaconBlock.serialize(decoded.block)).toEqual(blockBytes);
    await beacon.settled();
    await db.close();
  });
});
