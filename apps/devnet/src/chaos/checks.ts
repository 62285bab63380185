/**
 * The five invariants of DESIGN.md §9 as pure checks over what the chaos monitor read from the nodes (and,
 * after stop, what the disk audit read from their databases). Each returns the violations it finds, as
 * sentences that name the nodes, slots and roots involved.
 */
import type { StoredBeaconBlock, StoredBeaconWalk } from "@shardnet/node";

/** A beacon block on a node's canonical chain, with the crosslinks it includes. */
export interface ChainBlock {
  slot: number;
  root: string;
  crosslinks: Array<{ shard: number; slot: number; shardBlockRoot: string }>;
  proposerSlashings: number;
  attesterSlashings: number;
}

/** Invariant 1, beacon side: a finalized checkpoint epoch never has two roots, on any node at any time. */
export function conflictingFinalizedCheckpoints(
  seen: ReadonlyArray<{ node: string; epoch: number; root: string }>,
): string[] {
  const byEpoch = new Map<number, Map<string, string>>();
  for (const s of seen) {
    const roots = byEpoch.get(s.epoch) ?? new Map<string, string>();
    if (!roots.has(s.root)) roots.set(s.root, s.node);
    byEpoch.set(s.epoch, roots);
  }
  const out: string[] = [];
  for (const [epoch, roots] of byEpoch) {
    if (roots.size > 1)
      out.push(
        `finalized epoch ${epoch} has ${roots.size} roots: ${[...roots].map(([r, n]) => `${r.slice(0, 12)} (${n})`).join(", ")}`,
      );
  }
  return out;
}

/** Invariant 1: a node's finalized epoch never goes back (a restart resumes from what it had finalized). */
export function finalityReverted(
  history: ReadonlyArray<{ node: string; epoch: number; slot: number }>,
): string[] {
  const best = new Map<string, number>();
  const out: string[] = [];
  for (const h of history) {
    const before = best.get(h.node) ?? 0;
    if (h.epoch < before)
      out.push(`${h.node} reported finalized epoch ${h.epoch} at slot ${h.slot} after epoch ${before}`);
    best.set(h.node, Math.max(before, h.epoch));
  }
  return out;
}

/**
 * Invariant 1 over the finalized chains themselves: nodes' canonical beacon blocks at or below every
 * node's finalized slot are the same, and so are the shard blocks their crosslinks make final (one root per
 * shard and slot).
 */
export function conflictingFinalChains(chains: ReadonlyMap<string, readonly ChainBlock[]>): string[] {
  const out: string[] = [];
  const bySlot = new Map<number, { root: string; node: string }>();
  const finalShardBlocks = new Map<string, { root: string; node: string }>();
  for (const [node, blocks] of chains) {
    for (const b of blocks) {
      const other = bySlot.get(b.slot);
      if (other && other.root !== b.root)
        out.push(
          `finalized beacon slot ${b.slot}: ${other.root.slice(0, 12)} on ${other.node}, ${b.root.slice(0, 12)} on ${node}`,
        );
      else if (!other) bySlot.set(b.slot, { root: b.root, node });
      for (const c of b.crosslinks) {
        const key = `${c.shard}/${c.slot}`;
        const seen = finalShardBlocks.get(key);
        if (seen && seen.root !== c.shardBlockRoot)
          out.push(
            `final shard ${c.shard} block at slot ${c.slot}: ${seen.root.slice(0, 12)} on ${seen.node}, ${c.shardBlockRoot.slice(0, 12)} on ${node}`,
          );
        else if (!seen) finalShardBlocks.set(key, { root: c.shardBlockRoot, node });
      }
    }
  }
  return out;
}

/** One shard's supply ledger from a node (GET /v1/shards/{shard}/supply). */
export interface ShardSupply {
  shard: number;
  node: string;
  balances: bigint;
  feesBurned: bigint;
  /** Stake paid to the beacon chain by deposits (the beacon outbox's amount). */
  depositsPaid: bigint;
  /** Stake the beacon chain sent back (withdrawals) that this shard credited. */
  withdrawalsCredited: bigint;
  /** By destination: receipts sent and their amount. */
  sent: Array<{ count: number; amount: bigint }>;
  /** By source: receipts credited (the inbox cursor) and their amount. */
  credited: Array<{ count: number; amount: bigint }>;
}

