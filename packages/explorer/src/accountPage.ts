/**
 * Account page: balance and nonce at the shard head, and the Merkle proof of the account against the
 * crosslinked `state_root`, checked here in the browser (proof.ts) with the verdict shown.
 */
import { getJson } from "./api.js";
import { el, fields, link, shardHref } from "./dom.js";
import { verifyAccountProof, webCryptoSha256 } from "./proof.js";
import type { AccountJson } from "./types.js";

function verdict(kind: "verified" | "failed" | "absent" | "unavailable", text: string): HTMLElement {
  return el("p", {}, el("span", { class: `verdict ${kind}`, "data-proof-result": kind }, text));
}

async function proofSection(a: AccountJson): Promise<HTMLElement[]> {
  const p = a.proof;
  if (!p) return [verdict("unavailable", "the node sent no proof")];
  const head: HTMLElement[] = [
    el("h2", {}, "Merkle proof against the crosslinked state"),
    fields([
      [
        "crosslink",
        link(
          shardHref(p.crosslink.shard, p.crosslink.shardBlockRoot),
          `shard ${p.crosslink.shard} slot ${p.crosslink.slot}`,
        ),
      ],
      ["crosslinked state_root", p.crosslink.stateRoot],
      ["proven balance", p.account?.balance ?? "–"],
      ["proven nonce", p.account ? String(p.account.nonce) : "–"],
      ["account index", p.account ? String(p.account.index) : "–"],
      ["branch", p.account ? `${p.account.branch.length} hashes` : "–"],
    ]),
  ];
  if (!p.account) return [...head, verdict("absent", "no account at this address in the crosslinked state")];
  const sha256 = webCryptoSha256();
  if (!sha256)
    return [
      ...head,
      verdict("unavailable", "cannot verify: WebCrypto needs a secure context (https or 127.0.0.1)"),
    ];
  const result = await verifyAccountProof(sha256, {
    address: a.address,
    balance: p.account.balance,
    nonce: p.account.nonce,
    index: p.account.index,
    branch: p.account.branch,
    stateRoot: p.crosslink.stateRoot,
  });
  return [
    ...head,
    result.ok
      ? verdict("verified", "✔ verified in this browser: the crosslinked state_root commits to this account")
      : verdict("failed", `✘ proof failed: ${result.reason ?? "mismatch"}`),
    result.computedRoot
      ? el("p", { class: "muted mono" }, `computed root ${result.computedRoot}`)
      : el("span"),
  ];
}

export async function accountPage(address: string): Promise<HTMLElement> {
  const a = await getJson<AccountJson>(`/v1/accounts/${encodeURIComponent(address)}?proof=true`);
  return el(
    "section",
    { id: "account" },
    el("h1", {}, "Account"),
    fields([
      ["address", a.address],
      ["shard", String(a.shard)],
      ["balance", el("span", { "data-field": "balance" }, a.balance)],
      ["nonce", el("span", { "data-field": "nonce" }, String(a.nonce))],
      ["at shard head slot", String(a.headSlot)],
    ]),
    ...(await proofSection(a)),
  );
}
