import type { Logger } from "pino";
import type { BeaconChain } from "./beaconChain.js";
import type { ShardChain } from "./shardChain.js";

/**
 * `--history <epochs>`: once the beacon chain finalizes `finalizedEpoch`, deletes the stored blocks (beacon
 * and every shard's) and the transaction and credit index rows of blocks older than `historyEpochs` below
 * it. Anchors bound it from below: what a restart replays is never deleted. Never throws.
 */
export async function pruneHistory(
  beacon: BeaconChain,
  chains: Iterable<ShardChain>,
  finalizedEpoch: number,
  historyEpochs: number,
  log: Logger,
): Promise<void> {
  const below = (finalizedEpoch - historyEpochs) * beacon.preset.SLOTS_PER_EPOCH;
  if (below <= 0) return;
  try {
    const started = performance.now();
    const beaconBlocks = await beacon.pruneHistoryBelow(below);
    let shardBlocks = 0;
    for (const chain of chains) shardBlocks += await chain.pruneHistoryBelow(below);
    if (beaconBlocks + shardBlocks > 0)
      log.info(
        { below, beaconBlocks, shardBlocks, ms: Math.round(performance.now() - started) },
        "pruned history below the window",
      );
  } catch (err) {
    log.warn(
      { err: (err as Error).message },
      "history pruning failed: it is retried at the next finalization",
    );
  }
}
