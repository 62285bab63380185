import {
  shardOf,
  signTransaction,
  type Transaction,
  Transaction as TransactionType,
  transactionHash,
} from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey, getBls, interopSecretKey } from "@shardnet/crypto";
import type { GossipTopic, P2pNode } from "@shardnet/p2p";
import { describe, expect, it, vi } from "vitest";
import { ShardChain } from "../src/chain/shardChain.js";
import { TxJournal } from "../src/tx/txJournal.js";
import {
  CLOSED_RETAIN_EPOCHS,
  MAX_GOSSIP_TXS,
  TransactionGossipBatch,
  TxService,
} from "../src/tx/txService.js";
import { openBeacon, signedShardBlock, silentLog, tempDir } from "./helpers.js";

const SHARDS = 2;

/** Dev accounts `0..n-1` whose address lives on `shard`. */
function devAccountsOn(shard: number, n: number) {
  const out: Array<{ secretKey: Uint8Array; publicKey: Uint8Array; address: Uint8Array }> = [];
  for (let i = 0; out.length < n; i++) {
    const key = devAccountKey(i);
    const address = addressFromPubkey(key.publicKey);
    if (shardOf(address, SHARDS) === shard) out.push({ ...key, address });
  }
  return out;
}

const senders = devAccountsOn(0, 300);
const foreign = devAccountsOn(1, 1)[0]!;

function transfer(from: (typeof senders)[number], nonce = 0, amount = 5n): Transaction {
  return signTransaction(
    { from: from.address, to: foreign.address, amount, nonce, fee: 1n, pubkey: from.publicKey },
    from.secretKey,
  );
}

/**
 * A TxService over a real beacon chain, a real shard-0 chain (shard 1 untracked) and LevelDB; publishing is
 * recorded and reaches `subscribers` peers.
 */
async function openService({
  subscribers = 3,
  slot = (): number => 1,
  journal = false,
}: {
  subscribers?: number;
  slot?: () => number;
  journal?: boolean;
} = {}) {
  const { db, metrics, beacon } = await openBeacon(tempDir("shardnet-txs-"), {
    shards: SHARDS,
    accounts: [...senders, foreign].map((a) => ({ address: a.address, balance: 1_000_000n })),
  });
  const chain = await ShardChain.open(0, beacon, db, silentLog, metrics);
  const shards = new Map([[0, chain]]);
  const published: Array<{ topic: GossipTopic; bytes: Uint8Array }> = [];
  const p2p = {
    publish: async (topic: GossipTopic, bytes: Uint8Array) => {
      published.push({ topic, bytes });
      return subscribers;
    },
  } as unknown as P2pNode;
  const txs = new TxService(
    beacon,
    () => shards,
    p2p,
    silentLog,
    slot,
    () => Date.now(),
    journal ? new TxJournal(db) : undefined,
  );
  // As the node wires them (ShardnetNode.updateTrackedShards).
  chain.onEvent((e) => txs.onShardEvent(e));
  return { txs, chain, beacon, db, metrics, published, close: () => db.close() };
}

