/**
 * Chain view: the beacon chain as a lane of blocks and one lane per shard beneath it, each crosslink drawn as
 * a curve from the shard block it checkpoints up to the beacon block that includes it; finalized blocks are
 * outlined. Follows the head live, or pages back through history (`from` moves by half a window).
 */
import { getJson } from "./api.js";
import { beaconHref, el, errorBox, shardHref, svg } from "./dom.js";
import { network } from "./network.js";
import type { BeaconRangeJson, NodeStatusJson, ShardBlockSummary, ShardRangeJson } from "./types.js";

/** Slots in the window (the API returns at most 64 per request). */
export const WINDOW_SLOTS = 32;
const LEFT = 74;
const COL = 36;
const BW = 28;
const BH = 24;
const LANE = 58;
const TOP = 12;

export interface ChainView {
  element: HTMLElement;
  refresh(): Promise<void>;
}

interface ChainWindow {
  from: number;
  beacon: BeaconRangeJson;
  shards: Map<number, ShardRangeJson>;
  shardCount: number;
}

const x = (w: ChainWindow, slot: number) => LEFT + (slot - w.from) * COL;
const shardY = (shard: number) => TOP + (shard + 1) * LANE;

function draw(w: ChainWindow): SVGSVGElement {
  const width = LEFT + WINDOW_SLOTS * COL + 10;
  const height = TOP + (w.shardCount + 1) * LANE;
  const root = svg("svg", { class: "chain", width, height, viewBox: `0 0 ${width} ${height}` });
  const lanes = svg("g");
  const links = svg("g");
  const blocks = svg("g");
  root.append(lanes, links, blocks);
  lanes.append(svg("text", { class: "lane", x: 4, y: TOP + BH / 2 + 4 }, "beacon"));
  for (let s = 0; s < w.shardCount; s++) {
    const y = shardY(s) + BH / 2;
    lanes.append(
      svg("line", { class: "lane-line", x1: LEFT - 6, x2: width, y1: y, y2: y }),
      svg("text", { class: "lane", x: 4, y: y + 4 }, `shard ${s}`),
    );
  }
  for (let i = 0; i < WINDOW_SLOTS; i += 4) {
    lanes.append(svg("text", { class: "lane", x: x(w, w.from + i), y: height - 2 }, String(w.from + i)));
  }
  // Per shard: the highest shard slot a finalized beacon block crosslinked (shard blocks up to it are final).
  const finalShardSlot = new Map<number, number>();
  for (const c of w.beacon.finalizedCrosslinks ?? []) finalShardSlot.set(c.shard, c.slot);
  for (const b of w.beacon.blocks) {
    if (!b.finalized) continue;
    for (const c of b.crosslinks)
      finalShardSlot.set(c.shard, Math.max(finalShardSlot.get(c.shard) ?? -1, c.slot));
  }
  for (const b of w.beacon.blocks) {
    const cls = `block beacon${b.finalized ? " finalized" : ""}`;
    blocks.append(
      svg(
        "a",
        { href: beaconHref(b.root), "data-slot": b.slot },
        svg("rect", { class: cls, x: x(w, b.slot), y: TOP, width: BW, height: BH }),
        svg("text", { x: x(w, b.slot) + 3, y: TOP + 15 }, String(b.slot % 1000)),
        svg("title", {}, `beacon block ${b.slot} ${b.root}${b.finalized ? " (finalized)" : ""}`),
      ),
    );
    for (const c of b.crosslinks) {
      const older = c.slot < w.from;
      const x1 = older ? LEFT - 8 : x(w, c.slot) + BW / 2;
      const y1 = shardY(c.shard);
      const x2 = x(w, b.slot) + BW / 2;
      const y2 = TOP + BH;
      links.append(
        svg(
          "path",
          {
            class: `crosslink${older ? " from-older" : ""}`,
            "data-shard": c.shard,
            "data-shard-slot": c.slot,
            "data-beacon-slot": b.slot,
            d: `M ${x1} ${y1} C ${x1} ${y1 - 30}, ${x2} ${y2 + 30}, ${x2} ${y2}`,
          },
          svg("title", {}, `crosslink: shard ${c.shard} slot ${c.slot} → beacon slot ${b.slot}`),
        ),
      );
      if (!w.shards.has(c.shard) && !older) {
        blocks.append(
          svg(
            "a",
            { href: shardHref(c.shard, c.shardBlockRoot) },
            svg("rect", {
              class: "block untracked",
              x: x(w, c.slot),
              y: shardY(c.shard),
              width: BW,
              height: BH,
            }),
            svg(
              "title",
              {},
              `shard ${c.shard} block ${c.slot} (crosslinked; this node does not track the shard)`,
            ),
          ),
        );
      }
    }
  }
  for (const [shard, range] of w.shards) {
    for (const s of range.blocks)
      blocks.append(shardBlock(w, shard, s, s.slot <= (finalShardSlot.get(shard) ?? -1)));
  }
  return root;
}

