import { BeaconBlock, SignedBeaconBlock } from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";
import type { P2pNode } from "@shardnet/p2p";
import type { Logger } from "pino";
import type { BeaconChain } from "../chain/beaconChain.js";
import { type BatchOp, concatKey, type NodeDb, uint64Key } from "../db/nodeDb.js";
import { BeaconBlocksByRangeRequest, MAX_BLOCKS_PER_REQUEST } from "../network/messages.js";

const REQUEST_TIMEOUT_MS = 5000;
/** Pause between rounds while no peer has the blocks (they may have pruned them: --history). */
const RETRY_MS = 5000;
const MAX_ROUNDS_WITHOUT_PROGRESS = 12;

export interface BackfillDeps {
  p2p: P2pNode;
  db: NodeDb;
  beacon: BeaconChain;
  log: Logger;
  stopped: () => boolean;
}

/**
 * `--backfill`: after a checkpoint sync, fetches the beacon blocks below the anchor from peers, newest
 * first, and stores each one whose root is the parent root of the oldest block stored so far (the parent
 * chain is verified by hashes; blocks are not re-executed: their states are not known). Stops at genesis,
 * or after MAX_ROUNDS_WITHOUT_PROGRESS rounds in which no peer had the next blocks. Progress survives a
 * restart (the walk resumes from the oldest stored block, meta `backfill_oldest`).
 */
export async function backfillBeaconBlocks(d: BackfillDeps): Promise<void> {
  const { db, beacon, log } = d;
  let oldestRoot = (await db.getMeta("backfill_oldest")) ?? (await db.getMeta("checkpoint_sync_root"));
  const oldestBytes =
    oldestRoot === undefined ? undefined : await db.get("beaconBlocks", hexToBytes(oldestRoot));
  if (oldestRoot === undefined || !oldestBytes) {
    log.info(
      "--backfill: this database holds the chain since genesis (no checkpoint sync): nothing to fetch",
    );
    return;
  }
  let oldest = SignedBeaconBlock.deserialize(oldestBytes);
  log.info({ fromSlot: oldest.message.slot }, "backfill: fetching the beacon blocks below the checkpoint");
  let stored = 0;
  let idleRounds = 0;
  const started = performance.now();
  while (!d.stopped() && bytesToHex(oldest.message.parentRoot) !== beacon.genesisRoot) {
    const before = stored;
    for (const peer of d.p2p.connectedPeers()) {
      const end = oldest.message.slot;
      const startSlot = Math.max(1, end - MAX_BLOCKS_PER_REQUEST);
      let chunks: Uint8Array[];
      try {
        chunks = await d.p2p.request(
          peer,
          "beacon_blocks_by_range",
          BeaconBlocksByRangeRequest.serialize({ startSlot, count: end - startSlot }),
          { timeoutMs: REQUEST_TIMEOUT_MS },
        );
      } catch {
        continue;
      }
      const byRoot = new Map<string, ReturnType<typeof SignedBeaconBlock.deserialize>>();
      for (const bytes of chunks) {
        try {
          const block = SignedBeaconBlock.deserialize(bytes);
          byRoot.set(bytesToHex(BeaconBlock.hashTreeRoot(block.message)), block);
        } catch {
          // undecodable: not part of the chain being walked
        }
      }
      const ops: BatchOp[] = [];
      for (;;) {
        const parentRoot = bytesToHex(oldest.message.parentRoot);
        const parent = byRoot.get(parentRoot);
        if (!parent || parent.message.slot >= oldest.message.slot) break;
        const rootBytes = hexToBytes(parentRoot);
        ops.push(
          { bucket: "beaconBlocks", key: rootBytes, value: SignedBeaconBlock.serialize(parent) },
          {
            bucket: "beaconBlockSlots",
            key: concatKey(uint64Key(parent.message.slot), rootBytes),
            value: rootBytes,
          },
        );
        oldest = parent;
        oldestRoot = parentRoot;
      }
      if (ops.length === 0) continue;
      ops.push(db.metaOp("backfill_oldest", oldestRoot));
      await db.writeBatch(ops);
      stored += (ops.length - 1) / 2;
      break;
    }
    if (stored > before) {
      idleRounds = 0;
      continue;
    }
    if (++idleRounds >= MAX_ROUNDS_WITHOUT_PROGRESS) {
      log.warn(
        { oldestSlot: oldest.message.slot, stored },
        "backfill stopped: no peer has the older blocks (they may prune history); it resumes on restart",
      );
      return;
    }
    for (let waited = 0; waited < RETRY_MS && !d.stopped(); waited += 250)
      await new Promise((r) => setTimeout(r, 250));
  }
  if (!d.stopped())
    log.info(
      { stored, oldestSlot: oldest.message.slot, seconds: Math.round((performance.now() - started) / 1000) },
      "backfill complete: every beacon block down to genesis is stored",
    );
}
