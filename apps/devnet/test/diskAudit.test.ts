import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  blockSigningRoot,
  computeEpochAtSlot,
  createInteropGenesis,
  genesisHash,
  produceBlock,
  SignedBeaconBlock,
  type SignedBeaconBlockValue,
  shardOf,
  signRandaoReveal,
  signTransaction,
  transactionHash,
} from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey, getBls, interopSecretKey } from "@shardnet/crypto";
import { BeaconChain, createLogger, NodeDb, NodeMetrics, ShardChain } from "@shardnet/node";
import { afterEach, describe, expect, it } from "vitest";
import { auditNodeDatabases, type NodeToAudit } from "../src/chaos/diskAudit.js";
import type { NodeStatus } from "../src/statusTypes.js";

const bls = getBls();
const log = createLogger({ level: "silent", name: "disk-audit-test" });
const sender = Array.from({ length: 8 }, (_, i) => devAccountKey(i))
  .map((k) => ({ ...k, address: addressFromPubkey(k.publicKey) }))
  .find((a) => shardOf(a.address, 2) === 0)!;
const genesis = createInteropGenesis({
  network: "test",
  validatorCount: 16,
  genesisTime: 0,
  presetName: "local",
  presetOverrides: { SHARD_COUNT: 2 },
  accounts: [{ address: sender.address, balance: 1_000_000n }],
});
const S = genesis.preset.SLOTS_PER_EPOCH;
const short = (root: string) => `0x${root.slice(0, 10)}`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A node's database in a temp dir, written by the node's own chains (beacon, shard 0). */
async function openStore(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `shardnet-disk-audit-${name}-`));
  dirs.push(dir);
  const dataDir = join(dir, "db");
  const db = await NodeDb.open(dataDir, bytesToHex(genesisHash(genesis)));
  const metrics = new NodeMetrics();
  const beacon = await BeaconChain.open(genesis, db, log, metrics, bls);
  const shard0 = await ShardChain.open(0, beacon, db, log, metrics);
  return { name, dataDir, db, beacon, shard0 };
}
type Store = Awaited<ReturnType<typeof openStore>>;

/** The interop proposer's beacon block at `slot` on the head of `store`. */
function propose(store: Store, slot: number): SignedBeaconBlockValue {
  const pre = store.beacon.headStateAt(slot);
  const proposer = pre.epochCtx.getBeaconProposer(slot);
  const sk = bls.secretKeyFromBytes(interopSecretKey(proposer));
  const epoch = computeEpochAtSlot(genesis.preset, slot);
  const { block } = produceBlock(pre, {
    slot,
    randaoReveal: signRandaoReveal(sk, pre.state.genesisRoot, epoch),
  });
  return { message: block, signature: sk.sign(blockSigningRoot(pre, block)).toBytes() };
}

/** Imports `signed` into each store (on disk unless `persist` is false); returns its root. */
async function importInto(stores: Store[], signed: SignedBeaconBlockValue, persist = true): Promise<string> {
  let root = "";
  for (const s of stores) {
    const r = s.beacon.importBlock(signed, persist ? {} : { persist: false });
    expect(r.status).toBe("imported");
    await r.persisted;
    root = r.root;
  }
  return root;
}

/** Beacon blocks at `slots` produced on `producer` and imported into `stores` (the producer first). */
async function beaconBlocks(producer: Store, stores: Store[], slots: number[]): Promise<Map<number, string>> {
  const roots = new Map<number, string>();
  for (const slot of slots) roots.set(slot, await importInto([producer, ...stores], propose(producer, slot)));
  return roots;
}

/** A shard-0 block at `slot` on `producer`'s beacon head, including a transfer; imported into `stores`. */
async function shardBlockWithTransfer(producer: Store, stores: Store[], slot: number) {
  const tx = signTransaction(
    { from: sender.address, to: sender.address, amount: 5n, nonce: 0, fee: 1n, pubkey: sender.publicKey },
    sender.secretKey,
  );
  const chain = producer.shard0;
  expect(chain.mempool.add(tx, chain.head().state, { slot }).ok).toBe(true);
  const context = producer.beacon.contextOf(producer.beacon.head().root)!;
  const proposer = context.epochCtx.getShardProposer(0, slot);
  const { block, signingRoot, root } = chain.produce(slot, proposer, context);
  const signed = {
    message: block,
    signature: bls.secretKeyFromBytes(interopSecretKey(proposer)).sign(signingRoot).toBytes(),
  };
  for (const s of [producer, ...stores]) {
    const r = s.shard0.importBlock(signed);
    expect(r.status).toBe("imported");
    await (r as { persisted?: Promise<void> }).persisted;
  }
  return { root, txHash: `0x${bytesToHex(transactionHash(tx))}` };
}