/** GET /v1/shards/{shard}/supply as the node serves it (amounts as decimal strings). */
export interface ShardSupplyJson {
  shard: number;
  balances: string;
  feesBurned: string;
  depositsPaid: { count: number; amount: string };
  withdrawalsCredited: { count: number; amount: string };
  sent: Array<{ dest: number; count: number; amount: string }>;
  credited: Array<{ source: number; count: number; amount: string }>;
}

/** One shard's ledger from its supply route's JSON, as `node` reported it. */
export function shardSupplyFromJson(node: string, j: ShardSupplyJson): ShardSupply {
  return {
    shard: j.shard,
    node,
    balances: BigInt(j.balances),
    feesBurned: BigInt(j.feesBurned),
    depositsPaid: BigInt(j.depositsPaid.amount),
    withdrawalsCredited: BigInt(j.withdrawalsCredited.amount),
    sent: j.sent.map((s) => ({ count: s.count, amount: BigInt(s.amount) })),
    credited: j.credited.map((c) => ({ count: c.count, amount: BigInt(c.amount) })),
  };
}

/**
 * Invariant 2: balances + fees burned + deposits paid − withdrawals credited + receipts in flight (sent −
 * credited, over every pair of shards) = genesis supply. `supplies` holds one ledger per shard.
 */
export function supplyViolation(supplies: readonly ShardSupply[], genesisSupply: bigint): string | undefined {
  let total = 0n;
  for (const s of supplies) total += shardLedgerTotal(s);
  return total === genesisSupply
    ? undefined
    : `supply ${total} != genesis supply ${genesisSupply} (shards ${supplies.map((s) => `${s.shard} from ${s.node}`).join(", ")})`;
}

/** One shard's ledger: balances + fees burned + deposits paid − withdrawals credited + sent − credited. */
export function shardLedgerTotal(s: ShardSupply): bigint {
  let total = s.balances + s.feesBurned + s.depositsPaid - s.withdrawalsCredited;
  for (const sent of s.sent) total += sent.amount;
  for (const credited of s.credited) total -= credited.amount;
  return total;
}

/**
 * Invariant 3: no shard credited more receipts, or more value, from a source than the source has sent it.
 * `credited` must be read before `sent` (a source only ever sends more), so a credit never looks early
 * because of the order of the reads.
 */
export function receiptViolations(credited: readonly ShardSupply[], sent: readonly ShardSupply[]): string[] {
  const out: string[] = [];
  for (const dest of credited) {
    for (const source of sent) {
      if (source.shard === dest.shard) continue;
      const c = dest.credited[source.shard];
      const s = source.sent[dest.shard];
      if (!c || !s) continue;
      if (c.count > s.count || c.amount > s.amount)
        out.push(
          `shard ${dest.shard} (${dest.node}) credited ${c.count} receipts (${c.amount}) from shard ${source.shard}, which sent ${s.count} (${s.amount}) (${source.node})`,
        );
    }
  }
  return out;
}

/**
 * Invariant 4's record: the shards crosslinked by the blocks of each epoch (a crosslink counts in the epoch of
 * the beacon block that includes it), and the longest run of slots a shard went without one.
 */
export function crosslinksPerEpoch(
  blocks: readonly ChainBlock[],
  slotsPerEpoch: number,
  shards: number,
): { byEpoch: Map<number, Set<number>>; longestGapSlots: number; gapShard: number; gapEndSlot: number } {
  const byEpoch = new Map<number, Set<number>>();
  const lastSlot = new Array<number>(shards).fill(0);
  let longestGapSlots = 0;
  let gapShard = -1;
  let gapEndSlot = 0;
  for (const b of [...blocks].sort((x, y) => x.slot - y.slot)) {
    const epoch = Math.floor(b.slot / slotsPerEpoch);
    const set = byEpoch.get(epoch) ?? new Set<number>();
    for (const c of b.crosslinks) {
      set.add(c.shard);
      const gap = b.slot - (lastSlot[c.shard] ?? 0);
      if (gap > longestGapSlots) {
        longestGapSlots = gap;
        gapShard = c.shard;
        gapEndSlot = b.slot;
      }
      lastSlot[c.shard] = b.slot;
    }
    byEpoch.set(epoch, set);
  }
  return { byEpoch, longestGapSlots, gapShard, gapEndSlot };
}

/**
 * Finality stall: the most epochs finality lagged beyond its normal two (a checkpoint finalizes two epochs
 * after its own), over samples taken in the second half of each epoch.
 */
export function finalityStallEpochs(
  samples: ReadonlyArray<{ wallEpoch: number; finalized: number }>,
): number {
  let worst = 0;
  for (const s of samples) worst = Math.max(worst, s.wallEpoch - s.finalized - 2);
  return worst;
}

