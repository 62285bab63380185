import { join } from "node:path";
import { shardOf, signTransaction, transactionHash } from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { NodeDb } from "../src/db/nodeDb.js";
import {
  storedBeaconHead,
  storedFinalizedAnchors,
  storedShardAnchor,
  storedShardBlock,
  storedTransaction,
  walkStoredBeaconChain,
} from "../src/db/storedChain.js";
import { TxJournal } from "../src/tx/txJournal.js";
import { DevnetDriver, DriverNode, driverGenesis } from "./devnetDriver.js";
import { tempDir } from "./helpers.js";

const OTHER_ROOT = "ab".repeat(32);

describe("reading a stopped node's database (storedChain)", () => {
  it("walks the stored canonical chain from the stored head to genesis and finds the finalized anchors, shard heads, shard anchor states and transactions the node wrote", async () => {
    const sender = Array.from({ length: 8 }, (_, i) => devAccountKey(i))
      .map((k) => ({ ...k, address: addressFromPubkey(k.publicKey) }))
      .find((a) => shardOf(a.address, 2) === 0)!;
    const genesis = driverGenesis(2, [{ address: sender.address, balance: 1_000_000n }]);
    const S = genesis.preset.SLOTS_PER_EPOCH;
    const dir = tempDir("shardnet-stored-");
    const node = await DriverNode.open(dir, genesis);
    const driver = new DevnetDriver([node]);
    const transfer = (nonce: number) =>
      signTransaction(
        { from: sender.address, to: sender.address, amount: 5n, nonce, fee: 1n, pubkey: sender.publicKey },
        sender.secretKey,
      );
    const included = transfer(0);
    const journaled = transfer(7); // a nonce gap: it waits in the mempool, journaled, never included
    const LAST = 5 * S;
    for (let slot = 1; slot <= LAST; slot++) {
      if (slot === 2) {
        const chain = node.shards[0]!;
        expect(chain.mempool.add(included, chain.head().state, { slot }).ok).toBe(true);
      }
      await driver.slot(slot);
    }
    await new TxJournal(node.db).record([journaled]);
    const head = node.beacon.head();
    const finalized = node.beacon.finalizedCheckpoint();
    const genesisRoot = node.beacon.genesisRoot;
    const shardHeads = node.shards.map((c) => c.head());
    expect(finalized.epoch).toBeGreaterThanOrEqual(2);
    expect(shardHeads[0]!.slot).toBe(LAST);
    await node.close();

    const db = await NodeDb.openExisting(join(dir, "db"), "test");
    try {
      expect(await storedBeaconHead(db)).toBe(head.root);
      const walk = await walkStoredBeaconChain(db, head.root, 10 * LAST);
      expect(walk.end).toBe("parent_missing");
      expect(walk.missingRoot).toBe(genesisRoot);
      // A block every slot, each the parent of the one before it in the walk.
      expect(walk.blocks.map((b) => b.slot)).toEqual(Array.from({ length: LAST }, (_, i) => LAST - i));
      expect(walk.blocks[0]!.root).toBe(head.root);
      for (let i = 1; i < walk.blocks.length; i++)
        expect(walk.blocks[i - 1]!.parentRoot).toBe(walk.blocks[i]!.root);
      expect(walk.blocks.some((b) => b.crosslinks.some((c) => c.shard === 0))).toBe(true);
      const anchors = await storedFinalizedAnchors(db);
      const newest = anchors.sort((a, b) => b.epoch - a.epoch)[0]!;
      expect({ epoch: newest.epoch, root: newest.root }).toEqual({
        epoch: finalized.epoch,
        root: bytesToHex(finalized.root),
      });
      expect(walk.blocks.some((b) => b.root === newest.root)).toBe(true);

      const limited = await walkStoredBeaconChain(db, head.root, 3);
      expect([limited.end, limited.blocks.length]).toEqual(["limit", 3]);
      const absent = await walkStoredBeaconChain(db, OTHER_ROOT, 10);
      expect([absent.end, absent.blocks.length, absent.missingRoot]).toEqual([
        "start_missing",
        0,
        OTHER_ROOT,
      ]);

      expect(await storedShardBlock(db, 0, `0x${shardHeads[0]!.root}`)).toBe("block");
      expect(await storedShardBlock(db, 1, shardHeads[1]!.root)).toBe("block");
      expect(await storedShardBlock(db, 1, shardHeads[0]!.root)).toBeUndefined(); // another shard's key
      expect(await storedShardBlock(db, 0, OTHER_ROOT)).toBeUndefined();

      // Shard 0's restart anchor: a stored block's state, with the transfer's fee burned and the supply whole.
      const anchor = (await storedShardAnchor(db, 0))!;
      expect(anchor.state.slot).toBeGreaterThan(2);
      expect(await storedShardBlock(db, 0, anchor.root)).toBe("block");
      const { state } = anchor;
      expect(state.feesBurned).toBe(1n);
      expect(state.totalBalance() + state.feesBurned + state.sentAmount(1) - state.creditedAmount(1)).toBe(
        1_000_000n,
      );

      expect(await storedTransaction(db, `0x${bytesToHex(transactionHash(included))}`)).toBe("included");
      expect(await storedTransaction(db, bytesToHex(transactionHash(journaled)))).toBe("journal");
      expect(await storedTransaction(db, OTHER_ROOT)).toBeUndefined();
    } finally {
      await db.close();
    }
  });
});
