/**
 * Bad input against the node HTTP API (DESIGN.md §7: "Bad input gets a 4xx with a message that says what
 * is wrong; the node never crashes on input"). A small devnet (beacon + 2 shard nodes, 2 shards,
 * 1-second slots); every case checks the status code, the `{code, message}` body and that the message
 * names the problem; afterwards every node answers /v1/node/health and the heads keep advancing.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2eDevnet, isRunning, saveEvidenceOnFailure, waitFor, withEvidence } from "./helpers/devnet.js";
import {
  account,
  type DevAccount,
  devAccount,
  devAccountsOnShard,
  nodesByShard,
  postJson,
  request,
  submit,
  transfer,
  waitTxStatus,
} from "./helpers/txs.js";

const BASE_PORT = 29200;
const SHARDS = 2;

const t0 = Date.now();
function note(msg: string): void {
  process.stdout.write(`[api-e2e +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
}

interface ErrorBody {
  code?: string;
  message?: string;
}

describe.sequential("node API bad input (real processes)", () => {
  let devnet: E2eDevnet | undefined;
  const failures = saveEvidenceOnFailure(() => devnet);
  let api = "";
  let sender: DevAccount;
  let headBefore = -1;

  function net(): E2eDevnet {
    if (!devnet) throw new Error("devnet did not start");
    return devnet;
  }

  /** Sends a request and checks: 4xx, JSON `{code, message}`, message matching `names`. */
  async function expectRefused(
    what: string,
    res: { status: number; body: unknown; text: string },
    names: RegExp,
    status?: number,
  ): Promise<ErrorBody> {
    note(`${what} → ${res.status} ${res.text.slice(0, 200)}`);
    expect(res.status, `${what}: ${res.text}`).toBeGreaterThanOrEqual(400);
    expect(res.status, `${what}: ${res.text}`).toBeLessThan(500);
    if (status !== undefined) expect(res.status, `${what}: ${res.text}`).toBe(status);
    const body = res.body as ErrorBody;
    expect(typeof body, `${what}: JSON body`).toBe("object");
    expect(typeof body.code, `${what}: code`).toBe("string");
    expect(body.message, `${what}: message names the problem`).toMatch(names);
    return body;
  }

  const post = (body: string, contentType = "application/json") =>
    request(`${api}/v1/transactions`, { method: "POST", headers: { "content-type": contentType }, body });

  beforeAll(async () => {
    devnet = await E2eDevnet.start({
      basePort: BASE_PORT,
      shardNodes: 2,
      shards: SHARDS,
      validators: 16,
      slotSeconds: 1,
    });
    const d = devnet;
    await withEvidence(d, "setup", async () => {
      await d.untilSlot(3);
      api = d.node("node-1").api;
      const status = await d.status("node-1");
      const shard = status.trackedShards[0]!;
      sender = devAccountsOnShard(shard, 1, SHARDS, 0)[0]!; // a genesis-funded dev account (dev:0..15)
      expect(sender.n).toBeLessThan(16);
      headBefore = (await d.status("node-1")).head.slot;
      note(
        `devnet up; node-1 tracks ${status.trackedShards.join(",")}; sender dev:${sender.n} on shard ${shard}`,
      );
    });
  });

  afterAll(async () => {
    await devnet?.stop(failures.any());
  });

  it("malformed JSON and non-JSON bodies", async () => {
    await expectRefused("truncated JSON", await post('{"from": "0x12'), /json/i, 400);
    await expectRefused("JSON string body", await post('"hello"'), /transaction object|array/i, 400);
    await expectRefused("JSON number body", await post("42"), /transaction object|array/i, 400);
    await expectRefused("empty batch", await post("[]"), /no transactions|empty/i, 400);
    await expectRefused(
      "text/plain",
      await post("hello", "text/plain"),
      /content-type|media type|text\/plain/i,
    );
  });

  // Each field case on its own, so one vague message does not hide the others.
  const fieldCases: Array<{
    name: string;
    patch: (good: Record<string, unknown>) => unknown;
    names: RegExp;
  }> = [
    { name: "amount as a word", patch: (g) => ({ ...g, amount: "ten" }), names: /amount/i },
    { name: "amount as a boolean", patch: (g) => ({ ...g, amount: true }), names: /amount/i },
    { name: "from as a number", patch: (g) => ({ ...g, from: 12 }), names: /from/i },
    { name: "from of 1 byte", patch: (g) => ({ ...g, from: "0x12" }), names: /from/i },
    { name: "short signature", patch: (g) => ({ ...g, signature: "0x1234" }), names: /signature/i },
    { name: "fee null", patch: (g) => ({ ...g, fee: null }), names: /fee/i },
    { name: "negative nonce", patch: (g) => ({ ...g, nonce: "-1" }), names: /nonce/i },
    { name: "fractional nonce", patch: (g) => ({ ...g, nonce: "1.5" }), names: /nonce/i },
    {
      name: "missing fee",
      patch: (g) => {
        const { fee: _fee, ...rest } = g;
        return rest;
      },
      names: /fee/i,
    },
    { name: "unknown field", patch: (g) => ({ ...g, memo: "hi" }), names: /unknown.*memo|memo.*unknown/i },
    {
      name: "from is not the pubkey's address",
      patch: (g) => ({
        ...g,
        pubkey: `0x${Buffer.from(devAccount(901, SHARDS).key.publicKey).toString("hex")}`,
      }),
      names: /pubkey|signature/i,
    },
  ];
  for (const c of fieldCases) {
    it(`field: ${c.name}`, async () => {
      const good = transfer(sender, devAccount(900, SHARDS), 10n, 0).json;
      await expectRefused(c.name, await postJson(`${api}/v1/transactions`, c.patch(good)), c.names, 400);
    });
  }

  it("field: zero amount", async () => {
    const zero = transfer(sender, devAccount(900, SHARDS), 0n, 0).json;
    await expectRefused("zero amount", await postJson(`${api}/v1/transactions`, zero), /amount/i, 400);
  });

  it("bad signature, wrong nonce, overdraft", async () => {
    const t = transfer(sender, devAccount(902, SHARDS), 10n, 0);
    const sig = String(t.json.signature);
    const flipped = `${sig.slice(0, -2)}${sig.endsWith("00") ? "01" : "00"}`;
    await expectRefused(
      "bad signature",
      await postJson(`${api}/v1/transactions`, { ...t.json, signature: flipped }),
      /signature/i,
      400,
    );
    await expectRefused(
      "nonce far ahead",
      await submit(api, transfer(sender, devAccount(902, SHARDS), 10n, 5000)),
      /nonce/i,
      400,
    );
    const before = await account(api, sender.hex);
    await expectRefused(
      "overdraft",
      await submit(api, transfer(sender, devAccount(902, SHARDS), BigInt(before.balance), before.nonce)),
      /balance/i,
      400,
    );
    // A replayed nonce: send one transfer, wait for inclusion, then reuse its nonce.
    const ok = transfer(sender, devAccount(902, SHARDS), 10n, before.nonce);
    const res = await submit(api, ok);
    expect(res.status, res.text).toBe(202);
    await waitTxStatus(api, ok.hash, "included", net().slots(30));
    await expectRefused(
      "nonce already used",
      await submit(api, transfer(sender, devAccount(902, SHARDS), 11n, before.nonce)),
      /nonce/i,
      400,
    );
    // Resubmitting the very same transaction after inclusion is refused as a replay too (not "pending").
    const again = await submit(api, ok);
    note(`resubmitted included tx → ${again.status} ${again.text}`);
    expect(again.status).toBe(400);
  });

  it("batches: more than 1000 is refused whole; a mixed batch reports each item", async () => {
    const base = await account(api, sender.hex);
    const many = Array.from(
      { length: 1001 },
      (_, i) => transfer(sender, devAccount(903, SHARDS), 1n, base.nonce + i).json,
    );
    await expectRefused("batch of 1001", await postJson(`${api}/v1/transactions`, many), /1000/, 400);
    const after = await account(api, sender.hex);
    expect(after.nonce, "nothing of the oversized batch was admitted").toBe(base.nonce);
    const mixed = [
      transfer(sender, devAccount(904, SHARDS), 5n, base.nonce).json,
      { ...transfer(sender, devAccount(904, SHARDS), 5n, base.nonce + 1).json, amount: "x" },
      transfer(sender, devAccount(904, SHARDS), 5n, base.nonce + 9999).json,
    ];
    const res = await postJson<{
      accepted: number;
      rejected: number;
      results: Array<{ status: string; message?: string }>;
    }>(`${api}/v1/transactions`, mixed);
    note(`mixed batch → ${res.status} ${res.text.slice(0, 300)}`);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toBe(2);
    expect(res.body.results.map((r) => r.status)).toEqual(["pending", "rejected", "rejected"]);
    expect(res.body.results[1]?.message).toMatch(/amount/i);
    expect(res.body.results[2]?.message).toMatch(/nonce/i);
  });

  it("bad path and query parameters", async () => {
    const get = (path: string) => request(`${api}${path}`);
    await expectRefused("unknown shard 99", await get("/v1/shards/99/head"), /shard 99/i, 400);
    await expectRefused("shard not a number", await get("/v1/shards/abc/head"), /shard/i, 400);
    await expectRefused("negative shard", await get("/v1/shards/-1/head"), /shard/i, 400);
    await expectRefused("unknown shard block", await get("/v1/shards/99/blocks/1"), /shard 99/i, 400);
    await expectRefused("bad tx hash", await get("/v1/transactions/0xzz"), /hash/i, 400);
    await expectRefused("short tx hash", await get(`/v1/transactions/0x${"ab".repeat(16)}`), /hash/i, 400);
    await expectRefused(
      "unknown tx hash",
      await get(`/v1/transactions/0x${"ab".repeat(32)}`),
      /transaction.*not found/i,
      404,
    );
    await expectRefused("bad address", await get("/v1/accounts/0x1234"), /address/i, 400);
    await expectRefused("address not hex", await get(`/v1/accounts/0x${"zz".repeat(20)}`), /address/i, 400);
    await expectRefused("bad proof flag", await get(`/v1/accounts/${sender.hex}?proof=maybe`), /proof/i, 400);
    await expectRefused(
      "unknown account query",
      await get(`/v1/accounts/${sender.hex}?foo=1`),
      /foo|additional/i,
      400,
    );
    await expectRefused("bad block id", await get("/v1/beacon/blocks/latest!"), /id/i, 400);
    await expectRefused("missing block", await get("/v1/beacon/blocks/99999999"), /not found/i, 404);
    await expectRefused("bad epoch", await get("/v1/beacon/committees?epoch=-3"), /epoch/i, 400);
    await expectRefused(
      "far epoch",
      await get("/v1/beacon/committees?epoch=999999"),
      /epoch|period|shuffling/i,
      400,
    );
    await expectRefused("unknown event topic", await get("/v1/events?topics=head,bogus"), /bogus/i, 400);
    await expectRefused(
      "bad event tx",
      await get("/v1/events?topics=transaction&tx=nothex"),
      /nothex|hash/i,
      400,
    );
    await expectRefused("unknown route", await get("/v1/nothing"), /\/v1\/nothing/, 404);
    // The explorer's routes (packages/node/src/api/explorerRoutes.ts): ranges are bounded, queries validated.
    await expectRefused(
      "range over 64 blocks",
      await get("/v1/beacon/blocks?from=0&count=65"),
      /count/i,
      400,
    );
    await expectRefused("range without from", await get("/v1/beacon/blocks?count=5"), /from/i, 400);
    await expectRefused("negative range start", await get("/v1/shards/0/blocks?from=-1"), /from/i, 400);
    await expectRefused("range of unknown shard", await get("/v1/shards/99/blocks?from=0"), /shard 99/i, 400);
    await expectRefused("empty search", await get("/v1/search?q="), /empty/i, 400);
    await expectRefused("search for a word", await get("/v1/search?q=hello"), /search for/i, 400);
    await expectRefused("explorer path escape", await get("/explorer/..%2Fpackage.json"), /file/i, 400);
  });

  it("an oversized body is refused", async () => {
    const huge = `[${Array.from({ length: 3000 }, () => JSON.stringify(transfer(sender, sender, 1n, 0).json)).join(",")}]`;
    expect(huge.length).toBeGreaterThan(1024 * 1024);
    await expectRefused("body over 1 MiB", await post(huge), /body|large|limit/i, 413);
  });

  it("validly signed out-of-range amounts (negative, above 2^64-1) are refused and mint nothing", async () => {
    // signTransaction signs the SSZ bytes, where -5 wraps to 2^64-5: the signature verifies for the JSON "-5".
    const before = await account(api, sender.hex);
    const negative = transfer(sender, devAccount(905, SHARDS), -5n, before.nonce);
    const neg = await submit(api, negative);
    const huge = transfer(sender, devAccount(905, SHARDS), (1n << 64n) + 5n, before.nonce);
    const big = await submit(api, huge);
    // Let a few slots pass so an admitted one would be executed, then check nothing was minted.
    const d = net();
    await d.untilSlot(d.currentSlot() + 4);
    const after = await account(api, sender.hex);
    const target = await account(api, devAccount(905, SHARDS).hex).catch(() => undefined);
    note(
      `negative amount → ${neg.status} ${neg.text}; 2^64+5 → ${big.status} ${big.text}; sender ${before.balance} → ${after.balance} nonce ${before.nonce} → ${after.nonce}; receiver ${target?.balance}`,
    );
    expect(BigInt(after.balance), "sender balance must not grow").toBeLessThanOrEqual(BigInt(before.balance));
    await expectRefused("amount -5 (validly signed)", neg, /amount/i, 400);
    await expectRefused("amount 2^64+5 (validly signed)", big, /amount/i, 400);
  });

  it("afterwards every node is healthy and the heads keep advancing", async () => {
    const d = net();
    for (const n of d.nodes.values()) expect(isRunning(n.child), `${n.name} still running`).toBe(true);
    for (const n of d.nodes.values()) {
      const res = await request(`${n.api}/v1/node/health`);
      expect(res.status, `${n.name} health`).toBe(200);
    }
    const from = await d.statuses();
    await waitFor(
      "every node's head to advance",
      async () => {
        const now = await d.statuses();
        for (const [name, s] of now)
          if (!s || s.head.slot <= (from.get(name)?.head.slot ?? -1)) return undefined;
        return true;
      },
      d.slots(20),
    );
    const s = await d.status("node-1");
    expect(s.head.slot).toBeGreaterThan(headBefore);
    // Shard heads advance too (node-1's tracked shards).
    const byShard = nodesByShard(await d.statuses(["node-1"]), new Map([["node-1", api]]), SHARDS);
    for (const [shard, nodes] of byShard.entries()) {
      if (nodes.length === 0) continue;
      const h1 = (await request<{ slot: number }>(`${api}/v1/shards/${shard}/head`)).body.slot;
      await waitFor(
        `shard ${shard} head to advance`,
        async () =>
          (await request<{ slot: number }>(`${api}/v1/shards/${shard}/head`)).body.slot > h1
            ? true
            : undefined,
        d.slots(20),
      );
    }
  });
});
