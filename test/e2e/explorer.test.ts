/**
 * The explorer (packages/explorer) in headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core) against a real devnet: beacon + 2 shard nodes, 2 shards, 1-second slots. The page is the
 * one node-1 serves at `/`. Checks: the overview's numbers change across slots and the chain view draws
 * crosslinks; a cross-shard transfer sent during the test is found by hash through the search box and its
 * timeline reaches finalized; the account proof shows as verified, and as failed when the proof response is
 * tampered with through request interception; no console errors. Screenshots go to test-results/explorer/.
 * Deadlines are counted in slots and epochs.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../apps/devnet/src/processes.js";
import { E2eDevnet, saveEvidenceOnFailure, withEvidence } from "./helpers/devnet.js";
import { account, type DevAccount, devAccountsOnShard, submit, transfer } from "./helpers/txs.js";

const BASE_PORT = 29650;
const SHARDS = 2;
/** Debian's chromium package (.ci/run installs it). */
const CHROMIUM = "/usr/bin/chromium";
const SHOTS = join(REPO_ROOT, "test-results", "explorer");
/** The chain view's window (packages/explorer/src/chainView.ts WINDOW_SLOTS). */
const WINDOW_SLOTS = 32;

const t0 = Date.now();
function note(msg: string): void {
  process.stdout.write(`[explorer-e2e +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
}

interface ProofResponse {
  proof?: { account: { balance: string } | null };
}

describe.sequential("explorer in headless Chromium (real devnet)", () => {
  let devnet: E2eDevnet | undefined;
  const failures = saveEvidenceOnFailure(() => devnet);
  let browser: Browser | undefined;
  let page: Page;
  let api = "";
  let sender: DevAccount;
  let recipient: DevAccount;
  const consoleErrors: string[] = [];

  function net(): E2eDevnet {
    if (!devnet) throw new Error("devnet did not start");
    return devnet;
  }

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const text = async (selector: string) => (await page.locator(selector).first().textContent())?.trim() ?? "";
  const numberAt = async (selector: string) => Number(await text(selector));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    devnet = await E2eDevnet.start({ basePort: BASE_PORT, shardNodes: 2, shards: SHARDS, validators: 16 });
    const d = devnet;
    await withEvidence(d, "setup", async () => {
      await d.untilSlot(2);
      api = d.node("node-1").api;
      const status = await d.status("node-1");
      const shard = status.trackedShards[0]!;
      const other = (shard + 1) % SHARDS;
      sender = devAccountsOnShard(shard, 1, SHARDS, 0)[0]!;
      recipient = devAccountsOnShard(other, 1, SHARDS, 0)[0]!;
      if (!existsSync(CHROMIUM))
        throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        timeout: 30_000,
      });
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on("console", (m) => {
        if (m.type() === "error") consoleErrors.push(m.text());
      });
      page.on("pageerror", (err) => consoleErrors.push(err.message));
      note(
        `devnet up; node-1 tracks ${status.trackedShards.join(",")}; dev:${sender.n} → dev:${recipient.n}`,
      );
    });
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await devnet?.stop(failures.any());
  });

  it("the overview shows live numbers that change across slots, the chain view draws crosslinks", async () => {
    const d = net();
    await page.goto(`${api}/`);
    const head = "#overview .cards [data-field='head-slot']";
    const shardHead = `#overview tr[data-shard='${sender.shard}'] [data-field='head-slot']`;
    await expect.poll(() => numberAt(head), { timeout: d.slots(10), interval: 200 }).toBeGreaterThan(0);
    await expect.poll(() => numberAt(shardHead), { timeout: d.slots(10), interval: 200 }).toBeGreaterThan(0);
    const first = { head: await numberAt(head), shard: await numberAt(shardHead) };
    // No reload: the numbers move by themselves (server-sent events).
    await expect
      .poll(() => numberAt(head), { timeout: d.slots(8), interval: 200 })
      .toBeGreaterThan(first.head + 1);
    await expect
      .poll(() => numberAt(shardHead), { timeout: d.slots(8), interval: 200 })
      .toBeGreaterThan(first.shard);
    note(
      `overview head ${first.head} → ${await numberAt(head)}, shard ${sender.shard} ${first.shard} → ${await numberAt(shardHead)}`,
    );
    expect(await page.locator("#chain svg rect.beacon").count()).toBeGreaterThan(0);
    expect(await page.locator("#chain svg rect.shard").count()).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator("#chain svg path.crosslink").count(), { timeout: d.epochs(2), interval: 250 })
      .toBeGreaterThan(0);
    note(`chain view: ${await page.locator("#chain svg path.crosslink").count()} crosslinks drawn`);
    await shot("overview");
  });

  it("a transfer sent now is found by hash with the search box and its timeline reaches finalized", async () => {
    const d = net();
    const { nonce } = await account(api, sender.hex);
    const t = transfer(sender, recipient, 1234n, nonce);
    const sent = await submit(api, t);
    expect(sent.status, sent.text).toBe(202);
    const sentSlot = d.currentSlot();
    note(`sent ${t.hash} at slot ${sentSlot} (shard ${sender.shard} → ${recipient.shard})`);
    await page.fill("#search input[name='q']", t.hash);
    await page.press("#search input[name='q']", "Enter");
    await page.waitForURL((url) => url.hash === `#/tx/${t.hash}`, { timeout: d.slots(5) });
    await page.locator("ol.timeline").waitFor({ timeout: d.slots(5) });
    const reached: Record<string, number> = {};
    await expect
      .poll(
        async () => {
          const status = (await page.locator("ol.timeline").getAttribute("data-status")) ?? "";
          reached[status] ??= d.currentSlot();
          return status;
        },
        { timeout: d.epochs(8), interval: 250 },
      )
      .toBe("finalized");
    note(`timeline: ${JSON.stringify(reached)} (slot reached first seen by the page)`);
    for (const step of ["pending", "included", "crosslinked", "finalized"]) {
      expect(
        await page.locator(`ol.timeline li[data-step='${step}']`).getAttribute("data-reached"),
        step,
      ).toBe("true");
    }
    expect(await page.locator("#transaction h2", { hasText: "Cross-shard receipt" }).count()).toBe(1);
    note(`receipt: ${(await text("#transaction dl:last-of-type")).replace(/\s+/g, " ")}`);
    await shot("transaction");

    // Block pages, through the transaction page's links: the source block lists the transaction, the
    // destination block lists the receipt with its source shard, the beacon block its crosslinks.
    await page
      .locator("#transaction a", { hasText: `shard ${sender.shard} slot` })
      .first()
      .click();
    await page.locator(`#shard-block table[data-list='transactions'] a[href='#/tx/${t.hash}']`).waitFor({
      timeout: d.slots(5),
    });
    await page.goBack();
    await page.locator(`#transaction a[href^='#/shard/${recipient.shard}/']`).first().click();
    const receipt = page.locator("#shard-block table[data-list='receipts'] tr", {
      hasText: `shard ${sender.shard}`,
    });
    await receipt.locator(`a[href='#/tx/${t.hash}']`).waitFor({ timeout: d.slots(5) });
    await shot("shard-block-receipt");
    await page.locator("#shard-block dd a[href^='#/beacon/']").first().click();
    await page.locator("#beacon-block [data-list='crosslinks']").waitFor({ timeout: d.slots(5) });
    note(
      `beacon block page: ${await text("#beacon-block h1")}, ${await page.locator("#beacon-block h2").allTextContents()}`,
    );
  });

  it("an account proof is verified in the browser; a tampered proof response fails", async () => {
    const d = net();
    await page.goto(`${api}/#/account/${sender.hex}`);
    const verdict = page.locator("[data-proof-result]");
    await verdict.waitFor({ timeout: d.slots(5) });
    expect(await verdict.getAttribute("data-proof-result"), (await verdict.textContent()) ?? "").toBe(
      "verified",
    );
    await shot("account-verified");
    await page.route("**/v1/accounts/**", async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as ProofResponse;
      if (body.proof?.account)
        body.proof.account.balance = (BigInt(body.proof.account.balance) + 1n).toString();
      await route.fulfill({ response, json: body });
    });
    await page.reload();
    await verdict.waitFor({ timeout: d.slots(5) });
    expect(await verdict.getAttribute("data-proof-result"), (await verdict.textContent()) ?? "").toBe(
      "failed",
    );
    note(`tampered: ${await verdict.textContent()}`);
    await shot("account-tampered");
    await page.unroute("**/v1/accounts/**");
  });

  it("the chain view marks finalized blocks and pages back through history", async () => {
    const d = net();
    await page.goto(`${api}/`);
    await expect
      .poll(() => page.locator("#chain rect.beacon.finalized").count(), {
        timeout: d.slots(10),
        interval: 250,
      })
      .toBeGreaterThan(1);
    expect(await page.locator("#chain rect.shard.finalized").count()).toBeGreaterThan(0);
    await shot("home");
    const windowStart = async () => Number(await page.locator("#chain").getAttribute("data-from"));
    const before = await windowStart();
    await page.locator("button[data-action='older']").click();
    await expect
      .poll(windowStart, { timeout: d.slots(5), interval: 200 })
      .toBe(Math.max(0, before - WINDOW_SLOTS / 2));
    // The label changes when the refresh the click started has drawn (the window may already start at 0).
    await expect
      .poll(async () => /following/.test(await text(".chain-controls .muted")), {
        timeout: d.slots(5),
        interval: 200,
      })
      .toBe(false);
    expect(await page.locator("#chain rect.beacon").count()).toBeGreaterThan(0);
    note(`chain view: window from slot ${before} → ${await windowStart()} after "older"`);
  });

  it("no console errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
