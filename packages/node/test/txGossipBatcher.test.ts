import { signTransaction, type Transaction, transactionHash } from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { MAX_GOSSIP_TXS, TransactionGossipBatch, TxGossipBatcher } from "../src/tx/txGossipBatcher.js";
import { silentLog } from "./helpers.js";

const key = devAccountKey(1);
const from = addressFromPubkey(key.publicKey);
const tx = (nonce: number): Transaction =>
  signTransaction({ from, to: from, amount: 1n, nonce, fee: 1n, pubkey: key.publicKey }, key.secretKey);
const txs = Array.from({ length: 2 * MAX_GOSSIP_TXS + 10 }, (_, i) => tx(i));
const hashes = (bytes: Uint8Array) =>
  TransactionGossipBatch.deserialize(bytes).map((t) => bytesToHex(transactionHash(t)));

function recorder(recipients = 3) {
  const sent: Array<{ shard: number; bytes: Uint8Array; at: number }> = [];
  return {
    sent,
    publish: async (shard: number, bytes: Uint8Array) => {
      sent.push({ shard, bytes, at: Date.now() });
      return recipients;
    },
  };
}

describe("TxGossipBatcher", () => {
  it("coalesces what arrives within the window into one message per shard, sent when the window closes", async () => {
    const { sent, publish } = recorder();
    const batcher = new TxGossipBatcher({ publish, log: silentLog, windowMs: 40 });
    const opened = Date.now();
    const results = [batcher.add(0, txs[0]!), batcher.add(1, txs[1]!), batcher.add(0, txs[2]!)];
    expect(sent).toEqual([]);
    expect(batcher.size).toBe(3);
    expect(await Promise.all(results)).toEqual([3, 3, 3]);
    expect(sent.map((s) => s.shard)).toEqual([0, 1]);
    expect(hashes(sent[0]!.bytes)).toEqual([txs[0]!, txs[2]!].map((t) => bytesToHex(transactionHash(t))));
    expect(sent[0]!.at - opened).toBeGreaterThanOrEqual(35);
    expect(batcher.size).toBe(0);
  });

  it("sends a full message at once and splits at the list limit (which is also the byte limit)", async () => {
    const { sent, publish } = recorder();
    const batcher = new TxGossipBatcher({ publish, log: silentLog, windowMs: 10_000 });
    const results = txs.map((t) => batcher.add(0, t));
    await results[MAX_GOSSIP_TXS - 1];
    await results[2 * MAX_GOSSIP_TXS - 1];
    expect(sent.map((s) => TransactionGossipBatch.deserialize(s.bytes).length)).toEqual([
      MAX_GOSSIP_TXS,
      MAX_GOSSIP_TXS,
    ]);
    expect(sent.every((s) => s.bytes.length <= TransactionGossipBatch.maxSize)).toBe(true);
    await batcher.flush();
    expect(sent.map((s) => TransactionGossipBatch.deserialize(s.bytes).length)).toEqual([
      MAX_GOSSIP_TXS,
      MAX_GOSSIP_TXS,
      10,
    ]);
  });

  it("is bounded: with publishing stalled, a full shard batch refuses more instead of growing", async () => {
    let release!: () => void;
    const stalled = new Promise<void>((r) => {
      release = r;
    });
    const sent: number[] = [];
    const batcher = new TxGossipBatcher({
      publish: async (_shard, bytes) => {
        sent.push(TransactionGossipBatch.deserialize(bytes).length);
        await stalled;
        return 1;
      },
      log: silentLog,
      windowMs: 10_000,
      maxTxs: 2,
      maxInFlight: 1,
    });
    const first = [batcher.add(0, txs[0]!), batcher.add(0, txs[1]!)]; // full: published, stalls
    const second = [batcher.add(0, txs[2]!), batcher.add(0, txs[3]!)]; // full: waits for a publish slot
    expect(batcher.add(0, txs[4]!)).toBeNull();
    expect(batcher.size).toBe(2);
    expect(sent).toEqual([2]);
    release();
    expect(await Promise.all([...first, ...second])).toEqual([1, 1, 1, 1]);
    expect(sent).toEqual([2, 2]);
  });

  it("resolves to 0 when publishing fails, and to 0 for what waits when it is closed", async () => {
    const failing = new TxGossipBatcher({
      publish: async () => {
        throw new Error("no peers");
      },
      log: silentLog,
      windowMs: 5,
    });
    expect(await failing.add(0, txs[0]!)).toBe(0);
    const closing = new TxGossipBatcher({ publish: recorder().publish, log: silentLog, windowMs: 10_000 });
    const waiting = closing.add(0, txs[0]!);
    closing.close();
    expect(await waiting).toBe(0);
    expect(closing.add(0, txs[1]!)).toBeNull();
  });
});