/** The parts of a status the audit reads; the rest as a node at `head` would answer. */
function status(
  name: string,
  head: { slot: number; root: string },
  finalized: { epoch: number; root: string },
  shardHeads: NodeStatus["shardHeads"] = [],
): NodeStatus {
  return {
    name,
    role: "shard",
    peerId: "",
    listenAddrs: [],
    slot: head.slot,
    epoch: computeEpochAtSlot(genesis.preset, head.slot),
    head: { slot: head.slot, root: `0x${head.root}` },
    justified: { epoch: finalized.epoch, root: `0x${finalized.root}` },
    finalized: { epoch: finalized.epoch, root: `0x${finalized.root}` },
    peers: 1,
    trackedShards: [0],
    validators: [],
    syncing: false,
    health: { status: "ok", syncing: false },
    shardSync: [],
    shardHeads,
    crosslinkCounts: [0, 0],
    restoredFrom: { anchorSlot: 0, replayedBlocks: 0 },
  };
}

/** What the harness knows of a stopped node that reported `head` and finalized `finalized` (after closing it). */
async function stopped(
  store: Store,
  head: { slot: number; root: string },
  finalized: Array<{ epoch: number; root: string }>,
  extra: { shardHeads?: NodeStatus["shardHeads"]; transfers?: string[] } = {},
): Promise<NodeToAudit> {
  await store.beacon.settled();
  await store.shard0.settled();
  await store.db.close();
  const last = finalized.at(-1) ?? { epoch: 0, root: store.beacon.genesisRoot };
  return {
    node: store.name,
    dataDir: store.dataDir,
    started: true,
    lastStatus: status(store.name, head, last, extra.shardHeads),
    finalizedSeen: [
      { epoch: 0, root: `0x${store.beacon.genesisRoot}` },
      ...finalized.map((f) => ({ ...f, root: `0x${f.root}` })),
    ],
    transfers: extra.transfers ?? [],
  };
}

