import { shardOf, signTransaction, transactionHash } from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey, getBls, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import type { BeaconContext } from "../src/chain/beaconChain.js";
import { ShardChain } from "../src/chain/shardChain.js";
import { openBeacon, proposeAt, signedShardBlock, silentLog, tempDir } from "./helpers.js";

const bls = getBls();

/** A real beacon chain at genesis and a shard-0 chain with blocks at slots 1..3 (LevelDB in a temp dir). */
async function shardChainWithBlocks(slots: readonly number[] = [1, 2, 3]) {
  const { db, metrics, beacon } = await openBeacon(tempDir("shardnet-shard-"));
  const chain = await ShardChain.open(0, beacon, db, silentLog, metrics);
  const context = beacon.contextOf(beacon.genesisRoot)!;
  const roots: string[] = [chain.head().root];
  for (const slot of slots) {
    const proposer = context.epochCtx.getShardProposer(0, slot);
    const sk = bls.secretKeyFromBytes(interopSecretKey(proposer));
    const { signed, root } = signedShardBlock(chain, slot, proposer, sk, context);
    const result = chain.importBlock(signed);
    expect(result.status).toBe("imported");
    await (result as { persisted?: Promise<void> }).persisted;
    roots.push(root);
  }
  return { chain, beacon, roots, close: () => db.close() };
}

/** The interop proposer's shard-0 block at `slot` on `chain`'s head, built on `context`'s beacon block. */
function proposeShard0(chain: ShardChain, slot: number, context: BeaconContext) {
  const proposer = context.epochCtx.getShardProposer(0, slot);
  return signedShardBlock(chain, slot, proposer, bls.secretKeyFromBytes(interopSecretKey(proposer)), context);
}

/** Imports `block` into `chain` and waits until it is on disk. */
async function importStored(chain: ShardChain, block: ReturnType<typeof proposeShard0>): Promise<void> {
  const result = chain.importBlock(block.signed);
  expect(result.status).toBe("imported");
  await (result as { persisted?: Promise<void> }).persisted;
}

/** A dev account on shard 0 (of 2) and the genesis accounts funding it. */
function shard0Sender() {
  const sender = Array.from({ length: 8 }, (_, i) => devAccountKey(i))
    .map((k) => ({ ...k, address: addressFromPubkey(k.publicKey) }))
    .find((a) => shardOf(a.address, 2) === 0)!;
  return { sender, accounts: [{ address: sender.address, balance: 1_000_000n }] };
}

/**
 * A shard-0 chain (real beacon chain and LevelDB) with blocks at slots 1..3, the slot-2 block holding a transfer,
 * crosslinked at slot 3: slots 1 and 2 have left memory, the slot-2 block is in the database only.
 */
async function chainWithTransferAtSlot2(dirPrefix: string) {
  const { sender, accounts } = shard0Sender();
  const { db, metrics, beacon } = await openBeacon(tempDir(dirPrefix), { accounts });
  const chain = await ShardChain.open(0, beacon, db, silentLog, metrics);
  const context = beacon.contextOf(beacon.genesisRoot)!;
  const tx = signTransaction(
    { from: sender.address, to: sender.address, amount: 5n, nonce: 0, fee: 1n, pubkey: sender.publicKey },
    sender.secretKey,
  );
  const txHash = bytesToHex(transactionHash(tx));
  const roots: string[] = [];
  for (const slot of [1, 2, 3]) {
    if (slot === 2) expect(chain.mempool.add(tx, chain.head().state, { slot }).ok).toBe(true);
    const b = proposeShard0(chain, slot, context);
    await importStored(chain, b);
    roots.push(b.root);
  }
  expect(chain.get(roots[1]!)?.txHashes).toContain(txHash);
  const slot1State = chain.get(roots[0]!)!.state;
  chain.onCrosslinked(roots[2]!);
  return { accounts, db, chain, txHash, roots, slot1State };
}

