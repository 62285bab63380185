import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ListCompositeType } from "@chainsafe/ssz";
import {
  type Genesis,
  signTransaction,
  TRANSACTION_SIZE,
  Transaction,
  transactionHash,
} from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey } from "@shardnet/crypto";
import { afterEach, describe, expect, it } from "vitest";
import { fundedDevAccounts, submitBatch } from "../src/nodeClient.js";
import { decodeTransactionBatch, encodeTransactionBatch, MAX_TX_BATCH } from "../src/sszBatch.js";

const address = (n: number) => addressFromPubkey(devAccountKey(n).publicKey);

/** `count` signed transfers from a few dev accounts, with distinct nonces and amounts. */
function transfers(count: number): Transaction[] {
  return Array.from({ length: count }, (_, i) => {
    const key = devAccountKey(i % 5);
    return signTransaction(
      {
        from: addressFromPubkey(key.publicKey),
        to: address(100 + (i % 7)),
        amount: BigInt(1 + i),
        nonce: Math.floor(i / 5),
        fee: BigInt(i % 3),
        pubkey: key.publicKey,
      },
      key.secretKey,
    );
  });
}

const hashes = (txs: readonly Transaction[]) => txs.map((tx) => bytesToHex(transactionHash(tx)));

describe("SSZ transaction batch", () => {
  it("decodes, as the node's List[Transaction, 1000] does, to the same transactions and hashes", () => {
    // The node's own type (packages/node nodeRoutes.ts SszTransactionBatch).
    const nodeType = new ListCompositeType(Transaction, MAX_TX_BATCH);
    for (const count of [1, 37, MAX_TX_BATCH]) {
      const txs = transfers(count);
      const bytes = encodeTransactionBatch(txs);
      expect(bytes.length).toBe(count * TRANSACTION_SIZE);
      for (const decoded of [nodeType.deserialize(bytes), decodeTransactionBatch(bytes)]) {
        expect(hashes(decoded)).toEqual(hashes(txs));
        expect(decoded.map((tx) => Transaction.toJson(tx))).toEqual(txs.map((tx) => Transaction.toJson(tx)));
      }
      expect(nodeType.serialize(txs)).toEqual(bytes);
    }
  });

  it("refuses an empty batch and one over the node's limit", () => {
    expect(() => encodeTransactionBatch([])).toThrow(/1\.\.1000/);
    expect(() => encodeTransactionBatch(transfers(MAX_TX_BATCH + 1))).toThrow(/got 1001/);
  });
});

describe("submitBatch", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((res) => (server ? server.close(() => res()) : res())));

  /** A stand-in for POST /v1/transactions that records what it was sent. */
  async function stubNode(
    answer: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void,
  ): Promise<string> {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => answer(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((res) => server!.listen(0, "127.0.0.1", res));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  it("posts one SSZ body per batch and returns the node's per-transaction results", async () => {
    const txs = transfers(12);
    const seen: { type: string | undefined; hashes: string[] }[] = [];
    const api = await stubNode((req, body, res) => {
      const decoded = decodeTransactionBatch(new Uint8Array(body));
      seen.push({ type: req.headers["content-type"], hashes: hashes(decoded) });
      const results = decoded.map((_, i) =>
        i === 3 ? { status: "rejected", code: "nonce_gap", message: "too far" } : { status: "pending" },
      );
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ results }));
    });
    const outcomes = await submitBatch(api, txs);
    expect(seen).toEqual([{ type: "application/octet-stream", hashes: hashes(txs) }]);
    expect(outcomes).toHaveLength(12);
    expect(outcomes[3]).toEqual({ status: "rejected", code: "nonce_gap", message: "too far" });
    expect(outcomes.filter((o) => o.status === "pending")).toHaveLength(11);
  });

  it("falls back to JSON, from then on, for a node that does not take SSZ (415)", async () => {
    const txs = transfers(3);
    const types: (string | undefined)[] = [];
    const api = await stubNode((req, body, res) => {
      types.push(req.headers["content-type"]);
      if (req.headers["content-type"] !== "application/json") {
        res.writeHead(415, { "content-type": "application/json" }).end(JSON.stringify({ code: "FST_ERR" }));
        return;
      }
      const json = JSON.parse(body.toString()) as unknown[];
      const same = json.map((j) => bytesToHex(transactionHash(Transaction.fromJson(j))));
      expect(same).toEqual(hashes(txs));
      res.writeHead(202).end(JSON.stringify({ results: json.map(() => ({ status: "pending" })) }));
    });
    expect(await submitBatch(api, txs)).toEqual(txs.map(() => ({ status: "pending" })));
    expect(await submitBatch(api, txs)).toHaveLength(3);
    expect(types).toEqual(["application/octet-stream", "application/json", "application/json"]);
  });
});

describe("funded dev accounts", () => {
  const genesis = (ns: number[], balance = 10n): Pick<Genesis, "accounts"> => ({
    accounts: ns.map((n) => ({ address: address(n), balance })),
  });
  it("counts dev:0 .. dev:N-1 funded at genesis, up to the first gap", () => {
    expect(fundedDevAccounts(genesis([0, 1, 2, 3]))).toBe(4);
    expect(fundedDevAccounts(genesis([3, 0, 2, 1, 9]))).toBe(4);
    expect(fundedDevAccounts(genesis([0, 1, 3]))).toBe(2);
    expect(fundedDevAccounts(genesis([1, 2]))).toBe(0);
    expect(fundedDevAccounts(genesis([0, 1], 0n))).toBe(0);
  });
});