describe("TxService gossip batches", () => {
  it("coalesces admitted transactions into as few shard_{s}_tx messages as the batch limit allows: a full one at once, the rest when the window closes", async () => {
    const { txs, chain, published, close } = await openService();
    const batch = senders.slice(0, MAX_GOSSIP_TXS + 10).map((s) => transfer(s));
    const results = await txs.submit(batch.map((tx) => TransactionType.toJson(tx)));
    expect(results.every((r) => r.status === "pending")).toBe(true);
    // The first MAX_GOSSIP_TXS filled a message, which went out at once; the other 10 wait for the window.
    await vi.waitFor(() => expect(published).toHaveLength(1));
    expect(TransactionGossipBatch.deserialize(published[0]!.bytes)).toHaveLength(MAX_GOSSIP_TXS);
    await vi.waitFor(() => expect(published).toHaveLength(2), { timeout: 2000 });
    expect(published.map((p) => p.topic)).toEqual([
      { kind: "shard_tx", shard: 0 },
      { kind: "shard_tx", shard: 0 },
    ]);
    const sent = published.flatMap((p) => TransactionGossipBatch.deserialize(p.bytes));
    expect(sent.map((tx) => bytesToHex(transactionHash(tx)))).toEqual(
      batch.map((tx) => bytesToHex(transactionHash(tx))),
    );
    expect(chain.mempool.has(bytesToHex(transactionHash(batch[0]!)))).toBe(true);
    await close();
  });

  it("accepts a batch with new transactions, ignores a repeat, rejects undecodable, empty, forged and foreign-shard batches (admitting their valid transactions)", async () => {
    const { txs, chain, close } = await openService();
    const good = senders.slice(0, 5).map((s) => transfer(s));
    const bytes = TransactionGossipBatch.serialize(good);
    expect(txs.onGossip(bytes, 0)).toBe("accept");
    for (const tx of good) expect(chain.mempool.has(bytesToHex(transactionHash(tx)))).toBe(true);
    expect(txs.onGossip(bytes, 0)).toBe("ignore");

    const fresh = senders.slice(5, 8).map((s) => transfer(s));
    const wrongShard = signTransaction(
      {
        from: foreign.address,
        to: senders[0]!.address,
        amount: 1n,
        nonce: 0,
        fee: 1n,
        pubkey: foreign.publicKey,
      },
      foreign.secretKey,
    );
    expect(txs.onGossip(TransactionGossipBatch.serialize([...fresh, wrongShard]), 0)).toBe("reject");
    for (const tx of fresh) expect(chain.mempool.has(bytesToHex(transactionHash(tx)))).toBe(true);
    expect(chain.mempool.has(bytesToHex(transactionHash(wrongShard)))).toBe(false);

    expect(txs.onGossip(new Uint8Array([1, 2, 3]), 0)).toBe("reject");
    expect(txs.onGossip(TransactionGossipBatch.serialize([]), 0)).toBe("reject");
    const forged = { ...transfer(senders[9]!), amount: 6n }; // signature over amount 5
    expect(txs.onGossip(TransactionGossipBatch.serialize([forged]), 0)).toBe("reject");
    await close();
  });

  it("rejects a batch with a bad signature in the middle: every other transaction is admitted and re-published in this node's own batch", async () => {
    const { txs, chain, published, close } = await openService();
    const [first, second, third] = senders.slice(20, 23).map((s) => transfer(s));
    const forged = { ...transfer(senders[23]!), amount: 6n }; // signature over amount 5
    const batch = [first!, second!, forged, third!];
    expect(txs.onGossip(TransactionGossipBatch.serialize(batch), 0)).toBe("reject");
    expect(txs.gossipInvalid).toBe(1);
    const admitted = batch.map((tx) => chain.mempool.has(bytesToHex(transactionHash(tx))));
    expect(admitted).toEqual([true, true, false, true]);
    await txs.flushGossip();
    expect(published).toHaveLength(1);
    const sent = TransactionGossipBatch.deserialize(published[0]!.bytes);
    expect(sent.map((tx) => bytesToHex(transactionHash(tx)))).toEqual(
      [first!, second!, third!].map((tx) => bytesToHex(transactionHash(tx))),
    );
    await close();
  });
});

