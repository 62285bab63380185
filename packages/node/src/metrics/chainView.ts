import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { computeEpochAtSlot } from "@shardnet/consensus";
import type { BeaconChain } from "../chain/beaconChain.js";
import type { ShardChain } from "../chain/shardChain.js";
import {
  type ChainGaugeView,
  participationRatio,
  type ShardGaugeView,
  type ValidatorStatus,
  validatorStatusCounts,
} from "./chainGauges.js";

export interface ChainViewSource {
  beacon: BeaconChain;
  shards: () => Iterable<ShardChain>;
  dbPath: string;
}

/**
 * Reads the scrape-time gauges' view (ChainGaugeView) from the node's chains. The validator figures walk
 * the registry, so they are computed once per beacon head, not once per scrape.
 */
export function chainViewReader(source: ChainViewSource): () => ChainGaugeView {
  let cached:
    | { root: string; participation: number; validators: Record<ValidatorStatus, number> }
    | undefined;
  return () => {
    const head = source.beacon.head();
    if (cached?.root !== head.root) {
      const { state } = head.state;
      const preset = source.beacon.preset;
      const epoch = computeEpochAtSlot(preset, state.slot);
      state.commit(); // getAllReadonlyValues reads committed nodes only
      const validators = state.validators.getAllReadonlyValues();
      cached = {
        root: head.root,
        participation: participationRatio(
          validators,
          state.previousEpochParticipation.getAll(),
          Math.max(epoch - 1, 0),
        ),
        validators: validatorStatusCounts(validators, epoch),
      };
    }
    return {
      shards: [...source.shards()].map(shardView).sort((a, b) => a.shard - b.shard),
      participation: cached.participation,
      validators: cached.validators,
      dbSizeBytes: directoryBytes(source.dbPath),
    };
  };
}

function shardView(chain: ShardChain): ShardGaugeView {
  const head = chain.head();
  const { state } = head;
  const shardCount = state.shardCount;
  return {
    shard: chain.shard,
    mempool: chain.mempool.size,
    accounts: state.accountCount,
    headSlot: head.slot,
    crosslinkedSlot: chain.beaconHeadCrosslink().slot,
    outbox: Array.from({ length: shardCount }, (_, dest) => state.outboxLength(dest)),
    inbox: Array.from({ length: shardCount }, (_, source) => state.inboxCursor(source)),
    pendingReceipts: chain.pendingReceipts.size,
  };
}

/** Bytes of the files in `dir` (a LevelDB directory holds files only); 0 when it cannot be read. */
export function directoryBytes(dir: string): number {
  let total = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      try {
        total += statSync(join(dir, entry.name)).size;
      } catch {
        // compacted away between the listing and the stat
      }
    }
  } catch {
    return 0;
  }
  return total;
}
