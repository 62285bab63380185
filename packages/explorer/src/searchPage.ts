/** The search box: asks `/v1/search`, opens the one match, or lists several. Also the validator page. */
import { getJson } from "./api.js";
import { accountHref, beaconHref, el, fields, link, shardHref, txHref, validatorHref } from "./dom.js";
import type { SearchJson, SearchResult, ValidatorJson } from "./types.js";

export function hrefOf(r: SearchResult): string {
  switch (r.kind) {
    case "transaction":
      return txHref(r.hash);
    case "beacon_block":
      return beaconHref(r.root);
    case "shard_block":
      return shardHref(r.shard, r.root);
    case "account":
      return accountHref(r.address);
    case "validator":
      return validatorHref(r.index);
  }
}

function describe(r: SearchResult): string {
  switch (r.kind) {
    case "transaction":
      return `transaction ${r.hash} (shard ${r.shard}, ${r.status})`;
    case "beacon_block":
      return `beacon block at slot ${r.slot}`;
    case "shard_block":
      return `shard ${r.shard} block at slot ${r.slot}`;
    case "account":
      return `account ${r.address} (shard ${r.shard})`;
    case "validator":
      return `validator ${r.index}`;
  }
}

/** `#/search/{q}`: one match opens its page (replacing the search in history); several are listed. */
export async function searchPage(q: string): Promise<HTMLElement> {
  const res = await getJson<SearchJson>(`/v1/search?q=${encodeURIComponent(q)}`);
  if (res.results.length === 1) {
    location.replace(hrefOf(res.results[0]!));
    return el("p", { class: "muted" }, "opening…");
  }
  return el(
    "section",
    { id: "search-results" },
    el("h1", {}, `Search: ${res.query}`),
    res.results.length === 0
      ? el("p", { class: "muted" }, "nothing on this node matches")
      : el("ul", {}, ...res.results.map((r) => el("li", {}, link(hrefOf(r), describe(r))))),
  );
}

export function bindSearchBox(form: HTMLFormElement): void {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const input = form.elements.namedItem("q");
    const q = input instanceof HTMLInputElement ? input.value.trim() : "";
    if (q) location.hash = `#/search/${encodeURIComponent(q)}`;
  });
}

export async function validatorPage(index: string): Promise<HTMLElement> {
  const v = await getJson<ValidatorJson>(`/v1/beacon/validators/${encodeURIComponent(index)}`);
  return el(
    "section",
    { id: "validator" },
    el("h1", {}, `Validator ${v.index}`),
    fields([
      ["pubkey", v.pubkey],
      ["stake", v.stake],
      ["activation epoch", v.activationEpoch === null ? "–" : String(v.activationEpoch)],
      ["exit epoch", v.exitEpoch === null ? "never" : String(v.exitEpoch)],
      ["slashed", String(v.slashed)],
    ]),
  );
}
