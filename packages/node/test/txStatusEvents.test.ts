import { shardOf, signTransaction, Transaction, transactionHash } from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey } from "@shardnet/crypto";
import type { P2pNode } from "@shardnet/p2p";
import { describe, expect, it } from "vitest";
import { TxService, type TxStatusView } from "../src/tx/txService.js";
import { DevnetDriver, DriverNode, driverGenesis } from "./devnetDriver.js";
import { silentLog, tempDir } from "./helpers.js";

const SHARDS = 2;

function devAccountsOn(shard: number, n: number) {
  const out: Array<{ secretKey: Uint8Array; publicKey: Uint8Array; address: Uint8Array }> = [];
  for (let i = 0; out.length < n; i++) {
    const key = devAccountKey(i);
    const address = addressFromPubkey(key.publicKey);
    if (shardOf(address, SHARDS) === shard) out.push({ ...key, address });
  }
  return out;
}

const senders = devAccountsOn(0, 8);
const receiver = devAccountsOn(1, 1)[0]!;

function transfer(from: (typeof senders)[number], nonce: number) {
  return signTransaction(
    { from: from.address, to: receiver.address, amount: 5n, nonce, fee: 1n, pubkey: from.publicKey },
    from.secretKey,
  );
}

/**
 * One driver node (real beacon and shard chains, real crosslinks and finality) with a TxService wired to
 * it as ShardnetNode wires it: shard chain events, the beacon head before the chains move to its
 * crosslinks, and finality.
 */
async function openDriven() {
  const genesis = driverGenesis(
    SHARDS,
    [...senders, receiver].map((a) => ({ address: a.address, balance: 1_000_000n })),
  );
  const node = await DriverNode.open(tempDir("shardnet-txevents-"), genesis);
  const driver = new DevnetDriver([node]);
  const shards = new Map(node.shards.map((c) => [c.shard, c]));
  let slot = 1;
  const p2p = { publish: async () => 1 } as unknown as P2pNode;
  const txs = new TxService(
    node.beacon,
    () => shards,
    p2p,
    silentLog,
    () => slot,
    () => Date.now(),
  );
  for (const chain of node.shards) chain.onEvent((e) => txs.onShardEvent(e));
  node.beacon.onEvent((e) => {
    if (e.type === "finalized") txs.onFinalized();
  });
  const moveChains = node.onBeaconHead.bind(node);
  node.onBeaconHead = () => {
    node.beacon.updateHead();
    txs.onBeaconHead();
    moveChains();
  };
  const run = async (to: number) => {
    for (; slot <= to; slot++) await driver.slot(slot);
    await node.settled();
    await txs.refreshed();
  };
  return { node, txs, run, slotNow: () => slot };
}

describe("TxService: event-driven status", () => {
  it("the tracker reports every step, in order, for transactions included in one block and finalized in another", async () => {
    const { node, txs, run } = await openDriven();
    const events = new Map<string, TxStatusView[]>();
    txs.onStatusChange((v) => events.set(v.hash, [...(events.get(v.hash) ?? []), v]));
    const derived = new Map<string, number>();
    txs.onDerive = (hash) => derived.set(hash, (derived.get(hash) ?? 0) + 1);

    // Open forever (a nonce gap): watched, but no event concerns them after admission.
    const gapped = senders.slice(4, 8).map((s) => transfer(s, 3));
    // Two transactions in the slot-1 block, one in the slot-2 block.
    const first = [transfer(senders[0]!, 0), transfer(senders[1]!, 0)];
    const second = transfer(senders[2]!, 0);
    const submitted = await txs.submit([...gapped, ...first].map((tx) => Transaction.toJson(tx)));
    expect(submitted.every((r) => r.status === "pending")).toBe(true);
    await run(1);
    await txs.submit([Transaction.toJson(second)]);
    const hashes = [...first, second].map((tx) => bytesToHex(transactionHash(tx)));
    const { SLOTS_PER_EPOCH } = node.beacon.preset;
    for (let end = 2; end <= 12 * SLOTS_PER_EPOCH; end++) {
      await run(end);
      if (hashes.every((h) => events.get(h)?.at(-1)?.status === "finalized")) break;
    }

    for (const [i, hash] of hashes.entries()) {
      const views = events.get(hash) ?? [];
      expect(views.map((v) => v.status)).toEqual(["pending", "included", "crosslinked", "finalized"]);
      const final = views.at(-1)!;
      expect(final.included?.slot).toBe(i < 2 ? 1 : 2);
      expect(final.crosslinked!.crosslinkSlot).toBeGreaterThanOrEqual(final.included!.slot);
      expect(final.crosslinked!.slot).toBeGreaterThan(final.included!.slot);
      expect(final.finalized!.slot).toBeGreaterThanOrEqual(final.crosslinked!.slot);
      // A GET agrees with the last event.
      expect(await txs.status(hash)).toMatchObject({
        status: "finalized",
        included: final.included,
        crosslinked: final.crosslinked,
      });
      // A handful of derivations (admission, inclusion, crosslink, finality), not one per chain event.
      expect(derived.get(hash)).toBeLessThanOrEqual(6);
    }
    // The gapped ones were derived once (at admission) across every slot's events, and never reported beyond pending.
    for (const tx of gapped) {
      const hash = bytesToHex(transactionHash(tx));
      expect(derived.get(hash)).toBe(1);
      expect(events.get(hash)?.map((v) => v.status)).toEqual(["pending"]);
    }
    // Finalized ones left the index; only the gapped ones are still open, filed nowhere.
    expect(txs.cacheSizes()).toMatchObject({
      tx_open: gapped.length,
      tx_index_blocks: 0,
      tx_index_crosslinked: 0,
      tx_index_placed: 0,
    });
    await node.close();
  }, 120_000);
});
