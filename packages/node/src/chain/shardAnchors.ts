import { bytesToHex } from "@shardnet/crypto";
import type { Logger } from "pino";
import type { BeaconChain } from "./beaconChain.js";
import type { ShardChain } from "./shardChain.js";

/**
 * Stores each shard chain's state at the crosslink of the newly finalized beacon block `finalizedRoot`:
 * a restart starts from it (with a beacon anchor far enough below the beacon blocks it builds on). Chains
 * that no longer hold that block keep their previous anchor. Never throws.
 */
export async function persistShardAnchors(
  beacon: BeaconChain,
  chains: Iterable<ShardChain>,
  finalizedRoot: string,
  log: Logger,
): Promise<void> {
  const crosslinks = beacon.contextOf(finalizedRoot)?.crosslinks;
  if (!crosslinks) return;
  for (const chain of chains) {
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
}
