/**
 * After stop: opens each stopped node's database read-only (it never creates one) and checks from disk what
 * the monitor checked through the APIs. Invariant 1: every node's stored finalized chain agrees with every
 * other's, and each finalized checkpoint the node stored or reported is on its stored chain. Invariant 5:
 * the last heads the node reported and the transfers it accepted are in its database. Invariants 2 and 3 over
 * the shard states stored as restart anchors (the only ones a node stores). The comparisons are the pure ones
 * of checks.ts.
 */
import {
  BeaconBlock,
  createGenesisBeaconState,
  createGenesisBlock,
  createShardGenesisState,
  type Genesis,
  genesisHash,
} from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import {
  NodeDb,
  type StoredBeaconWalk,
  storedBeaconBlock,
  storedBeaconHead,
  storedFinalizedAnchors,
  storedShardAnchor,
  storedShardBlock,
  storedTransaction,
  walkStoredBeaconChain,
} from "@shardnet/node";
import type { NodeStatus } from "../statusTypes.js";
import {
  type AnchorLedger,
  acknowledgedMissingOnDisk,
  anchorReceiptViolations,
  anchorSupplyViolations,
  conflictingFinalChains,
  type FinalizedCheckpointFact,
  finalizedChainOnDisk,
  finalizedTip,
  type StoredNodeFacts,
  storedChainViolations,
} from "./checks.js";
import type { InvariantName } from "./monitor.js";

/** One node as the harness knew it at stop. */
export interface NodeToAudit {
  node: string;
  dataDir: string;
  /** It ran at least once (so its database must exist). */
  started: boolean;
  /** The last status its API answered before stop. */
  lastStatus: NodeStatus | undefined;
  /** Finalized checkpoints its API reported. */
  finalizedSeen: ReadonlyArray<{ epoch: number; root: string }>;
  /** 0x hashes of the transfers it accepted (AcknowledgedTransfers). */
  transfers: readonly string[];
}

export interface DiskAuditSummary {
  node: string;
  /** Slot of the newest block of the stored canonical chain (-1: none), and where its walk started. */
  headSlot: number;
  chainFrom: StoredNodeFacts["chainFrom"];
  chainBlocks: number;
  /** The newest finalized checkpoint (-1: none beyond genesis) and whether the database held it. */
  finalizedEpoch: number;
  finalizedFrom: "disk" | "api" | "none";
  /** Its stored shard anchor states (supply and receipts are checked on them). */
  shardAnchors: Array<{ shard: number; slot: number }>;
  /** Acknowledged heads and transfers looked up, and how many were missing. */
  acknowledgedChecked: number;
  acknowledgedMissing: number;
}

export interface DiskAudit {
  violations: Array<{ invariant: InvariantName; message: string }>;
  summaries: DiskAuditSummary[];
  /** What the audit could not check, or found odd without a violation. */
  notes: string[];
}

const strip = (hex: string) => (hex.startsWith("0x") ? hex.slice(2) : hex).toLowerCase();

/** The genesis beacon block's root (hex): where every node's stored chain ends. */
export function genesisBlockRoot(genesis: Genesis): string {
  return bytesToHex(BeaconBlock.hashTreeRoot(createGenesisBlock(createGenesisBeaconState(genesis))));
}

export interface ReadOptions {
  genesisRoot: string;
  shardCount: number;
  /** Bounds every walk (a chain has at most one block per slot: the current slot + 1 is enough). */
  maxBlocks: number;
}