describe("TxService forwarding (sender's shard not tracked)", () => {
  const forwardedTransfer = (overrides: Partial<Transaction> = {}, signer = foreign.secretKey) => {
    const data = {
      from: foreign.address,
      to: senders[0]!.address,
      amount: 3n,
      nonce: 0,
      fee: 1n,
      pubkey: foreign.publicKey,
      ...overrides,
    };
    return signTransaction(data, signer);
  };

  it("publishes a transaction it cannot execute on the shard's topic and reports it pending and forwarded", async () => {
    const { txs, published, close } = await openService();
    const tx = forwardedTransfer();
    const [result] = await txs.submit([TransactionType.toJson(tx)]);
    const hash = bytesToHex(transactionHash(tx));
    expect(result).toEqual({ hash, status: "pending", shard: 1, forwarded: true });
    expect(published.map((p) => p.topic)).toEqual([{ kind: "shard_tx", shard: 1 }]);
    const sent = TransactionGossipBatch.deserialize(published[0]!.bytes);
    expect(sent.map((t) => bytesToHex(transactionHash(t)))).toEqual([hash]);
    await close();
  });

  it("forwards nothing that the shard's nodes would reject without their state, and says why", async () => {
    const { txs, published, close } = await openService();
    const other = devAccountsOn(1, 2)[1]!;
    // A valid signature by `other`, whose address is not `from`.
    const wrongKey = forwardedTransfer({ pubkey: other.publicKey }, other.secretKey);
    const zero = forwardedTransfer({ amount: 0n });
    const forged = { ...forwardedTransfer(), amount: 4n }; // signature over amount 3
    const results = await txs.submit([wrongKey, zero, forged].map((tx) => TransactionType.toJson(tx)));
    expect(results.map((r) => (r.status === "rejected" ? r.code : r.status))).toEqual([
      "pubkey_mismatch",
      "zero_amount",
      "bad_signature",
    ]);
    expect(published).toEqual([]);
    // The gossip validator of a node tracking shard 1 would reject each of them, penalising the sender.
    await close();
  });

  it("reports a forwarded transaction unroutable when no connected peer subscribes to the shard", async () => {
    const { txs, close } = await openService({ subscribers: 0 });
    const tx = forwardedTransfer();
    const [result] = await txs.submit([TransactionType.toJson(tx)]);
    expect(result).toMatchObject({ status: "rejected", code: "unroutable" });
    expect(result!.status === "rejected" && result!.message).toMatch(/does not track shard 1/);
    await close();
  });
});