const slots = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("disk audit of stopped nodes' databases", () => {
  it("passes two nodes that stored the same finalized chain, everything they acknowledged and a whole supply", async () => {
    const a = await openStore("a");
    const b = await openStore("b");
    const roots = await beaconBlocks(a, [b], slots(1, 2));
    const shard = await shardBlockWithTransfer(a, [b], 2);
    // a stores the shard block as its restart anchor (as it does once a crosslink of it is finalized).
    expect(await a.shard0.persistAnchor(shard.root, 2)).toBe(true);
    for (const [slot, root] of await beaconBlocks(a, [b], slots(3, S + 2))) roots.set(slot, root);
    const head = { slot: S + 2, root: roots.get(S + 2)! };
    const finalized = [{ epoch: 1, root: roots.get(S)! }];
    const shardHeads = [{ shard: 0, slot: 2, root: `0x${shard.root}` }];
    const nodes = [
      await stopped(a, head, finalized, { shardHeads, transfers: [shard.txHash] }),
      await stopped(b, head, finalized, { shardHeads }),
      {
        node: "never",
        dataDir: join(tmpdir(), "shardnet-disk-audit-never-started"),
        started: false,
        lastStatus: undefined,
        finalizedSeen: [],
        transfers: [],
      },
    ];

    const audit = await auditNodeDatabases(nodes, genesis, 100);
    expect(audit.violations).toEqual([]);
    expect(audit.notes).toEqual(["never: never started, no database to audit"]);
    expect(existsSync(nodes[2]!.dataDir)).toBe(false);
    expect(audit.summaries.find((s) => s.node === "a")).toEqual({
      node: "a",
      headSlot: S + 2,
      chainFrom: "stored_head",
      chainBlocks: S + 2,
      finalizedEpoch: 1,
      finalizedFrom: "api",
      shardAnchors: [{ shard: 0, slot: 2 }],
      acknowledgedChecked: 3,
      acknowledgedMissing: 0,
    });
  });

  it("fails a node whose database lacks a beacon block and a transfer it acknowledged, and one whose database is gone", async () => {
    const c = await openStore("c");
    const roots = await beaconBlocks(c, [], slots(1, S + 1));
    // The block at S + 2 is imported but never written: what a node that acknowledges too early loses.
    const lost = await importInto([c], propose(c, S + 2), false);
    const neverStored = `0x${"cd".repeat(32)}`;
    const node = await stopped(c, { slot: S + 2, root: lost }, [{ epoch: 1, root: roots.get(S)! }], {
      transfers: [neverStored],
    });
    const gone = { ...node, node: "gone", dataDir: join(node.dataDir, "..", "no-such-db") };

    const audit = await auditNodeDatabases([node, gone], genesis, 100);
    expect(audit.violations.map((v) => v.invariant)).toEqual(["durability", "durability", "durability"]);
    const messages = audit.violations.map((v) => v.message);
    expect(messages[0]).toBe(
      `c reported beacon head ${short(lost)} at slot ${S + 2} through its API; the block is not in its database`,
    );
    expect(messages[1]).toBe(
      `c accepted transfer ${neverStored}; it is neither in its database's transaction index nor in its journal`,
    );
    expect(messages[2]).toMatch(
      /^gone: its database could not be opened after stop: no database at .*no-such-db/,
    );
    expect(existsSync(gone.dataDir)).toBe(false);
  });

  it("fails two nodes whose stored finalized chains differ", async () => {
    const a = await openStore("a");
    const d = await openStore("d");
    const shared = await beaconBlocks(a, [d], slots(1, S - 2));
    const aRoots = await beaconBlocks(a, [], slots(S - 1, S + 2));
    // d skips slot S - 1: its block at S has another parent, hence another root.
    const dRoots = await beaconBlocks(d, [], slots(S, S + 2));
    expect(dRoots.get(S)).not.toBe(aRoots.get(S));
    expect(shared.size).toBe(S - 2);
    const nodes = [
      await stopped(a, { slot: S + 2, root: aRoots.get(S + 2)! }, [{ epoch: 1, root: aRoots.get(S)! }]),
      await stopped(d, { slot: S + 2, root: dRoots.get(S + 2)! }, [{ epoch: 1, root: dRoots.get(S)! }]),
    ];

    const audit = await auditNodeDatabases(nodes, genesis, 100);
    expect(audit.violations).toEqual([
      {
        invariant: "safety",
        message: `stored finalized chains differ: finalized beacon slot ${S}: ${short(aRoots.get(S)!)} on a, ${short(dRoots.get(S)!)} on d`,
      },
    ]);
  });

  it("fails a node whose stored finalized checkpoints are not on one chain", async () => {
    const a = await openStore("a");
    const d = await openStore("d");
    await beaconBlocks(a, [d], slots(1, S - 2));
    const aRoots = await beaconBlocks(a, [], slots(S - 1, S + 2));
    const dRoots = await beaconBlocks(d, [], slots(S, S + 2));
    // a also stores d's branch as a fork; it reports epoch 1 on its own branch, then epoch 2 on d's.
    for (const slot of slots(S, S + 2)) {
      const bytes = await d.beacon.blockBytesByRoot(dRoots.get(slot)!);
      await importInto([a], SignedBeaconBlock.deserialize(bytes!));
    }
    const node = await stopped(a, { slot: S + 2, root: aRoots.get(S + 2)! }, [
      { epoch: 1, root: aRoots.get(S)! },
      { epoch: 2, root: dRoots.get(S + 2)! },
    ]);
    await d.db.close();

    const audit = await auditNodeDatabases([node], genesis, 100);
    expect(audit.violations).toEqual([
      {
        invariant: "safety",
        message: `a: finalized epoch 1 (block ${short(aRoots.get(S)!)}, reported by its API) at slot ${S} is not on its stored canonical chain, which has ${short(dRoots.get(S)!)} at slot ${S}`,
      },
    ]);
  });
});
