/**
 * Overview: head, justified and finalized epochs, peers; per shard head slot, crosslinked slot and lag,
 * transactions/s (over the last epoch of blocks) and mempool. Refreshed on every head and shard head event.
 */
import { getJson } from "./api.js";
import { el, errorBox, shardHref } from "./dom.js";
import { network } from "./network.js";
import type { CrosslinksJson, NodeStatusJson, ShardHeadJson, ShardRangeJson } from "./types.js";

interface ShardRow {
  shard: number;
  tracked: boolean;
  headSlot?: number;
  crosslinkedSlot?: number;
  txPerSecond?: number;
  mempool?: number;
}

export interface OverviewView {
  element: HTMLElement;
  refresh(): Promise<void>;
}

function card(label: string, field: string): HTMLElement {
  return el(
    "div",
    { class: "card" },
    el("div", { class: "label" }, label),
    el("div", { class: "value", "data-field": field }, "–"),
  );
}

async function shardRow(shard: number, tracked: boolean, crosslinks: CrosslinksJson): Promise<ShardRow> {
  const crosslinkedSlot = crosslinks.crosslinks.find((c) => c.shard === shard)?.slot;
  if (!tracked) return { shard, tracked, crosslinkedSlot };
  const net = await network();
  const head = await getJson<ShardHeadJson>(`/v1/shards/${shard}/head`);
  const span = net.slotsPerEpoch;
  const from = Math.max(0, head.slot - span + 1);
  const recent = await getJson<ShardRangeJson>(`/v1/shards/${shard}/blocks?from=${from}&count=${span}`);
  const txs = recent.blocks.reduce((sum, b) => sum + b.transactions, 0);
  return {
    shard,
    tracked,
    headSlot: head.slot,
    crosslinkedSlot,
    mempool: head.mempool,
    txPerSecond: txs / (span * net.secondsPerSlot),
  };
}

const show = (v: number | undefined, digits = 0) => (v === undefined ? "–" : v.toFixed(digits));

export function overview(): OverviewView {
  const cards = el(
    "div",
    { class: "cards" },
    card("head slot", "head-slot"),
    card("wall-clock slot", "clock-slot"),
    card("justified epoch", "justified-epoch"),
    card("finalized epoch", "finalized-epoch"),
    card("peers", "peers"),
  );
  const shards = el("tbody");
  const problem = el("div");
  const element = el(
    "section",
    { id: "overview" },
    cards,
    el(
      "table",
      { class: "shards" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...["shard", "head slot", "crosslinked slot", "lag (slots)", "tx/s (last epoch)", "mempool"].map(
            (h) => el("th", {}, h),
          ),
        ),
      ),
      shards,
    ),
    problem,
  );
  const set = (field: string, value: string) => {
    const node = cards.querySelector(`[data-field="${field}"]`);
    if (node) node.textContent = value;
  };

  async function refresh(): Promise<void> {
    try {
      const [net, status, crosslinks] = await Promise.all([
        network(),
        getJson<NodeStatusJson>("/v1/node/status"),
        getJson<CrosslinksJson>("/v1/beacon/crosslinks"),
      ]);
      set("head-slot", String(status.head.slot));
      set("clock-slot", String(status.slot));
      set("justified-epoch", String(status.justified.epoch));
      set("finalized-epoch", String(status.finalized.epoch));
      set("peers", String(status.peers));
      const rows = await Promise.all(
        Array.from({ length: net.shardCount }, (_, s) =>
          shardRow(s, status.trackedShards.includes(s), crosslinks),
        ),
      );
      shards.replaceChildren(
        ...rows.map((r) =>
          el(
            "tr",
            { "data-shard": r.shard },
            el(
              "td",
              {},
              r.tracked && r.headSlot !== undefined
                ? el("a", { href: shardHref(r.shard, r.headSlot) }, `shard ${r.shard}`)
                : `shard ${r.shard}`,
            ),
            el("td", { "data-field": "head-slot" }, r.tracked ? show(r.headSlot) : "not tracked"),
            el("td", { "data-field": "crosslinked-slot" }, show(r.crosslinkedSlot)),
            el(
              "td",
              { "data-field": "lag" },
              r.headSlot !== undefined && r.crosslinkedSlot !== undefined
                ? String(r.headSlot - r.crosslinkedSlot)
                : "–",
            ),
            el("td", { "data-field": "tps" }, show(r.txPerSecond, 2)),
            el("td", { "data-field": "mempool" }, show(r.mempool)),
          ),
        ),
      );
      problem.replaceChildren();
    } catch (err) {
      problem.replaceChildren(errorBox(err));
    }
  }
  return { element, refresh };
}
