/**
 * The explorer's entry: hash routes → pages. Each page may return a `stop` that ends its live updates when
 * the route changes.
 *
 *   #/                      overview + chain view (live)
 *   #/beacon/{root|slot}    #/shard/{shard}/{root|slot}    #/tx/{hash}    #/account/{address}
 *   #/validator/{index}     #/search/{query}
 */
import { accountPage } from "./accountPage.js";
import { beaconBlockPage, shardBlockPage } from "./blockPages.js";
import { chainView } from "./chainView.js";
import { el, errorBox } from "./dom.js";
import { subscribe, throttled } from "./live.js";
import { network } from "./network.js";
import { overview } from "./overview.js";
import { bindSearchBox, searchPage, validatorPage } from "./searchPage.js";
import { txPage } from "./txPage.js";

interface Page {
  element: HTMLElement;
  stop?: () => void;
}

function home(): Page {
  const view = overview();
  const chain = chainView();
  const refresh = throttled(async () => {
    await Promise.all([view.refresh(), chain.refresh()]);
  }, 500);
  refresh();
  const stop = subscribe(["head", "shard_head", "finalized"], refresh);
  return { element: el("div", {}, view.element, chain.element), stop };
}

async function route(hash: string): Promise<Page> {
  const parts = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const [kind, a, b] = parts;
  switch (kind) {
    case undefined:
    case "":
      return home();
    case "beacon":
      return { element: await beaconBlockPage(a ?? "") };
    case "shard":
      return { element: await shardBlockPage(a ?? "", b ?? "") };
    case "tx":
      return txPage(a ?? "");
    case "account":
      return { element: await accountPage(a ?? "") };
    case "validator":
      return { element: await validatorPage(a ?? "") };
    case "search":
      return { element: await searchPage(a ?? "") };
    default:
      return { element: el("p", { class: "error" }, `no page ${hash}`) };
  }
}

let current: Page | undefined;
let generation = 0;

async function show(): Promise<void> {
  const app = document.getElementById("app");
  if (!app) return;
  const mine = ++generation;
  current?.stop?.();
  current = undefined;
  let page: Page;
  try {
    page = await route(location.hash);
  } catch (err) {
    page = { element: errorBox(err) };
  }
  if (mine !== generation) {
    page.stop?.();
    return;
  }
  current = page;
  app.replaceChildren(page.element);
}

const form = document.getElementById("search");
if (form instanceof HTMLFormElement) bindSearchBox(form);
window.addEventListener("hashchange", () => void show());
void show();
void network()
  .then((n) => {
    const label = document.getElementById("network");
    if (label) label.textContent = `${n.network} · ${n.shardCount} shards · ${n.secondsPerSlot}s slots`;
  })
  .catch(() => undefined);