/** Every shard crosslinked in every epoch of [from, to] (from the end-of-run chain walk). */
export function crosslinkedEveryEpoch(
  epochs: Record<number, number[]>,
  from: number,
  to: number,
  shards: number,
): { ok: boolean; missing: string[] } {
  const missing: string[] = [];
  for (let e = from; e <= to; e++)
    for (let s = 0; s < shards; s++)
      if (!(epochs[e] ?? []).includes(s)) missing.push(`shard ${s} epoch ${e}`);
  return { ok: missing.length === 0, missing };
}

/**
 * What the disk audit (diskAudit.ts) read from one stopped node's database, with every lookup resolved.
 * Roots and hashes are hex without 0x.
 */
export interface StoredNodeFacts {
  node: string;
  /** The genesis beacon block's root: never stored, where every stored chain ends. */
  genesisRoot: string;
  /** The head its last block import wrote (meta `beacon_head`), and whether that block is stored. */
  storedHead?: { root: string; stored: boolean };
  /** The node's canonical beacon chain on disk, newest first. */
  chain: readonly StoredBeaconBlock[];
  /**
   * Where the walk of `chain` started: the head the last import wrote (meta `beacon_head`), the last head the
   * API reported, or, when neither descends from the finalized checkpoint, the finalized block itself.
   */
  chainFrom: "stored_head" | "reported_head" | "finalized" | "none";
  chainEnd: StoredBeaconWalk["end"] | "none";
  chainMissingRoot?: string;
  /**
   * Finalized checkpoints (epoch > 0) of the node: the anchors in its database and those its API reported,
   * each with the slot of its block when the block is stored.
   */
  checkpoints: ReadonlyArray<FinalizedCheckpointFact>;
  /** The supply ledgers of its stored shard anchor states (one per shard it stored an anchor for). */
  shardAnchors: readonly AnchorLedger[];
  /** What the node acknowledged through its API before stop, and whether its database holds it. */
  acknowledged: {
    beaconHead?: { slot: number; root: string; stored: boolean };
    shardHeads: ReadonlyArray<{
      shard: number;
      slot: number;
      root: string;
      stored: "block" | "anchor_state" | undefined;
    }>;
    transfers: ReadonlyArray<{ hash: string; stored: "included" | "journal" | undefined }>;
  };
}

export interface FinalizedCheckpointFact {
  epoch: number;
  root: string;
  source: "disk" | "api";
  storedSlot: number | undefined;
}

const short = (root: string) => `0x${root.slice(0, 10)}`;

/** The newest of a node's finalized checkpoints (a stored anchor before an API report of the same epoch). */
export function finalizedTip<T extends { epoch: number; source: "disk" | "api" }>(
  checkpoints: readonly T[],
): T | undefined {
  let tip: T | undefined;
  for (const c of checkpoints)
    if (!tip || c.epoch > tip.epoch || (c.epoch === tip.epoch && c.source === "disk" && tip.source === "api"))
      tip = c;
  return tip;
}

/**
 * Invariant 1 from disk: the node's stored canonical blocks from its newest finalized checkpoint down, oldest
 * first, as conflictingFinalChains compares them (empty when nothing is finalized or the block is not on the
 * stored chain: storedChainViolations says so).
 */
export function finalizedChainOnDisk(f: StoredNodeFacts): ChainBlock[] {
  const tip = finalizedTip(f.checkpoints);
  if (!tip) return [];
  const at = f.chain.findIndex((b) => b.root === tip.root);
  if (at < 0) return [];
  return f.chain
    .slice(at)
    .reverse()
    .map((b) => ({
      slot: b.slot,
      root: `0x${b.root}`,
      crosslinks: b.crosslinks.map((c) => ({ ...c, shardBlockRoot: `0x${c.shardBlockRoot}` })),
      proposerSlashings: b.proposerSlashings,
      attesterSlashings: b.attesterSlashings,
    }));
}

/**
 * Invariants 1 and 5 over one node's stored chain: it reaches genesis without a gap, and every finalized
 * checkpoint of the node (stored anchor or API report) is a stored block on it.
 */
