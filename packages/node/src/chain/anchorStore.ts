import { BeaconState, type BeaconStateView } from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";
import { type BatchOp, concatKey, type NodeDb, uint64Key } from "../db/nodeDb.js";

/**
 * Anchor states on disk, so a restart replays only what lies above them (DESIGN.md §6):
 * - `beaconStates`: post-states of finalized blocks, key slot ‖ finalized epoch ‖ block root;
 * - `beaconContexts`: post-states of pruned blocks on forks that lost, key slot ‖ block root. A canonical
 *   shard block may build on one of them, and replay must still verify it after they left memory;
 * - meta `shard_anchor_{s}` / `shard_anchor_beacon_slot_{s}`: each shard's anchor block and the slot of the
 *   beacon block it builds on (its state is in `shardStates`).
 */

/** Finalized beacon anchor states kept on disk (newest first); older ones are deleted. */
export const BEACON_ANCHORS_KEPT = 8;

export interface BeaconAnchorKey {
  slot: number;
  /** The finalized epoch whose checkpoint this block is. */
  epoch: number;
  root: string;
}

const MAX_KEY = uint64Key(Number.MAX_SAFE_INTEGER);

function readUint64(key: Uint8Array, offset: number): number {
  return Number(new DataView(key.buffer, key.byteOffset + offset, 8).getBigUint64(0));
}

export function beaconAnchorKey(anchor: BeaconAnchorKey): Uint8Array {
  return concatKey(uint64Key(anchor.slot), uint64Key(anchor.epoch), hexToBytes(anchor.root));
}

function parseBeaconAnchorKey(key: Uint8Array): BeaconAnchorKey {
  return { slot: readUint64(key, 0), epoch: readUint64(key, 8), root: bytesToHex(key.subarray(16, 48)) };
}

/** Stored finalized anchors, oldest first. */
export async function listBeaconAnchors(db: NodeDb): Promise<BeaconAnchorKey[]> {
  return (await db.keys("beaconStates", uint64Key(0), MAX_KEY)).map(parseBeaconAnchorKey);
}

/** The write of one anchor state, plus the deletes of anchors beyond the newest `BEACON_ANCHORS_KEPT`. */
export function beaconAnchorOps(
  anchor: BeaconAnchorKey,
  stateBytes: Uint8Array,
  existing: readonly BeaconAnchorKey[],
): BatchOp[] {
  const ops: BatchOp[] = [{ bucket: "beaconStates", key: beaconAnchorKey(anchor), value: stateBytes }];
  const others = existing.filter((a) => a.root !== anchor.root).sort((a, b) => b.slot - a.slot);
  for (const old of others.slice(BEACON_ANCHORS_KEPT - 1)) {
    ops.push({ bucket: "beaconStates", key: beaconAnchorKey(old), value: undefined });
  }
  return ops;
}

export async function loadBeaconState(
  db: NodeDb,
  anchor: BeaconAnchorKey,
): Promise<BeaconStateView | undefined> {
  const bytes = await db.get("beaconStates", beaconAnchorKey(anchor));
  return bytes ? BeaconState.deserializeToViewDU(bytes) : undefined;
}

/** A pruned fork block's post-state, stored so shard blocks built on it stay verifiable. */
export function forkContextOp(slot: number, root: string, state: BeaconStateView): BatchOp {
  return {
    bucket: "beaconContexts",
    key: concatKey(uint64Key(slot), hexToBytes(root)),
    value: state.serialize(),
  };
}

/** Every stored fork context: slot, root and state. */
export async function loadForkContexts(
  db: NodeDb,
): Promise<Array<{ slot: number; root: string; state: BeaconStateView }>> {
  const rows = await db.range("beaconContexts", uint64Key(0), MAX_KEY);
  return rows.map(([key, value]) => ({
    slot: readUint64(key, 0),
    root: bytesToHex(key.subarray(8, 40)),
    state: BeaconState.deserializeToViewDU(value),
  }));
}

/** Deletes of the stored fork contexts below `slot`. */
export async function forkContextDeletesBelow(db: NodeDb, slot: number): Promise<BatchOp[]> {
  const keys = await db.keys("beaconContexts", uint64Key(0), uint64Key(Math.max(0, slot)));
  return keys.map((key) => ({ bucket: "beaconContexts", key, value: undefined }));
}

export const shardAnchorMeta = (shard: number) => `shard_anchor_${shard}`;
export const shardAnchorBeaconSlotMeta = (shard: number) => `shard_anchor_beacon_slot_${shard}`;

/**
 * The highest beacon slot a restart may start from: every shard with stored blocks must find the beacon
 * blocks its blocks above its anchor build on, less `marginSlots` (range sync refetches below the anchor).
 * A shard with stored blocks and no anchor needs everything since genesis (0). Shards without stored data
 * do not constrain it (they start from a snapshot).
 */
export async function restartAnchorLimit(
  db: NodeDb,
  shardCount: number,
  marginSlots: number,
): Promise<number> {
  let limit = Number.MAX_SAFE_INTEGER;
  for (let shard = 0; shard < shardCount; shard++) {
    if ((await db.getMeta(`shard_head_${shard}`)) === undefined) continue;
    const beaconSlot = Number(await db.getMeta(shardAnchorBeaconSlotMeta(shard)));
    if (!Number.isSafeInteger(beaconSlot) || (await db.getMeta(shardAnchorMeta(shard))) === undefined)
      return 0;
    limit = Math.min(limit, beaconSlot - marginSlots);
  }
  return Math.max(0, limit);
}
