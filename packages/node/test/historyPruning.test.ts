import { describe, expect, it } from "vitest";
import { listBeaconAnchors } from "../src/chain/anchorStore.js";
import { concatKey, uint64Key } from "../src/db/nodeDb.js";
import { DevnetDriver, DriverNode, driverGenesis } from "./devnetDriver.js";
import { tempDir } from "./helpers.js";

const slotOf = (key: Uint8Array, offset: number) => Number(Buffer.from(key).readBigUInt64BE(offset));

describe("--history pruning", () => {
  it("deletes blocks older than the window below finality, never what a restart replays, and the node restarts and agrees", async () => {
    const genesis = driverGenesis(2);
    const S = genesis.preset.SLOTS_PER_EPOCH;
    const HISTORY = 2;
    const dir = tempDir("shardnet-history-");
    let pruned = await DriverNode.open(dir, genesis, HISTORY);
    const full = await DriverNode.open(tempDir("shardnet-history-full-"), genesis);
    const driver = new DevnetDriver([full, pruned]);
    let slot = 1;
    for (; slot <= 10 * S; slot++) await driver.slot(slot);

    const finalized = pruned.beacon.finalizedCheckpoint().epoch;
    const oldestAnchor = Math.min(...(await listBeaconAnchors(pruned.db)).map((a) => a.slot));
    const window = (finalized - HISTORY) * S;
    expect(window).toBeGreaterThan(0);
    const beaconSlots = (await pruned.db.keys("beaconBlockSlots", uint64Key(0), uint64Key(1e9))).map((k) =>
      slotOf(k, 0),
    );
    const fullSlots = await full.db.keys("beaconBlockSlots", uint64Key(0), uint64Key(1e9));
    // Older blocks are gone; those a restart from the oldest anchor replays are kept.
    expect(Math.min(...beaconSlots)).toBeGreaterThanOrEqual(Math.min(window, oldestAnchor));
    expect(beaconSlots.length).toBeLessThan(fullSlots.length);
    expect(beaconSlots.filter((s) => s > oldestAnchor).length).toBe(
      fullSlots.filter((k) => slotOf(k, 0) > oldestAnchor).length,
    );
    for (const chain of pruned.shards) {
      const prefix = uint64Key(chain.shard);
      const rows = await pruned.db.keys(
        "shardBlockSlots",
        concatKey(prefix, uint64Key(0)),
        concatKey(prefix, uint64Key(1e9)),
      );
      const fullRows = await full.db.keys(
        "shardBlockSlots",
        concatKey(prefix, uint64Key(0)),
        concatKey(prefix, uint64Key(1e9)),
      );
      expect(rows.length).toBeLessThan(fullRows.length);
      expect(Math.min(...rows.map((k) => slotOf(k, 8)))).toBeGreaterThan(0);
    }

    // A restart still finds everything above its anchor, and follows the chain with the node that kept all.
    await pruned.close();
    pruned = await DriverNode.open(dir, genesis, HISTORY);
    driver.nodes[1] = pruned;
    expect(pruned.beacon.head().root).toBe(full.beacon.head().root);
    for (const chain of pruned.shards) expect(chain.head().root).toBe(full.shards[chain.shard]!.head().root);
    for (const end = slot + 2 * S; slot <= end; slot++) await driver.slot(slot);
    expect(pruned.beacon.head().root).toBe(full.beacon.head().root);
    await pruned.close();
    await full.close();
  });
});
