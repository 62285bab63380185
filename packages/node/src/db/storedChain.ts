import { type ShardState, SignedBeaconBlock, shardStateFromBytes } from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";
import { type BeaconAnchorKey, listBeaconAnchors, shardAnchorMeta } from "../chain/anchorStore.js";
import { concatKey, type NodeDb, uint64Key } from "./nodeDb.js";

/**
 * Read-only lookups of what a node's database holds, for audits of a stopped node (the chaos harness checks
 * DESIGN.md §9's invariants from them). The layouts are the writers': BeaconChain (`beaconBlocks` by root,
 * meta `beacon_head`), anchorStore (`beaconStates`, meta `shard_anchor_{s}`), ShardChain (`shardBlocks` and
 * `shardStates` by shard ‖ root, `transactions` by transaction hash ‖ block root) and TxJournal (`txJournal`
 * by transaction hash).
 * Nothing here writes. Roots and hashes are hex, with or without 0x; answers are hex without 0x.
 */

/** A stored beacon block as the audit compares it. */
export interface StoredBeaconBlock {
  root: string;
  slot: number;
  parentRoot: string;
  crosslinks: Array<{ shard: number; slot: number; shardBlockRoot: string }>;
  proposerSlashings: number;
  attesterSlashings: number;
}

/** The last head a block import wrote (meta `beacon_head`), if any block was ever imported. */
export async function storedBeaconHead(db: NodeDb): Promise<string | undefined> {
  return db.getMeta("beacon_head");
}

export async function storedBeaconBlock(db: NodeDb, root: string): Promise<StoredBeaconBlock | undefined> {
  const bytes = await db.get("beaconBlocks", hexToBytes(root));
  if (!bytes) return undefined;
  const block = SignedBeaconBlock.deserialize(bytes).message;
  return {
    root: bytesToHex(hexToBytes(root)),
    slot: block.slot,
    parentRoot: bytesToHex(block.parentRoot),
    crosslinks: block.body.crosslinks.map(({ crosslink }) => ({
      shard: crosslink.shard,
      slot: crosslink.slot,
      shardBlockRoot: bytesToHex(crosslink.shardBlockRoot),
    })),
    proposerSlashings: block.body.proposerSlashings.length,
    attesterSlashings: block.body.attesterSlashings.length,
  };
}

/** A walk down the parent links from one stored block. */
export interface StoredBeaconWalk {
  /** Newest first: the block walked from, its parent, and so on. */
  blocks: StoredBeaconBlock[];
  /**
   * Why the walk stopped: `parent_missing` (the parent of the last block is not stored: the genesis block,
   * which is never stored, or a gap), `start_missing` (the first block is not stored), `limit` (it read
   * `maxBlocks` blocks), or `slot_order` (a parent at a slot not below its child's: the data is corrupt).
   */
  end: "parent_missing" | "start_missing" | "limit" | "slot_order";
  /** The root the walk looked for last and did not follow (for parent_missing and start_missing). */
  missingRoot?: string;
}

/** Walks parent links from `fromRoot` through the stored blocks, reading at most `maxBlocks`. */
export async function walkStoredBeaconChain(
  db: NodeDb,
  fromRoot: string,
  maxBlocks: number,
): Promise<StoredBeaconWalk> {
  const blocks: StoredBeaconBlock[] = [];
  let root = fromRoot;
  while (blocks.length < maxBlocks) {
    const block = await storedBeaconBlock(db, root);
    if (!block)
      return {
        blocks,
        end: blocks.length === 0 ? "start_missing" : "parent_missing",
        missingRoot: bytesToHex(hexToBytes(root)),
      };
    const child = blocks.at(-1);
    if (child && block.slot >= child.slot) return { blocks, end: "slot_order" };
    blocks.push(block);
    root = block.parentRoot;
  }
  return { blocks, end: "limit" };
}

/** The finalized anchors stored for restarts (finalized epoch and checkpoint block), oldest first. */
export async function storedFinalizedAnchors(db: NodeDb): Promise<BeaconAnchorKey[]> {
  return listBeaconAnchors(db);
}

/**
 * Where `root` of `shard` is stored: as a block, as the state of the shard's restart anchor (a chain anchored
 * at a snapshot holds no block for it), or not at all.
 */
export async function storedShardBlock(
  db: NodeDb,
  shard: number,
  root: string,
): Promise<"block" | "anchor_state" | undefined> {
  const key = concatKey(uint64Key(shard), hexToBytes(root));
  if (await db.has("shardBlocks", key)) return "block";
  if (await db.has("shardStates", key)) return "anchor_state";
  return undefined;
}

/**
 * A shard's restart anchor: the crosslinked block a restart resumes the shard from (meta `shard_anchor_{s}`)
 * and its post-state, the only shard state a node stores. Undefined when the node never stored one.
 */
export async function storedShardAnchor(
  db: NodeDb,
  shard: number,
): Promise<{ root: string; state: ShardState } | undefined> {
  const root = await db.getMeta(shardAnchorMeta(shard));
  if (root === undefined) return undefined;
  const rootBytes = hexToBytes(root);
  const bytes = await db.get("shardStates", concatKey(uint64Key(shard), rootBytes));
  return bytes ? { root: bytesToHex(rootBytes), state: shardStateFromBytes(bytes, rootBytes) } : undefined;
}

const ZERO_32 = new Uint8Array(32);
const MAX_32 = new Uint8Array(32).fill(0xff);

/**
 * Where transaction `hash` is stored: in a block's inclusion index (`transactions`), in the journal of
 * transactions the API accepted and that have not settled (`txJournal`), or not at all.
 */
export async function storedTransaction(
  db: NodeDb,
  hash: string,
): Promise<"included" | "journal" | undefined> {
  const prefix = hexToBytes(hash);
  const rows = await db.keys("transactions", concatKey(prefix, ZERO_32), concatKey(prefix, MAX_32));
  if (rows.length > 0) return "included";
  if (await db.has("txJournal", prefix)) return "journal";
  return undefined;
}
