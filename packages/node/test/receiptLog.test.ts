import { buildReceiptProofs, isReceiptProofValid, shardOf, signTransaction } from "@shardnet/consensus";
import { addressFromPubkey, devAccountKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { DevnetDriver, DriverNode, driverGenesis } from "./devnetDriver.js";
import { tempDir } from "./helpers.js";

const SHARDS = 2;

function devAccountOn(shard: number) {
  for (let i = 0; ; i++) {
    const key = devAccountKey(i);
    const address = addressFromPubkey(key.publicKey);
    if (shardOf(address, SHARDS) === shard) return { ...key, address };
  }
}

/**
 * The receipt log (issue 14, memory): shard states keep only outbox accumulators, so a node keeps the
 * receipts its shards sent until their destination has credited them for good. The log must prove them
 * against the crosslink, survive a restart, and shrink once the credit is finalized.
 */
describe("receipt log beside the shard state", () => {
  it("proves a crosslinked receipt, is restored on restart, and forgets it once its credit is finalized", async () => {
    const alice = devAccountOn(0);
    const bob = devAccountOn(1);
    const genesis = driverGenesis(SHARDS, [{ address: alice.address, balance: 1_000_000n }]);
    const dir = tempDir("shardnet-receipt-log-");
    let node = await DriverNode.open(dir, genesis);
    const driver = new DevnetDriver([node]);
    const S = genesis.preset.SLOTS_PER_EPOCH;
    const source = () => node.shards[0]!;
    const dest = () => node.shards[1]!;

    let slot = 1;
    for (; slot <= S; slot++) await driver.slot(slot);
    const tx = signTransaction(
      { from: alice.address, to: bob.address, amount: 700n, nonce: 0, fee: 1n, pubkey: alice.publicKey },
      alice.secretKey,
    );
    expect(source().mempool.add(tx, source().head().state).ok).toBe(true);
    // Included at the next slot, crosslinked the slot after.
    for (const end = slot + 2; slot <= end; slot++) await driver.slot(slot);
    expect(source().receiptLog().count(1)).toBe(1);
    expect(source().cacheSizes().shard_outbox_log_receipts).toBe(1);

    const prove = () => {
      const crosslink = source().beaconHeadCrosslink();
      const state = source().get(crosslink.rootHex)!.state;
      const [incoming] = buildReceiptProofs(state, source().receiptLog(), 1, [0]);
      expect(isReceiptProofValid(incoming!, state.outboxRoot())).toBe(true);
      return incoming!;
    };
    expect(prove().receipt.amount).toBe(700n);

    // Finality passes the block that sent it (the anchor stores the log with it); nobody credited it yet.
    for (const end = slot + 4 * S; slot <= end; slot++) await driver.slot(slot);
    expect(node.beacon.finalizedCheckpoint().epoch).toBeGreaterThanOrEqual(2);
    expect(source().receiptLog().base(1)).toBe(0);

    await node.close();
    node = await DriverNode.open(dir, genesis);
    driver.nodes[0] = node;
    expect(source().receiptLog().count(1)).toBe(1);

    // Shard 1 credits it (shard 0's committee pauses so that its crosslink, which the proof names, stays the
    // beacon head's); once that credit is finalized, the log forgets the receipt.
    driver.silentShards.add(0);
    await driver.slot(slot++);
    dest().pendingReceipts.set("0:0", prove());
    for (const end = slot + 2; slot <= end; slot++) await driver.slot(slot);
    expect(dest().head().state.inboxCursor(0)).toBe(1);
    driver.silentShards.delete(0);
    for (const end = slot + 5 * S; slot <= end; slot++) await driver.slot(slot);
    expect(dest().head().state.getAccount(bob.address)?.balance).toBe(700n);
    expect(source().receiptLog().base(1)).toBe(1);
    expect(source().cacheSizes().shard_outbox_log_receipts).toBe(0);
    await node.close();
  });
});