export function storedChainViolations(
  f: StoredNodeFacts,
): Array<{ invariant: "safety" | "durability"; message: string }> {
  const out: Array<{ invariant: "safety" | "durability"; message: string }> = [];
  const lowest = f.chain.at(-1);
  const gap = f.chainEnd === "parent_missing" && f.chainMissingRoot !== f.genesisRoot;
  if (gap && lowest)
    out.push({
      invariant: "durability",
      message: `${f.node}: its stored beacon chain breaks below slot ${lowest.slot}: the parent ${short(f.chainMissingRoot ?? "")} of block ${short(lowest.root)} is not in its database`,
    });
  if (f.chainEnd === "slot_order" && lowest)
    out.push({
      invariant: "durability",
      message: `${f.node}: the stored parent of beacon block ${short(lowest.root)} at slot ${lowest.slot} is not at a lower slot: its database is corrupt`,
    });
  if (f.storedHead && !f.storedHead.stored)
    out.push({
      invariant: "durability",
      message: `${f.node}: its stored beacon head (meta beacon_head) names block ${short(f.storedHead.root)}, which is not in its database`,
    });
  const onChain = new Map(f.chain.map((b) => [b.root, b]));
  for (const c of f.checkpoints) {
    const what = `finalized epoch ${c.epoch} (block ${short(c.root)}, ${c.source === "api" ? "reported by its API" : "its stored anchor"})`;
    if (c.storedSlot === undefined) {
      out.push({ invariant: "durability", message: `${f.node}: ${what} is not in its database` });
      continue;
    }
    if (onChain.has(c.root)) continue;
    if (gap && lowest && c.storedSlot < lowest.slot) continue; // below the gap: reported above
    const there = f.chain.find((b) => b.slot <= c.storedSlot!);
    out.push({
      invariant: "safety",
      message: `${f.node}: ${what} at slot ${c.storedSlot} is not on its stored canonical chain${there ? `, which has ${short(there.root)} at slot ${there.slot}` : ""}`,
    });
  }
  return out;
}

/** Invariant 5 after stop: every head and transfer the node acknowledged through its API is in its database. */
export function acknowledgedMissingOnDisk(f: StoredNodeFacts): string[] {
  const out: string[] = [];
  const head = f.acknowledged.beaconHead;
  if (head && head.slot > 0 && !head.stored)
    out.push(
      `${f.node} reported beacon head ${short(head.root)} at slot ${head.slot} through its API; the block is not in its database`,
    );
  for (const h of f.acknowledged.shardHeads)
    if (h.slot > 0 && h.stored === undefined)
      out.push(
        `${f.node} reported shard ${h.shard} head ${short(h.root)} at slot ${h.slot} through its API; neither the block nor an anchor state of it is in its database`,
      );
  for (const t of f.acknowledged.transfers)
    if (t.stored === undefined)
      out.push(
        `${f.node} accepted transfer 0x${t.hash}; it is neither in its database's transaction index nor in its journal`,
      );
  return out;
}

/** A shard's supply ledger in a node's stored restart anchor state, at the anchor's slot. */
export interface AnchorLedger extends ShardSupply {
  slot: number;
  root: string;
}

/**
 * Invariant 2 from disk: in every stored shard anchor state, balances + fees burned + receipts sent − receipts
 * credited equals the shard's genesis allocation. That is each shard's own share of supplyViolation's sum, and
 * it holds at any slot, so anchors stored at different slots still add up to the genesis supply.
 */
export function anchorSupplyViolations(
  ledgers: readonly AnchorLedger[],
  genesisByShard: readonly bigint[],
): string[] {
  const out: string[] = [];
  for (const l of ledgers) {
    const total = shardLedgerTotal(l);
    const genesis = genesisByShard[l.shard];
    if (total !== genesis)
      out.push(
        `${l.node}'s stored shard ${l.shard} anchor state (slot ${l.slot}, block ${short(l.root)}): balances + fees burned + deposits paid − withdrawals credited + sent − credited = ${total}, not the shard's genesis allocation ${genesis}`,
      );
  }
  return out;
}

/**
 * Invariant 3 from disk: no stored anchor state credited more receipts, or more value, from a source than a
 * stored anchor state of that source at the same or a later slot had sent it (a receipt is credited only after
 * its source block was crosslinked, at a lower slot). A source anchor older than the destination's proves
 * nothing either way and is skipped.
 */
export function anchorReceiptViolations(ledgers: readonly AnchorLedger[]): string[] {
  const out: string[] = [];
  for (const dest of ledgers)
    for (const source of ledgers) {
      if (source.shard === dest.shard || source.slot < dest.slot) continue;
      for (const v of receiptViolations([dest], [source]))
        out.push(`${v}, in stored anchor states at slots ${dest.slot} and ${source.slot}`);
    }
  return out;
}