describe("TxService: a transaction accepted as pending always ends somewhere", () => {
  const bls = getBls();

  /** Proposes the slot-1 shard-0 block from `chain`'s mempool (as its proposer would). */
  function proposeFrom(chain: ShardChain, beacon: Awaited<ReturnType<typeof openService>>["beacon"]) {
    const context = beacon.contextOf(beacon.genesisRoot)!;
    const proposer = context.epochCtx.getShardProposer(0, 1);
    return signedShardBlock(chain, 1, proposer, bls.secretKeyFromBytes(interopSecretKey(proposer)), context)
      .signed;
  }

  async function settle(chain: ShardChain, result: ReturnType<ShardChain["importBlock"]>) {
    expect(result.status).toBe("imported");
    await (result as { persisted?: Promise<void> }).persisted;
    await chain.settled();
  }

  it("replaced by a higher fee: dropped (replaced); the replacement is included", async () => {
    const { txs, chain, beacon, close } = await openService();
    const sender = senders[40]!;
    const first = transfer(sender, 0, 5n);
    const higher = signTransaction(
      { from: sender.address, to: foreign.address, amount: 5n, nonce: 0, fee: 2n, pubkey: sender.publicKey },
      sender.secretKey,
    );
    await txs.submit([TransactionType.toJson(first)]);
    await txs.submit([TransactionType.toJson(higher)]);
    const firstHash = bytesToHex(transactionHash(first));
    expect(await txs.status(firstHash)).toMatchObject({ status: "dropped", reason: { code: "replaced" } });
    await settle(chain, chain.importBlock(proposeFrom(chain, beacon)));
    expect(await txs.status(bytesToHex(transactionHash(higher)))).toMatchObject({ status: "included" });
    expect(await txs.status(firstHash)).toMatchObject({ status: "dropped" });
    await close();
  });

  it("its nonce taken by another transaction in a block: dropped (nonce_replay), once that block is on disk", async () => {
    const { txs, chain, close } = await openService();
    const other = await openService();
    const sender = senders[41]!;
    const ours = transfer(sender, 0, 5n);
    const theirs = transfer(sender, 0, 6n);
    await txs.submit([TransactionType.toJson(ours)]);
    await other.txs.submit([TransactionType.toJson(theirs)]);
    const block = proposeFrom(other.chain, other.beacon);
    const statuses: string[] = [];
    txs.onStatusChange((v) =>
      statuses.push(`${v.hash === bytesToHex(transactionHash(ours)) ? "ours" : "theirs"}:${v.status}`),
    );
    await settle(chain, chain.importBlock(block));
    const view = await txs.status(bytesToHex(transactionHash(ours)));
    expect(view).toMatchObject({ status: "dropped", reason: { code: "nonce_replay" } });
    expect(view?.reason?.message).toMatch(/nonce 0 was used by another transaction/);
    await waitForRefresh(() => statuses.includes("ours:dropped"));
    expect(await txs.status(bytesToHex(transactionHash(theirs)))).toMatchObject({ status: "included" });
    await other.close();
    await close();
  });

  it("included in a block that then loses a fork: back in the mempool, gossiped again, still pending, included on the winning branch", async () => {
    const { txs, chain, beacon, close, published } = await openService({ journal: true });
    const rival = await openService();
    const sender = senders[43]!;
    const ours = transfer(sender, 0, 5n);
    const hash = bytesToHex(transactionHash(ours));
    await txs.submit([TransactionType.toJson(ours)]);
    const statuses: string[] = [];
    txs.onStatusChange((v) => v.hash === hash && statuses.push(v.status));
    // Slot 1 includes it; a rival slot-2 block on genesis without it wins the tie (higher slot) and the
    // slot-1 block is abandoned.
    await settle(chain, chain.importBlock(proposeFrom(chain, beacon)));
    await waitForRefresh(() => statuses.includes("included"));
    expect(chain.mempool.has(hash)).toBe(false);
    const context = rival.beacon.contextOf(rival.beacon.genesisRoot)!;
    const proposer2 = context.epochCtx.getShardProposer(0, 2);
    const sk2 = bls.secretKeyFromBytes(interopSecretKey(proposer2));
    const losing = chain.head().root;
    const sentTxs = (from: number) =>
      published
        .slice(from)
        .flatMap((p) =>
          TransactionGossipBatch.deserialize(p.bytes).map((tx) => bytesToHex(transactionHash(tx))),
        );
    await waitForRefresh(() => sentTxs(0).includes(hash)); // the submission's own batch went out
    const publishedBefore = published.length;
    await settle(chain, chain.importBlock(signedShardBlock(rival.chain, 2, proposer2, sk2, context).signed));
    expect(chain.head().root).not.toBe(losing);
    expect(chain.mempool.has(hash)).toBe(true);
    // Peers may never have seen it (the other side of a healed partition): it goes out again.
    await waitForRefresh(() => sentTxs(publishedBefore).includes(hash));
    txs.refresh();
    await txs.refreshed();
    expect(await txs.status(hash)).toMatchObject({ status: "pending" });
    // The next block on the winning branch includes it again; nothing ever reported it dropped.
    const proposer3 = context.epochCtx.getShardProposer(0, 3);
    const sk3 = bls.secretKeyFromBytes(interopSecretKey(proposer3));
    await settle(chain, chain.importBlock(signedShardBlock(chain, 3, proposer3, sk3, context).signed));
    expect(await txs.status(hash)).toMatchObject({ status: "included", included: { slot: 3 } });
    txs.refresh();
    await txs.refreshed();
    expect(statuses).not.toContain("dropped");
    await rival.close();
    await close();
  });

  it("included in the head when a crosslink moves the chain to another branch: back in the mempool, still pending", async () => {
    const { txs, chain, close } = await openService({ journal: true });
    const rival = await openService();
    const own = await openService();
    const sender = senders[44]!;
    const ours = transfer(sender, 0, 5n);
    const hash = bytesToHex(transactionHash(ours));
    await txs.submit([TransactionType.toJson(ours)]);
    await own.txs.submit([TransactionType.toJson(ours)]);
    const statuses: string[] = [];
    txs.onStatusChange((v) => v.hash === hash && statuses.push(v.status));
    const context = rival.beacon.contextOf(rival.beacon.genesisRoot)!;
    const block = (from: ShardChain, slot: number) => {
      const proposer = context.epochCtx.getShardProposer(0, slot);
      return signedShardBlock(
        from,
        slot,
        proposer,
        bls.secretKeyFromBytes(interopSecretKey(proposer)),
        context,
      );
    };
    // Ours: slot 2 on genesis, with the transaction, and a vote: the head. The rival branch: slots 1 and 3,
    // without it. Then the beacon chain crosslinks the rival's slot 3 (this node had proposed on a stale
    // head): the chain must move there, and our block, below the crosslink, is pruned.
    const ownBlock = block(own.chain, 2);
    await settle(chain, chain.importBlock(ownBlock.signed));
    chain.onAttestation(0, ownBlock.root, 32_000_000_000n, 2);
    chain.updateHead();
    const rival1 = block(rival.chain, 1);
    await settle(rival.chain, rival.chain.importBlock(rival1.signed));
    const rival3 = block(rival.chain, 3);
    await settle(chain, chain.importBlock(rival1.signed));
    await settle(chain, chain.importBlock(rival3.signed));
    expect(chain.head().root).toBe(ownBlock.root);
    await waitForRefresh(() => statuses.includes("included"));
    expect(chain.mempool.has(hash)).toBe(false);
    chain.onCrosslinked(rival3.root);
    await chain.settled();
    expect(chain.head().root).toBe(rival3.root);
    expect(chain.mempool.has(hash)).toBe(true);
    txs.refresh();
    await txs.refreshed();
    expect(await txs.status(hash)).toMatchObject({ status: "pending" });
    expect(statuses).not.toContain("dropped");
    await own.close();
    await rival.close();
    await close();
  });

  it("waiting on a nonce gap past the limit: dropped (nonce_gap) with the missing nonce named", async () => {
    const { txs, chain, close } = await openService();
    const sender = senders[42]!;
    const gapped = transfer(sender, 2, 5n);
    const [result] = await txs.submit([TransactionType.toJson(gapped)]);
    expect(result).toMatchObject({ status: "pending" });
    const hash = bytesToHex(transactionHash(gapped));
    expect(chain.mempool.expireStuck(chain.head().state, 10, 32)).toEqual([]);
    txs.onDropped(0, chain.mempool.expireStuck(chain.head().state, 100, 32));
    const view = await txs.status(hash);
    expect(view).toMatchObject({ status: "dropped", reason: { code: "nonce_gap" } });
    expect(view?.reason?.message).toMatch(/nonce 0, which never arrived/);
    expect(chain.mempool.has(hash)).toBe(false);
    await close();
  });
});

