/**
 * Where the time between a transfer's send and the load generator seeing it finalized goes, stage by stage:
 * send → included (shard head) → crosslink of its block in a beacon block → that beacon block's epoch
 * justified → a finalized checkpoint covering it → the node's status says finalized → the load generator
 * receives that status. Chain events are timed by their first arrival from any node.
 */
import { percentile } from "./txVerdict.js";

/** What bench:tx knows of one transfer (wall-clock ms). */
export interface TransferTimes {
  scheduled: number;
  shard: number;
  /** Slot of the including shard block. */
  inclusionSlot?: number;
  /** First announcement of the including block as a shard head. */
  included?: number;
  /** Earliest node-reported `crosslinked` / `finalized` time. */
  crosslinkedReported?: number;
  finalizedReported?: number;
  /** When the first `finalized` status event reached the load generator. */
  finalizedObserved?: number;
}

/** Chain events with their first arrival (wall-clock ms). */
export interface ChainTimeline {
  crosslinks: ReadonlyArray<{ shard: number; slot: number; beaconSlot: number; at: number }>;
  justified: ReadonlyArray<{ epoch: number; at: number }>;
  finalized: ReadonlyArray<{ epoch: number; at: number }>;
}

export const STAGE_SEGMENTS = [
  "send → included",
  "included → crosslinked in a beacon block",
  "crosslink → node status crosslinked",
  "crosslink → its epoch justified",
  "justified → finalized checkpoint covers it",
  "finalized checkpoint → node status finalized",
  "node status finalized → load generator sees it",
] as const;
export type StageSegment = (typeof STAGE_SEGMENTS)[number];

export interface SegmentSummary {
  segment: StageSegment;
  /** Transfers for which both ends are known. */
  count: number;
  /** ms */
  p50: number;
  p99: number;
  max: number;
}

/** The first arrival per distinct event, then the earliest that satisfies `pick`. */
function earliest<T extends { at: number }>(events: readonly T[], pick: (e: T) => boolean): T | undefined {
  let best: T | undefined;
  for (const e of events) if (pick(e) && (!best || e.at < best.at)) best = e;
  return best;
}

/**
 * The epoch whose checkpoint covers a beacon block at `beaconSlot`: the checkpoint of epoch e is the block at
 * slot e × slotsPerEpoch (or the last one before it), so the first epoch boundary at or after the block.
 */
export function coveringEpoch(beaconSlot: number, slotsPerEpoch: number): number {
  return Math.ceil(beaconSlot / slotsPerEpoch);
}

/** Per-transfer stage times: undefined where an end is unknown. */
export function stageDurations(
  t: TransferTimes,
  chain: ChainTimeline,
  slotsPerEpoch: number,
): Partial<Record<StageSegment, number>> {
  const out: Partial<Record<StageSegment, number>> = {};
  const span = (segment: StageSegment, from: number | undefined, to: number | undefined) => {
    if (from !== undefined && to !== undefined) out[segment] = to - from;
  };
  span("send → included", t.scheduled, t.included);
  const inclusionSlot = t.inclusionSlot;
  const crosslink =
    inclusionSlot === undefined
      ? undefined
      : earliest(chain.crosslinks, (c) => c.shard === t.shard && c.slot >= inclusionSlot);
  span("included → crosslinked in a beacon block", t.included, crosslink?.at);
  span("crosslink → node status crosslinked", crosslink?.at, t.crosslinkedReported);
  if (crosslink) {
    const epoch = coveringEpoch(crosslink.beaconSlot, slotsPerEpoch);
    const justified = earliest(chain.justified, (j) => j.epoch >= epoch);
    const finalized = earliest(chain.finalized, (f) => f.epoch >= epoch);
    span("crosslink → its epoch justified", crosslink.at, justified?.at);
    span("justified → finalized checkpoint covers it", justified?.at, finalized?.at);
    span("finalized checkpoint → node status finalized", finalized?.at, t.finalizedReported);
  }
  span("node status finalized → load generator sees it", t.finalizedReported, t.finalizedObserved);
  return out;
}

/** p50 / p99 / max of each stage over `transfers`. */
export function stageBreakdown(
  transfers: readonly TransferTimes[],
  chain: ChainTimeline,
  slotsPerEpoch: number,
): SegmentSummary[] {
  const bySegment = new Map<StageSegment, number[]>(STAGE_SEGMENTS.map((s) => [s, []]));
  for (const t of transfers) {
    const d = stageDurations(t, chain, slotsPerEpoch);
    for (const segment of STAGE_SEGMENTS) {
      const v = d[segment];
      if (v !== undefined) bySegment.get(segment)!.push(v);
    }
  }
  return STAGE_SEGMENTS.map((segment) => {
    const values = bySegment.get(segment)!;
    return {
      segment,
      count: values.length,
      p50: percentile(values, 50),
      p99: percentile(values, 99),
      max: values.length === 0 ? Number.NaN : Math.max(...values),
    };
  });
}

/**
 * How long after the start of slot `epoch × slotsPerEpoch + slotsAfter` each checkpoint event arrived (ms). FFG
 * justifies epoch e's checkpoint in epoch processing at the end of epoch e (slotsAfter = slotsPerEpoch), and a
 * block finalizes it once the votes for epoch e + 1 are included, at e + 1's second slot at the earliest
 * (slotsAfter = slotsPerEpoch + 1). A lag of an epoch or more means the chain lost an epoch there.
 */
export function checkpointLag(
  events: ReadonlyArray<{ epoch: number; at: number }>,
  slotsAfter: number,
  clock: { genesisMs: number; slotMs: number; slotsPerEpoch: number },
): Array<{ epoch: number; lagMs: number }> {
  return events.map((e) => ({
    epoch: e.epoch,
    lagMs: e.at - (clock.genesisMs + (e.epoch * clock.slotsPerEpoch + slotsAfter) * clock.slotMs),
  }));
}

export interface EpochPositionRow {
  /** Slot of the crosslinking beacon block within its epoch window: 1 = just after a checkpoint, E = at one. */
  position: number;
  count: number;
  /** Latency from the scheduled send to the node-reported finalized status (ms). */
  finalizedP50: number;
  finalizedMax: number;
}

/**
 * Finality latency by where in its epoch a transfer's crosslink landed: FFG finalizes a checkpoint's whole
 * epoch window at once, so a crosslink just after a checkpoint (position 1) waits an epoch longer than one at
 * the checkpoint (position E).
 */
export function finalityByEpochPosition(
  transfers: readonly TransferTimes[],
  chain: ChainTimeline,
  slotsPerEpoch: number,
): EpochPositionRow[] {
  const byPosition = Array.from({ length: slotsPerEpoch }, () => [] as number[]);
  for (const t of transfers) {
    const inclusionSlot = t.inclusionSlot;
    if (inclusionSlot === undefined || t.finalizedReported === undefined) continue;
    const crosslink = earliest(chain.crosslinks, (c) => c.shard === t.shard && c.slot >= inclusionSlot);
    if (!crosslink) continue;
    const position =
      crosslink.beaconSlot - (coveringEpoch(crosslink.beaconSlot, slotsPerEpoch) - 1) * slotsPerEpoch;
    byPosition[position - 1]?.push(t.finalizedReported - t.scheduled);
  }
  return byPosition.map((values, i) => ({
    position: i + 1,
    count: values.length,
    finalizedP50: percentile(values, 50),
    finalizedMax: values.length === 0 ? Number.NaN : Math.max(...values),
  }));
}