describe("ShardChain against the beacon head's crosslink", () => {
  it("knows a crosslink it has, none, or one below its own; range sync then starts after its head", async () => {
    const { chain, roots, close } = await shardChainWithBlocks();
    expect(chain.head().slot).toBe(3);
    expect(chain.hasCrosslinked({ rootHex: roots[2]!, slot: 2 })).toBe(true);
    expect(chain.hasCrosslinked({ rootHex: "00".repeat(32), slot: 0 })).toBe(true);
    expect(chain.syncStartSlot({ rootHex: roots[2]!, slot: 2 })).toBe(4);
    chain.onCrosslinked(roots[2]!);
    expect(chain.crosslinkedSlot()).toBe(2);
    // Another block at or below the crosslinked slot (a fork the beacon chain left): not a gap.
    expect(chain.hasCrosslinked({ rootHex: "ab".repeat(32), slot: 2 })).toBe(true);
    await close();
  });

  it("lacking the crosslinked block, its head is stale: sync starts after the last crosslinked block it has", async () => {
    const { chain, roots, close } = await shardChainWithBlocks();
    chain.onCrosslinked(roots[1]!);
    // The beacon head crosslinks a slot-5 block this chain never saw (say, it was down): its head (3) was
    // built on a stale parent, and range sync must refetch from slot 2, after the block crosslinked at 1.
    const unseen = "cd".repeat(32);
    expect(chain.hasCrosslinked({ rootHex: unseen, slot: 5 })).toBe(false);
    expect(chain.syncStartSlot({ rootHex: unseen, slot: 5 })).toBe(2);
    await close();
  });

  it("a beacon reorg that replaces its crosslink with an older one takes it back there: its own blocks stay, the branch it refused imports", async () => {
    const { chain, beacon, roots, close } = await shardChainWithBlocks([1, 2, 3, 4]);
    // The other side of a partition: the same blocks up to 2, then its own block at 5 on top of 2.
    const other = await shardChainWithBlocks([1, 2]);
    expect(other.roots).toEqual(roots.slice(0, 3));
    const context = beacon.contextOf(beacon.genesisRoot)!;
    const proposer = context.epochCtx.getShardProposer(0, 5);
    const fork = signedShardBlock(
      other.chain,
      5,
      proposer,
      bls.secretKeyFromBytes(interopSecretKey(proposer)),
      context,
    );

    // Crosslinked at 2, then (on a beacon branch that will lose) at 4: the fork from 2 is refused.
    chain.onCrosslinked(roots[2]!);
    chain.onCrosslinked(roots[4]!);
    expect(chain.crosslinkedSlot()).toBe(4);
    expect(chain.importBlock(fork.signed).status).not.toBe("imported");

    chain.onCrosslinked(roots[2]!); // the reorg: the beacon head's crosslink is the slot-2 block again
    await chain.revertSettled();
    expect(chain.crosslinkedSlot()).toBe(2);
    expect(chain.head().root).toBe(roots[4]); // blocks 3 (from the database) and 4 (held) replayed
    expect(chain.hasCrosslinked({ rootHex: roots[2]!, slot: 2 })).toBe(true);
    const imported = chain.importBlock(fork.signed);
    expect(imported.status).toBe("imported");
    await (imported as { persisted?: Promise<void> }).persisted;
    expect(chain.get(fork.root)?.slot).toBe(5);
    await other.close();
    await close();
  });

  it("a beacon reorg back to no crosslink at all (zero root) takes it back to genesis, its blocks replayed", async () => {
    const { chain, roots, close } = await shardChainWithBlocks([1, 2, 3]);
    chain.onCrosslinked(roots[2]!);
    expect(chain.crosslinkedSlot()).toBe(2);
    chain.onCrosslinked("00".repeat(32));
    await chain.revertSettled();
    expect(chain.crosslinkedSlot()).toBe(0);
    expect(chain.head().root).toBe(roots[3]);
    expect(chain.anchorReverted()).toBe(false); // never asks a peer for the "zero" state
    await close();
  });

  it("follows only shard blocks built on the beacon head's chain: a beacon reorg moves the shard head with it", async () => {
    // Two sides of a split: beacon block A (slot 1) on one, B (slot 2, also on genesis) on the other, and a
    // shard-0 block on each: S1 built on A, S2 built on B. Node X sees everything.
    const x = await openBeacon(tempDir("shardnet-shard-x-"));
    const y = await openBeacon(tempDir("shardnet-shard-y-"));
    const chainX = await ShardChain.open(0, x.beacon, x.db, silentLog, x.metrics);
    const chainY = await ShardChain.open(0, y.beacon, y.db, silentLog, y.metrics);
    const a = proposeAt(x.beacon, 1);
    const b = proposeAt(y.beacon, 2);
    const importBeacon = async (into: typeof x, signed: typeof a) => {
      const r = into.beacon.importBlock(signed);
      expect(r.status).toBe("imported");
      await (r as { persisted?: Promise<void> }).persisted;
      return (r as { root: string }).root;
    };
    const aRoot = await importBeacon(x, a);
    const bRoot = await importBeacon(y, b);
    const shardBlock = (chain: ShardChain, slot: number, beaconRoot: string, beacon: typeof x.beacon) =>
      proposeShard0(chain, slot, beacon.contextOf(beaconRoot)!);
    const s1 = shardBlock(chainX, 2, aRoot, x.beacon);
    const s2 = shardBlock(chainY, 3, bRoot, y.beacon);
    expect(await importBeacon(x, b)).toBe(bRoot);
    for (const s of [s1, s2]) await importStored(chainX, s);
    // The committee voted for S1 (its side had more of the shard's stake); the beacon votes pick a side.
    for (let v = 0; v < 4; v++) chainX.onAttestation(v, s1.root, 32n, 2);
    const beaconVotes = (root: string, targetEpoch: number) => {
      for (let v = 0; v < 12; v++) x.beacon.onAttestation(v, root, targetEpoch);
      x.beacon.updateHead();
      chainX.updateHead();
    };
    beaconVotes(bRoot, 0);
    expect(x.beacon.head().root).toBe(bRoot);
    expect(x.beacon.isOnHeadChain(aRoot)).toBe(false);
    expect(chainX.head().root).toBe(s2.root); // S1 has the votes, but it was built on A
    beaconVotes(aRoot, 1); // the same validators move to A (a later target)
    expect(x.beacon.head().root).toBe(aRoot);
    expect(chainX.head().root).toBe(s1.root);
    await x.db.close();
    await y.db.close();
  });

  it("going back to an older crosslink puts back in the mempool the transactions of replayed blocks fork choice no longer follows", async () => {
    const { sender, accounts } = shard0Sender();
    const x = await openBeacon(tempDir("shardnet-revert-x-"), { accounts });
    const y = await openBeacon(tempDir("shardnet-revert-y-"), { accounts });
    const chain = await ShardChain.open(0, x.beacon, x.db, silentLog, x.metrics);
    const importBeacon = async (into: typeof x, signed: ReturnType<typeof proposeAt>) => {
      const r = into.beacon.importBlock(signed);
      expect(r.status).toBe("imported");
      await (r as { persisted?: Promise<void> }).persisted;
      return (r as { root: string }).root;
    };
    const aRoot = await importBeacon(x, proposeAt(x.beacon, 1));
    const b = proposeAt(y.beacon, 2); // B: a sibling of A on genesis, from the other side
    // S1 (slot 2, built on A) includes the transfer and is crosslinked.
    const tx = signTransaction(
      { from: sender.address, to: sender.address, amount: 5n, nonce: 0, fee: 1n, pubkey: sender.publicKey },
      sender.secretKey,
    );
    const txHash = bytesToHex(transactionHash(tx));
    expect(chain.mempool.add(tx, chain.head().state, { slot: 1 }).ok).toBe(true);
    const s1 = proposeShard0(chain, 2, x.beacon.contextOf(aRoot)!);
    await importStored(chain, s1);
    expect(chain.head().root).toBe(s1.root);
    expect(chain.mempool.has(txHash)).toBe(false); // included
    chain.onCrosslinked(s1.root);
    expect(chain.crosslinkedSlot()).toBe(2);
    // The other side's beacon branch wins: no crosslink of shard 0 there, and A is off the head's chain.
    const bRoot = await importBeacon(x, b);
    for (let v = 0; v < 12; v++) x.beacon.onAttestation(v, bRoot, 0);
    x.beacon.updateHead();
    expect(x.beacon.head().root).toBe(bRoot);
    chain.onCrosslinked("00".repeat(32));
    await chain.revertSettled();
    expect(chain.crosslinkedSlot()).toBe(0);
    expect(chain.head().slot).toBe(0); // S1 replayed, but built on A: fork choice stays at genesis
    expect(chain.mempool.has(txHash)).toBe(true); // so its transfer is pending again, not lost
    await x.db.close();
    await y.db.close();
  });

  it("anchoring at a newer snapshot of another branch puts back in the mempool the transactions of this chain's crosslinked blocks", async () => {
    // Regression (chaos partition-heal, seed 16): after a heal, a node's shard chain moved from its own
    // crosslinked branch to a snapshot of the winning branch; the transfers of its crosslinked blocks, which that
    // branch never held, were neither on chain nor pending, and the sender's later transfers expired behind them.
    const { accounts, db, chain, txHash } = await chainWithTransferAtSlot2("shardnet-snapshot-other-");
    const other = await openBeacon(tempDir("shardnet-snapshot-other-side-"), { accounts });
    const otherChain = await ShardChain.open(0, other.beacon, other.db, silentLog, other.metrics);
    // The other side's branch (no transfer) up to slot 5, crosslinked on the beacon chain that won.
    let otherHead = "";
    for (const slot of [1, 2, 3, 4, 5]) {
      const b = proposeShard0(otherChain, slot, other.beacon.contextOf(other.beacon.genesisRoot)!);
      await importStored(otherChain, b);
      otherHead = b.root;
    }
    const snapshot = otherChain.get(otherHead)!.state;
    await chain.anchorAt(otherHead, snapshot, snapshot.serialize());
    expect(chain.head().root).toBe(otherHead);
    expect(chain.mempool.has(txHash)).toBe(true);
    await db.close();
    await other.db.close();
  });

  it("anchoring at an older crosslinked snapshot puts back in the mempool the transactions of the blocks it leaves", async () => {
    const {
      db,
      chain,
      txHash,
      roots,
      slot1State: older,
    } = await chainWithTransferAtSlot2("shardnet-snapshot-back-");
    expect(chain.mempool.has(txHash)).toBe(false);
    // A beacon reorg crosslinks the slot-1 block again, and this chain fetched its snapshot.
    await chain.anchorAt(roots[0]!, older, older.serialize());
    expect(chain.head().root).toBe(roots[0]);
    expect(chain.mempool.has(txHash)).toBe(true);
    await db.close();
  });
});
