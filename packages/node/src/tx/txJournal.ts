import { Transaction, transactionHash } from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";
import type { NodeDb } from "../db/nodeDb.js";

const ALL_FROM = new Uint8Array(32);
const ALL_TO = new Uint8Array(32).fill(0xff);

/**
 * The node's journal of local transactions (as geth keeps `txpool.journal`): every transaction its API
 * accepted into a mempool is on disk before the API answers, re-admitted when the node starts, and
 * forgotten once its status stops changing (finalized, dropped, rejected).
 */
export class TxJournal {
  constructor(private readonly db: NodeDb) {}

  /** Writes `txs` (synced) before they are acknowledged. */
  async record(txs: readonly Transaction[]): Promise<void> {
    await this.db.writeBatch(
      txs.map((tx) => ({ bucket: "txJournal", key: transactionHash(tx), value: Transaction.serialize(tx) })),
    );
  }

  async forget(hashes: readonly string[]): Promise<void> {
    await this.db.writeBatch(
      hashes.map((h) => ({ bucket: "txJournal", key: hexToBytes(h), value: undefined })),
    );
  }

  /** Every journaled transaction, by hash. */
  async load(): Promise<Map<string, Transaction>> {
    const out = new Map<string, Transaction>();
    for (const [key, value] of await this.db.range("txJournal", ALL_FROM, ALL_TO)) {
      try {
        out.set(bytesToHex(key), Transaction.deserialize(value));
      } catch {
        // unreadable entry (never written by this node's code): skip it; it is forgotten on the next close
      }
    }
    return out;
  }
}
