/**
 * Transaction page: the lifecycle as a timeline (pending → included → crosslinked → finalized, with slots and
 * times) that follows the node's `transaction` events, and for a cross-shard transfer its receipt and the
 * credit on the destination shard.
 */
import { ApiFailure, getJson } from "./api.js";
import { el, errorBox, fields, link, shardHref } from "./dom.js";
import { subscribe } from "./live.js";
import type { TxStatusJson } from "./types.js";

const STEPS = ["pending", "included", "crosslinked", "finalized"] as const;

function time(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleTimeString() : "";
}

function timeline(s: TxStatusJson): HTMLElement {
  const rank = STEPS.indexOf(s.status as (typeof STEPS)[number]);
  const detail = (step: (typeof STEPS)[number]): string => {
    if (step === "pending") return s.pending ? `seen ${time(s.pending.time)}` : "";
    if (step === "included") return s.included ? `slot ${s.included.slot} · ${time(s.included.time)}` : "";
    if (step === "crosslinked")
      return s.crosslinked
        ? `beacon slot ${s.crosslinked.slot} (shard slot ${s.crosslinked.crosslinkSlot}) · ${time(s.crosslinked.time)}`
        : "";
    return s.finalized ? `slot ${s.finalized.slot} · ${time(s.finalized.time)}` : "";
  };
  return el(
    "ol",
    { class: "timeline", "data-status": s.status },
    ...STEPS.map((step, i) =>
      el(
        "li",
        { "data-step": step, "data-reached": String(rank >= i) },
        el("div", { class: "step" }, step),
        el("div", { class: "muted" }, detail(step)),
      ),
    ),
  );
}

function render(s: TxStatusJson): HTMLElement[] {
  const out: HTMLElement[] = [
    fields([
      ["hash", s.hash],
      ["status", el("span", { "data-field": "status" }, s.status)],
      ["shard", String(s.shard)],
      [
        "included in",
        s.included
          ? link(shardHref(s.shard, s.included.blockRoot), `shard ${s.shard} slot ${s.included.slot}`)
          : "–",
      ],
    ]),
    timeline(s),
  ];
  if (s.reason) out.push(el("p", { class: "error" }, `${s.reason.code}: ${s.reason.message}`));
  if (s.untracked) out.push(el("p", { class: "muted" }, s.untracked));
  if (s.receipt) {
    const r = s.receipt;
    out.push(
      el("h2", {}, "Cross-shard receipt"),
      fields([
        ["destination shard", String(r.dest)],
        ["sequence", String(r.seq)],
        ["amount", r.amount],
        [
          "credited",
          r.credited
            ? link(
                shardHref(r.dest, r.credited.blockRoot),
                `shard ${r.dest} block at slot ${r.credited.slot}`,
              )
            : "not yet (waits for the source block's crosslink)",
        ],
      ]),
    );
  }
  return out;
}

export async function txPage(hash: string): Promise<{ element: HTMLElement; stop: () => void }> {
  const body = el("div");
  const element = el("section", { id: "transaction" }, el("h1", {}, "Transaction"), body);
  let last: TxStatusJson | undefined;
  const show = (s: TxStatusJson) => {
    last = s;
    body.replaceChildren(...render(s));
  };
  try {
    show(await getJson<TxStatusJson>(`/v1/transactions/${encodeURIComponent(hash)}`));
  } catch (err) {
    if (!(err instanceof ApiFailure && err.status === 404)) throw err;
    body.replaceChildren(el("p", { class: "muted" }, "not known to this node (yet): waiting for it…"));
  }
  const stopEvents = subscribe(["transaction"], (_topic, data) => show(data as TxStatusJson), hash);
  // The events carry every change; a slow poll covers a reconnect that missed one.
  const poll = setInterval(() => {
    if (last?.status === "finalized") return;
    getJson<TxStatusJson>(`/v1/transactions/${encodeURIComponent(hash)}`)
      .then(show)
      .catch((err: unknown) => {
        if (!(err instanceof ApiFailure && err.status === 404)) body.append(errorBox(err));
      });
  }, 4000);
  return {
    element,
    stop: () => {
      stopEvents();
      clearInterval(poll);
    },
  };
}
