import { bytesToHex } from "@shardnet/crypto";
import type { Logger } from "pino";
import type { BeaconChain } from "./beaconChain.js";
import type { ShardChain } from "./shardChain.js";

/**
 * Stores each shard chain's state at the crosslink of the newly finalized beacon block `finalizedRoot`:
 * a restart starts from it (with a beacon anchor far enough below the beacon blocks it builds on). Chains
 * that no longer hold that block keep their previous anchor. Then prunes each chain's receipt log of what
 * the tracked destinations credited in their stored states. Never throws.
 */
export async function persistShardAnchors(
  beacon: BeaconChain,
  chains: Iterable<ShardChain>,
  finalizedRoot: string,
  log: Logger,
): Promise<void> {
  const crosslinks = beacon.contextOf(finalizedRoot)?.crosslinks;
  if (!crosslinks) return;
  const tracked = [...chains];
  for (const chain of tracked) {
    const crosslink = crosslinks[chain.shard];
    if (!crosslink || crosslink.slot === 0) continue;
    const root = bytesToHex(crosslink.shardBlockRoot);
    try {
      if (!(await chain.persistAnchor(root, crosslink.slot)))
        log.debug({ shard: chain.shard, root }, "finalized crosslink not held: no shard anchor stored");
    } catch (err) {
      log.warn(
        { shard: chain.shard, err: (err as Error).message },
        "could not store a shard anchor state: a restart replays from an older anchor",
      );
    }
  }
  // Receipts a tracked destination credited in its (now stored) finalized state leave the sources' logs.
  const byShard = new Map(tracked.map((chain) => [chain.shard, chain]));
  for (const chain of tracked)
    chain.pruneReceiptLog((dest) => byShard.get(dest)?.anchorInboxCursor(chain.shard));
}