describe("TxService: a GET never registers a watch", () => {
  it("answers an unknown hash with nothing and a transaction it never saw from the chain, remembering neither", async () => {
    const { txs, chain, beacon, close } = await openService();
    const before = txs.cacheSizes();
    expect(before).toMatchObject({ tx_known: 0, tx_open: 0, tx_index_placed: 0 });
    expect(await txs.status("ab".repeat(32))).toBeUndefined();
    // Included by a block this node imported, but never submitted to (nor gossiped to) this service.
    const tx = transfer(senders[70]!);
    const hash = bytesToHex(transactionHash(tx));
    expect(chain.mempool.add(tx, chain.head().state, { slot: 1 }).ok).toBe(true);
    const context = beacon.contextOf(beacon.genesisRoot)!;
    const proposer = context.epochCtx.getShardProposer(0, 1);
    const sk = getBls().secretKeyFromBytes(interopSecretKey(proposer));
    const imported = chain.importBlock(signedShardBlock(chain, 1, proposer, sk, context).signed);
    await (imported as { persisted?: Promise<void> }).persisted;
    await chain.settled();
    await txs.refreshed();
    expect(await txs.status(hash)).toMatchObject({ status: "included", included: { slot: 1 } });
    expect(await txs.status("cd".repeat(32))).toBeUndefined();
    expect(txs.cacheSizes()).toEqual(before);
    expect(txs.derivations).toBe(0);
    await close();
  });
});