/** Reads one node's facts from its open database. */
export async function readStoredNode(
  db: NodeDb,
  input: NodeToAudit,
  { genesisRoot, shardCount, maxBlocks }: ReadOptions,
): Promise<{ facts: StoredNodeFacts; notes: string[] }> {
  const notes: string[] = [];
  const checkpoints: FinalizedCheckpointFact[] = [];
  const slotOf = async (root: string) => (await storedBeaconBlock(db, root))?.slot;
  for (const a of await storedFinalizedAnchors(db))
    checkpoints.push({
      epoch: a.epoch,
      root: strip(a.root),
      source: "disk",
      storedSlot: await slotOf(a.root),
    });
  const seen = new Set<string>();
  for (const f of input.finalizedSeen) {
    const root = strip(f.root);
    if (f.epoch === 0 || seen.has(`${f.epoch}/${root}`)) continue;
    seen.add(`${f.epoch}/${root}`);
    checkpoints.push({ epoch: f.epoch, root, source: "api", storedSlot: await slotOf(root) });
  }
  const tip = finalizedTip(checkpoints);

  // The canonical chain: from the head the last import wrote, else from the last head the API reported (a
  // head that votes moved is not written until the next import), else from the finalized block itself.
  const storedHead = await storedBeaconHead(db);
  const reportedHead = input.lastStatus && strip(input.lastStatus.head.root);
  let walk: StoredBeaconWalk = { blocks: [], end: "parent_missing" };
  let chainFrom: StoredNodeFacts["chainFrom"] = "none";
  const starts: Array<[StoredNodeFacts["chainFrom"], string | undefined]> = [
    ["stored_head", storedHead],
    ["reported_head", reportedHead],
    ["finalized", tip?.root],
  ];
  for (const [from, root] of starts) {
    if (root === undefined || root === genesisRoot) continue;
    const w = await walkStoredBeaconChain(db, root, maxBlocks);
    if (w.blocks.length === 0) continue;
    walk = w;
    chainFrom = from;
    if (!tip || w.blocks.some((b) => b.root === tip.root)) break;
  }
  if (tip && chainFrom !== "stored_head" && storedHead !== undefined)
    notes.push(
      `${input.node}: its stored head 0x${storedHead.slice(0, 10)} does not descend from its finalized epoch ${tip.epoch} (0x${tip.root.slice(0, 10)}); the chain was walked from the ${chainFrom === "finalized" ? "finalized block" : "last head its API reported"}`,
    );
  if (walk.end === "limit")
    notes.push(`${input.node}: its stored chain was walked for ${maxBlocks} blocks only (the limit)`);

  const status = input.lastStatus;
  const beaconHead =
    status && status.head.slot > 0
      ? {
          slot: status.head.slot,
          root: strip(status.head.root),
          stored: (await slotOf(status.head.root)) !== undefined,
        }
      : undefined;
  const shardHeads = [];
  for (const h of status?.shardHeads ?? [])
    if (h.slot > 0)
      shardHeads.push({
        shard: h.shard,
        slot: h.slot,
        root: strip(h.root),
        stored: await storedShardBlock(db, h.shard, h.root),
      });
  const transfers = [];
  for (const hash of input.transfers)
    transfers.push({ hash: strip(hash), stored: await storedTransaction(db, hash) });

  const shardAnchors: AnchorLedger[] = [];
  const shards = Array.from({ length: shardCount }, (_, i) => i);
  for (const shard of shards) {
    const anchor = await storedShardAnchor(db, shard);
    if (!anchor) continue;
    const { state } = anchor;
    shardAnchors.push({
      shard,
      node: input.node,
      slot: state.slot,
      root: anchor.root,
      balances: state.totalBalance(),
      feesBurned: state.feesBurned,
      depositsPaid: state.sentAmount(state.beaconOutbox),
      withdrawalsCredited: state.creditedAmount(state.beaconOutbox),
      sent: shards.map((dest) => ({ count: state.outboxLength(dest), amount: state.sentAmount(dest) })),
      credited: shards.map((source) => ({
        count: state.inboxCursor(source),
        amount: state.creditedAmount(source),
      })),
    });
  }

  return {
    facts: {
      node: input.node,
      genesisRoot,
      ...(storedHead === undefined
        ? {}
        : { storedHead: { root: storedHead, stored: (await slotOf(storedHead)) !== undefined } }),
      chain: walk.blocks,
      chainFrom,
      chainEnd: chainFrom === "none" ? "none" : walk.end,
      ...(walk.missingRoot === undefined ? {} : { chainMissingRoot: walk.missingRoot }),
      checkpoints,
      shardAnchors,
      acknowledged: { ...(beaconHead ? { beaconHead } : {}), shardHeads, transfers },
    },
    notes,
  };
}

/**
 * Audits every stopped node's database. A node that never started has none (noted); one that started and
 * whose database cannot be opened lost what it acknowledged (a durability violation).
 */
export async function auditNodeDatabases(
  nodes: readonly NodeToAudit[],
  genesis: Genesis,
  maxBlocks: number,
): Promise<DiskAudit> {
  const genesisHashHex = bytesToHex(genesisHash(genesis));
  const shardCount = genesis.preset.SHARD_COUNT;
  const read = { genesisRoot: genesisBlockRoot(genesis), shardCount, maxBlocks };
  const audit: DiskAudit = { violations: [], summaries: [], notes: [] };
  const finalChains = new Map<string, ReturnType<typeof finalizedChainOnDisk>>();
  const ledgers: AnchorLedger[] = [];
  for (const input of nodes) {
    if (!input.started) {
      audit.notes.push(`${input.node}: never started, no database to audit`);
      continue;
    }
    let db: NodeDb;
    try {
      db = await NodeDb.openExisting(input.dataDir, genesisHashHex);
    } catch (err) {
      audit.violations.push({
        invariant: "durability",
        message: `${input.node}: its database could not be opened after stop: ${(err as Error).message}`,
      });
      continue;
    }
    let found: Awaited<ReturnType<typeof readStoredNode>>;
    try {
      found = await readStoredNode(db, input, read);
    } catch (err) {
      audit.violations.push({
        invariant: "durability",
        message: `${input.node}: its database at ${input.dataDir} could not be read after stop: ${(err as Error).message}`,
      });
      continue;
    } finally {
      await db.close();
    }
    const { facts } = found;
    audit.notes.push(...found.notes);
    ledgers.push(...facts.shardAnchors);
    for (const v of storedChainViolations(facts)) audit.violations.push(v);
    const missing = acknowledgedMissingOnDisk(facts);
    for (const message of missing) audit.violations.push({ invariant: "durability", message });
    finalChains.set(input.node, finalizedChainOnDisk(facts));
    const tip = finalizedTip(facts.checkpoints);
    const { beaconHead, shardHeads, transfers } = facts.acknowledged;
    audit.summaries.push({
      node: input.node,
      headSlot: facts.chain[0]?.slot ?? -1,
      chainFrom: facts.chainFrom,
      chainBlocks: facts.chain.length,
      finalizedEpoch: tip?.epoch ?? -1,
      finalizedFrom: tip?.source ?? "none",
      shardAnchors: facts.shardAnchors.map(({ shard, slot }) => ({ shard, slot })),
      acknowledgedChecked: (beaconHead ? 1 : 0) + shardHeads.length + transfers.length,
      acknowledgedMissing: missing.length,
    });
  }
  const genesisByShard = Array.from({ length: shardCount }, (_, shard) =>
    createShardGenesisState(shard, shardCount, genesis.accounts).totalBalance(),
  );
  for (const message of anchorSupplyViolations(ledgers, genesisByShard))
    audit.violations.push({ invariant: "supply", message });
  for (const message of anchorReceiptViolations(ledgers))
    audit.violations.push({ invariant: "receipts", message });
  for (const message of conflictingFinalChains(finalChains))
    audit.violations.push({ invariant: "safety", message: `stored finalized chains differ: ${message}` });
  return audit;
}