function shardBlock(w: ChainWindow, shard: number, s: ShardBlockSummary, final: boolean): SVGElement {
  return svg(
    "a",
    { href: shardHref(shard, s.root), "data-shard": shard, "data-slot": s.slot },
    svg("rect", {
      class: `block shard${final ? " finalized" : ""}`,
      x: x(w, s.slot),
      y: shardY(shard),
      width: BW,
      height: BH,
    }),
    s.transactions > 0
      ? svg("text", { x: x(w, s.slot) + 3, y: shardY(shard) + 15 }, String(s.transactions))
      : null,
    svg(
      "title",
      {},
      `shard ${shard} block ${s.slot}: ${s.transactions} tx, ${s.incomingReceipts} receipts in`,
    ),
  );
}

export function chainView(): ChainView {
  let live = true;
  let from = 0;
  const canvas = el("div", { class: "chain-scroll", id: "chain" });
  const label = el("span", { class: "muted" });
  const problem = el("div");
  const older = el("button", { type: "button", "data-action": "older" }, "◀ older");
  const newer = el("button", { type: "button", "data-action": "newer" }, "newer ▶");
  const follow = el("button", { type: "button", "data-action": "live" }, "live");
  const legend = el(
    "div",
    { class: "legend" },
    el(
      "span",
      {},
      el("span", { class: "swatch", style: "background:#2b2550;border:1px solid #7d6bff" }),
      "beacon block",
    ),
    el(
      "span",
      {},
      el("span", { class: "swatch", style: "background:#173a30;border:1px solid #2fb38e" }),
      "shard block (number: transactions)",
    ),
    el("span", {}, el("span", { class: "swatch", style: "border:2px solid #f2c14e" }), "finalized"),
    el(
      "span",
      {},
      el("span", { class: "swatch", style: "background:#5ab0ff;height:2px" }),
      "crosslink: shard block → beacon block",
    ),
  );
  const element = el(
    "section",
    {},
    el("h2", {}, "Chain"),
    el("div", { class: "chain-controls" }, older, newer, follow, label),
    canvas,
    legend,
    problem,
  );

  async function refresh(): Promise<void> {
    try {
      const net = await network();
      const status = await getJson<NodeStatusJson>("/v1/node/status");
      if (live) from = Math.max(0, status.head.slot - WINDOW_SLOTS + 1);
      const q = `from=${from}&count=${WINDOW_SLOTS}`;
      const [beacon, ...ranges] = await Promise.all([
        getJson<BeaconRangeJson>(`/v1/beacon/blocks?${q}`),
        ...status.trackedShards.map((s) => getJson<ShardRangeJson>(`/v1/shards/${s}/blocks?${q}`)),
      ]);
      const shards = new Map(ranges.map((r) => [r.shard, r]));
      canvas.replaceChildren(draw({ from, beacon, shards, shardCount: net.shardCount }));
      canvas.dataset.from = String(from);
      label.textContent = `slots ${from}–${from + WINDOW_SLOTS - 1}${live ? " (following the head)" : ""}`;
      newer.disabled = live;
      problem.replaceChildren();
    } catch (err) {
      problem.replaceChildren(errorBox(err));
    }
  }
  older.addEventListener("click", () => {
    live = false;
    from = Math.max(0, from - WINDOW_SLOTS / 2);
    void refresh();
  });
  newer.addEventListener("click", () => {
    from += WINDOW_SLOTS / 2;
    void refresh();
  });
  follow.addEventListener("click", () => {
    live = true;
    void refresh();
  });
  return { element, refresh };
}