async function waitForRefresh(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise<void>((res) => setTimeout(res, 10));
  expect(done()).toBe(true);
}

describe("TxService memory", () => {
  it("forgets what stopped changing CLOSED_RETAIN_EPOCHS after it closed: entries stay bounded in a long run", async () => {
    let slot = 1;
    const { txs, beacon, close } = await openService({ slot: () => slot });
    const sender = senders[50]!;
    const perSlot = 20;
    const retainSlots = CLOSED_RETAIN_EPOCHS * beacon.preset.SLOTS_PER_EPOCH;
    let peak = 0;
    for (; slot <= 4 * retainSlots; slot++) {
      // Refused at admission (the balance is 1,000,000): remembered as rejected, then closed.
      const refused = Array.from({ length: perSlot }, (_, i) =>
        transfer(sender, 0, 2_000_000n + BigInt(slot * perSlot + i)),
      );
      const results = await txs.submit(refused.map((tx) => TransactionType.toJson(tx)));
      expect(results.every((r) => r.status === "rejected")).toBe(true);
      txs.refresh();
      await txs.refreshed();
      peak = Math.max(peak, txs.cacheSizes().tx_known ?? 0);
    }
    // 4 retention windows sent; at most one window (and a slot) is remembered.
    expect(peak).toBeLessThanOrEqual(perSlot * (retainSlots + 2));
    expect(peak).toBeGreaterThanOrEqual(perSlot * retainSlots);
    await close();
  });
});

describe("TxService journal (transactions accepted through the API survive a restart)", () => {
  it("journals what the API admitted, re-admits it on start, and forgets it once the chain moved past it", async () => {
    const { txs, db, beacon, metrics, close } = await openService({ journal: true });
    const sender = senders[60]!;
    const tx = transfer(sender, 0, 5n);
    const hash = bytesToHex(transactionHash(tx));
    const refused = transfer(sender, 9999, 5n); // nonce gap beyond the window: refused, never journaled
    const results = await txs.submit([TransactionType.toJson(tx), TransactionType.toJson(refused)]);
    expect(results.map((r) => r.status)).toEqual(["pending", "rejected"]);
    expect([...(await new TxJournal(db).load()).keys()]).toEqual([hash]);

    // "Restart": a fresh shard chain and service over the same database.
    const chain2 = await ShardChain.open(0, beacon, db, silentLog, metrics);
    const shards2 = new Map([[0, chain2]]);
    const p2p = { publish: async () => 1 } as unknown as P2pNode;
    const txs2 = new TxService(
      beacon,
      () => shards2,
      p2p,
      silentLog,
      () => 1,
      () => Date.now(),
      new TxJournal(db),
    );
    expect(chain2.mempool.has(hash)).toBe(false);
    expect(await txs2.readmitJournal()).toEqual({ readmitted: 1, forgotten: 0 });
    expect(chain2.mempool.has(hash)).toBe(true);
    expect(await txs2.status(hash)).toMatchObject({ status: "pending" });
    expect(await txs2.republishJournaled()).toBe(1);

    // Included: a later start finds its nonce used and drops it from the journal.
    const context = beacon.contextOf(beacon.genesisRoot)!;
    const proposer = context.epochCtx.getShardProposer(0, 1);
    const block = signedShardBlock(
      chain2,
      1,
      proposer,
      getBls().secretKeyFromBytes(interopSecretKey(proposer)),
      context,
    );
    const imported = chain2.importBlock(block.signed) as { persisted?: Promise<void> };
    await imported.persisted;
    await chain2.settled();
    const chain3 = await ShardChain.open(0, beacon, db, silentLog, metrics);
    const txs3 = new TxService(
      beacon,
      () => new Map([[0, chain3]]),
      p2p,
      silentLog,
      () => 1,
      () => Date.now(),
      new TxJournal(db),
    );
    expect(await txs3.readmitJournal()).toEqual({ readmitted: 0, forgotten: 1 });
    expect((await new TxJournal(db).load()).size).toBe(0);
    await close();
  });
});
