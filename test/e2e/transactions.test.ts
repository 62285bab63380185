/**
 * Transactions end to end (DESIGN.md §4, §7, §9): one beacon node + 4 shard nodes as real processes,
 * 4 shards, 1-second slots, 32 validators. One devnet is shared by the tests, which run in order:
 *   intra-shard per shard → SSE status stream → cross-shard through a node tracking neither shard →
 *   burst of 2,000 transfers from 50 senders → kill -9 after `included` → supply conservation.
 *
 * Accounts: dev:0..15 are funded at genesis (harness default). Every other account a test touches is a
 * fresh dev account (balance 0 at genesis), so expected balances are exact sums.
 */

import { SeededRandom, shardOf } from "@shardnet/consensus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapLimit } from "../../apps/loadgen/src/concurrency.js";
import {
  E2eDevnet,
  formatStatuses,
  SLOTS_PER_EPOCH,
  saveEvidenceOnFailure,
  sleep,
  waitFor,
  withEvidence,
} from "./helpers/devnet.js";
import {
  account,
  type DevAccount,
  devAccount,
  devAccountsOnShard,
  nodesByShard,
  percentile,
  type SignedTransfer,
  SseClient,
  statusRank,
  submit,
  submitBatch,
  type TxStatusJson,
  transfer,
  txStatus,
  waitTxStatus,
} from "./helpers/txs.js";

const BASE_PORT = 29000;
const SHARDS = 4;
const GENESIS_ACCOUNTS = 16;
const GENESIS_BALANCE = 1_000_000_000_000_000n;
const BURST_SENDERS = 50;
const BURST_PER_SENDER = 40;
const BURST_RECEIVERS = 100;
const SLOT_MS = 1000;
const EPOCH_MS = SLOTS_PER_EPOCH * SLOT_MS;
/**
 * Deadlines, in epochs, sized for a loaded 2-core machine: about 3× what a transfer typically takes
 * (finalized ≈ 3–4 epochs after sending, the burst's last one ≈ 3 epochs after its last send).
 */
const FINALIZED_EPOCHS = 12;
const INCLUDED_SLOTS = 30;

const t0 = Date.now();
/** POST /v1/transactions answers the hash without 0x while GET answers with it: compare normalised. */
const hex0x = (h: string | undefined): string => `0x${String(h).replace(/^0x/, "").toLowerCase()}`;
const devShard = (address: Uint8Array): number => shardOf(address, SHARDS);

function note(msg: string): void {
  process.stdout.write(`[tx-e2e +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
}

describe.sequential("transactions end to end (real processes, 1-second slots)", () => {
  let devnet: E2eDevnet | undefined;
  const failures = saveEvidenceOnFailure(() => devnet);
  const sse: SseClient[] = [];
  /** Every transfer a test sent that must end up in the chain (for the supply check). */
  const sent: SignedTransfer[] = [];
  /** Every account the tests touched besides the genesis ones. */
  const touched = new Map<string, DevAccount>();
  /** Next nonce of each genesis account (tests send from them in turn). */
  const nonces = new Map<number, number>();
  const genesisAccounts = Array.from({ length: GENESIS_ACCOUNTS }, (_, n) => devAccount(n, SHARDS));

  function net(): E2eDevnet {
    if (!devnet) throw new Error("devnet did not start");
    return devnet;
  }

  function apis(): Map<string, string> {
    return new Map([...net().nodes.values()].map((n) => [n.name, n.api]));
  }

  /** Shard nodes (not the beacon) that track each shard right now. */
  async function trackers(): Promise<Array<Array<{ name: string; api: string }>>> {
    const d = net();
    const names = d.running().filter((n) => d.node(n).role === "shard");
    return nodesByShard(await d.statuses(names), apis(), SHARDS);
  }

  async function trackerOf(shard: number): Promise<{ name: string; api: string }> {
    const t = (await trackers())[shard] ?? [];
    const first = t[0];
    if (!first) throw new Error(`no running node tracks shard ${shard}`);
    return first;
  }

  /** A genesis account on `shard` (round-robin) with its next nonce. */
  function genesisSender(shard: number, pick = 0): { acct: DevAccount; nonce: () => number } {
    const onShard = genesisAccounts.filter((a) => a.shard === shard);
    const acct = onShard[pick % onShard.length];
    if (!acct) throw new Error(`no genesis account on shard ${shard}`);
    return {
      acct,
      nonce: () => {
        const n = nonces.get(acct.n) ?? 0;
        nonces.set(acct.n, n + 1);
        return n;
      },
    };
  }

  function fresh(n: number): DevAccount {
    const a = devAccount(n, SHARDS);
    touched.set(a.hex, a);
    return a;
  }

  beforeAll(async () => {
    devnet = await E2eDevnet.start({
      basePort: BASE_PORT,
      shardNodes: 4,
      shards: SHARDS,
      validators: 32,
      slotSeconds: SLOT_MS / 1000,
    });
    const d = devnet;
    note(`devnet up in ${d.dir}; genesis in ${((d.genesisTimeMs - Date.now()) / 1000).toFixed(1)} s`);
    await withEvidence(d, "setup", async () => {
      // Transactions need a shard head past genesis and peers subscribed to the shard topics.
      await d.untilSlot(3);
      await waitFor(
        "every shard to be tracked by a shard node",
        async () => ((await trackers()).every((t) => t.length > 0) ? true : undefined),
        d.epochs(4),
      );
      note(`tracked: ${formatStatuses(await d.statuses())}`);
    });
  });

  afterAll(async () => {
    for (const c of sse) c.close();
    await devnet?.stop(failures.any());
    if (failures.any() && devnet) note(`kept ${devnet.dir} for inspection`);
  });

  it("intra-shard transfers on each shard reach finalized; balances and nonces agree on every node tracking the shard", async () => {
    const started = Date.now();
    const jobs = await Promise.all(
      Array.from({ length: SHARDS }, async (_, shard) => {
        const { acct, nonce } = genesisSender(shard);
        const to = devAccountsOnShard(shard, 1, SHARDS, 100 + shard * 100)[0]!;
        touched.set(to.hex, to);
        const t = transfer(acct, to, 1000n + BigInt(shard), nonce(), 3n);
        const node = await trackerOf(shard);
        const res = await submit(node.api, t);
        expect(res.status, res.text).toBe(202);
        sent.push(t);
        expect(hex0x(res.body.hash)).toBe(t.hash);
        expect(res.body.shard).toBe(shard);
        return { shard, t, to, node };
      }),
    );
    const finals = await Promise.all(
      jobs.map((j) => waitTxStatus(j.node.api, j.t.hash, "finalized", FINALIZED_EPOCHS * EPOCH_MS)),
    );
    note(
      `intra-shard: all ${SHARDS} finalized ${((Date.now() - started) / 1000).toFixed(1)} s after sending`,
    );
    for (const [i, j] of jobs.entries()) {
      const f = finals[i]!;
      expect(f.shard).toBe(j.shard);
      expect(f.receipt).toBeUndefined();
      expect(f.included?.slot).toBeLessThanOrEqual(f.crosslinked?.crosslinkSlot ?? -1);
      const all = (await trackers())[j.shard]!;
      expect(all.length).toBeGreaterThan(0);
      for (const node of all) {
        // Every tracker reports the same inclusion and the same account state.
        const s = await waitTxStatus(node.api, j.t.hash, "finalized", 4 * EPOCH_MS);
        expect(s.included?.blockRoot, node.name).toBe(f.included?.blockRoot);
        const sender = await account(node.api, j.t.from.hex);
        expect(sender.nonce, `${node.name} sender nonce`).toBe(1);
        expect(BigInt(sender.balance), `${node.name} sender balance`).toBe(
          GENESIS_BALANCE - j.t.amount - j.t.fee,
        );
        const receiver = await account(node.api, j.to.hex);
        expect(BigInt(receiver.balance), `${node.name} receiver balance`).toBe(j.t.amount);
        expect(receiver.nonce).toBe(0);
      }
    }
  });

  it("the event stream delivers a watched transaction's statuses in order: pending → included → crosslinked → finalized", async () => {
    const shard = 1;
    const node = await trackerOf(shard);
    const { acct, nonce } = genesisSender(shard, 1);
    const to = fresh(3000);
    const t = transfer(acct, to, 777n, nonce(), 2n);
    const client = new SseClient(`${node.api}/v1/events?topics=transaction&tx=${t.hash}`);
    sse.push(client);
    await client.connected;
    const res = await submit(node.api, t);
    expect(res.status, res.text).toBe(202);
    sent.push(t);
    const statuses = () =>
      client.events.filter((e) => e.event === "transaction").map((e) => (e.data as TxStatusJson).status);
    await client.waitUntil(
      "a finalized transaction event",
      () => statuses().includes("finalized"),
      FINALIZED_EPOCHS * EPOCH_MS,
    );
    const d = net();
    await d.untilSlot(d.currentSlot() + 2); // two more slots of events: anything after finalized would be a regression
    const seen = statuses();
    note(`SSE ${node.name}: ${seen.join(" → ")}`);
    for (const e of client.events) expect((e.data as TxStatusJson).hash).toBe(t.hash);
    for (let i = 1; i < seen.length; i++) {
      expect(statusRank(seen[i]!), `no regression in ${seen.join(",")}`).toBeGreaterThan(
        statusRank(seen[i - 1]!),
      );
    }
    expect(seen).toEqual(["pending", "included", "crosslinked", "finalized"]);
    client.close();
  });

  it("a cross-shard transfer sent to a node tracking neither shard is credited exactly once and reaches finalized", async () => {
    const d = net();
    const beacon = await d.status("beacon");
    expect(beacon.trackedShards, "the beacon node should track no shard").toEqual([]);
    const source = 0;
    const dest = 3;
    const { acct, nonce } = genesisSender(source, 2);
    const to = devAccountsOnShard(dest, 1, SHARDS, 4000)[0]!;
    touched.set(to.hex, to);
    const t = transfer(acct, to, 5_000n, nonce(), 7n);
    const started = Date.now();
    const res = await submit(d.node("beacon").api, t);
    expect(res.status, res.text).toBe(202);
    sent.push(t);
    expect(hex0x(res.body.hash)).toBe(t.hash);
    expect(res.body).toMatchObject({ shard: source, forwarded: true });
    // The forwarding node tracks neither shard: it reports the transaction pending and says why (for
    // CLOSED_RETAIN_EPOCHS; then it forgets it).
    const atBeacon = await txStatus(d.node("beacon").api, t.hash);
    expect(atBeacon?.status).toBe("pending");
    expect(atBeacon?.untracked).toMatch(new RegExp(`does not track shard ${source}`));
    const src = await trackerOf(source);
    const fin = await waitTxStatus(src.api, t.hash, "finalized", FINALIZED_EPOCHS * EPOCH_MS);
    note(`cross-shard via beacon: finalized ${((Date.now() - started) / 1000).toFixed(1)} s after sending`);
    expect(fin.receipt).toMatchObject({ dest, amount: "5000" });
    // Credited on the destination: exactly `amount`, on every node tracking it, and it stays so.
    const destNodes = (await trackers())[dest]!;
    for (const node of destNodes) {
      await waitFor(
        `${node.name} to credit the receipt`,
        async () => ((await account(node.api, to.hex)).balance === "5000" ? true : undefined),
        d.epochs(6),
      );
    }
    const creditedSeen = await waitFor(
      "the source node to report the receipt credited",
      async () => {
        for (const node of (await trackers())[source]!) {
          const s = await txStatus(node.api, t.hash);
          if (s?.receipt?.credited) return s.receipt.credited;
        }
        return undefined;
      },
      d.epochs(6),
    ).catch(() => undefined);
    note(
      `receipt credited: ${creditedSeen ? JSON.stringify(creditedSeen) : "no node tracking both shards reports it"}`,
    );
    await d.untilSlot(d.currentSlot() + 4);
    for (const node of destNodes) {
      const a = await account(node.api, to.hex);
      expect(BigInt(a.balance), `${node.name} credited once`).toBe(5_000n);
    }
  });

  it(`a burst of ${BURST_SENDERS * BURST_PER_SENDER} transfers from ${BURST_SENDERS} senders to random shards all reach finalized, each credited once`, async () => {
    const d = net();
    const random = new SeededRandom(42);
    const rnd = () => random.next();
    // Fund 50 fresh senders from genesis accounts on their own shard (intra-shard, so it settles at once).
    const senders: DevAccount[] = [];
    for (let shard = 0; shard < SHARDS; shard++) {
      const count = Math.floor(BURST_SENDERS / SHARDS) + (shard < BURST_SENDERS % SHARDS ? 1 : 0);
      for (const a of devAccountsOnShard(shard, count, SHARDS, 10_000)) senders.push(a);
    }
    const receivers = Array.from({ length: BURST_RECEIVERS }, (_, i) => fresh(20_000 + i));
    const FUND = 10_000_000n;
    const funding: SignedTransfer[] = senders.map((s, i) => {
      touched.set(s.hex, s);
      const { acct, nonce } = genesisSender(s.shard, i);
      return transfer(acct, s, FUND, nonce(), 1n);
    });
    const byShard = await trackers();
    for (let shard = 0; shard < SHARDS; shard++) {
      const batch = funding.filter((f) => f.from.shard === shard);
      const res = await submitBatch(byShard[shard]![0]!.api, batch);
      expect(res.body.rejected, res.text).toBe(0);
    }
    sent.push(...funding);
    await Promise.all(
      funding.map((f) =>
        waitTxStatus(byShard[f.from.shard]![0]!.api, f.hash, "included", INCLUDED_SLOTS * SLOT_MS, 1000),
      ),
    );
    note(`burst: ${senders.length} senders funded`);

    // 2,000 transfers, nonces pre-computed per sender, random receivers (random shards).
    const burst: SignedTransfer[] = [];
    const expected = new Map<string, bigint>();
    for (let k = 0; k < BURST_PER_SENDER; k++) {
      for (const s of senders) {
        const to = receivers[Math.floor(rnd() * receivers.length)]!;
        const amount = 1n + BigInt(Math.floor(rnd() * 1000));
        burst.push(transfer(s, to, amount, k, 1n));
        expected.set(to.hex, (expected.get(to.hex) ?? 0n) + amount);
      }
    }
    const crossShare = burst.filter((t) => devShard(t.to) !== t.from.shard).length;
    const shardNodes = d.running().filter((n) => d.node(n).role === "shard");
    const started = Date.now();
    const BATCH = 500;
    const batches: SignedTransfer[][] = [];
    for (let i = 0; i < burst.length; i += BATCH) batches.push(burst.slice(i, i + BATCH));
    const results = await Promise.all(
      batches.map((b, i) => submitBatch(d.node(shardNodes[i % shardNodes.length]!).api, b)),
    );
    const lastSend = Date.now();
    const lastSendSlot = d.currentSlot(lastSend);
    sent.push(...burst);
    for (const r of results)
      expect(
        r.body.rejected,
        JSON.stringify(r.body.results.filter((x) => x.status === "rejected").slice(0, 3)),
      ).toBe(0);
    note(
      `burst: ${burst.length} sent in ${lastSend - started} ms (${batches.length} batches of ${BATCH}), ${crossShare} cross-shard, last send at slot ${lastSendSlot}`,
    );

    // Poll until every transfer is finalized (status from a node tracking its sender's shard).
    const finalizedAt = new Map<string, number>();
    const finalStatus = new Map<string, TxStatusJson>();
    const deadline = lastSend + d.epochs(FINALIZED_EPOCHS);
    let round = 0;
    while (finalizedAt.size < burst.length && Date.now() < deadline) {
      const trackersNow = await trackers();
      const open = burst.filter((t) => !finalizedAt.has(t.hash));
      await mapLimit(open, 16, async (t) => {
        const node = trackersNow[t.from.shard]?.[round % Math.max(1, trackersNow[t.from.shard]?.length ?? 1)];
        if (!node) return;
        const s = await txStatus(node.api, t.hash).catch(() => undefined);
        if (s?.status === "rejected")
          throw new Error(`burst transfer ${t.hash} rejected: ${JSON.stringify(s.reason)}`);
        // The node's own first-seen time (not this poll's), so the polling cadence does not add latency.
        if (s?.status === "finalized") {
          finalizedAt.set(t.hash, Date.parse(s.finalized?.time ?? "") || Date.now());
          finalStatus.set(t.hash, s);
        }
      });
      round++;
      if (finalizedAt.size < burst.length) await sleep(1000);
    }
    const lastFinal = Math.max(...finalizedAt.values());
    const seconds = (lastFinal - lastSend) / 1000;
    const epochs = seconds / ((SLOTS_PER_EPOCH * d.slotMs) / 1000);
    note(
      `burst: ${finalizedAt.size}/${burst.length} finalized; last one ${seconds.toFixed(1)} s = ${epochs.toFixed(2)} epochs after the last send (deadline ${FINALIZED_EPOCHS})`,
    );
    const views = [...finalStatus.values()];
    const maxOf = (f: (v: TxStatusJson) => number | undefined) => Math.max(...views.map((v) => f(v) ?? -1));
    const msAfterSend = (iso: string | undefined) => (iso ? Date.parse(iso) - lastSend : Number.NaN);
    note(
      `burst: last included slot ${maxOf((v) => v.included?.slot)} (p99 ${(
        percentile(
          views.map((v) => msAfterSend(v.included?.time)),
          99,
        ) / 1000
      ).toFixed(
        1,
      )} s after the last send), last crosslinked beacon slot ${maxOf((v) => v.crosslinked?.slot)}, ` +
        `finalized p50 ${(
          percentile(
            views.map((v) => msAfterSend(v.finalized?.time)),
            50,
          ) / 1000
        ).toFixed(1)} s / max ${seconds.toFixed(1)} s after the last send`,
    );
    expect(finalizedAt.size).toBe(burst.length);

    // Each receipt credited once: every receiver holds exactly the sum sent to it, on every tracker.
    const settleStarted = Date.now();
    for (const r of receivers) {
      const want = expected.get(r.hex) ?? 0n;
      for (const node of (await trackers())[r.shard]!) {
        await waitFor(
          `${r.hex} on ${node.name} to hold ${want}`,
          async () => (BigInt((await account(node.api, r.hex)).balance) === want ? true : undefined),
          d.epochs(6),
          500,
        );
      }
    }
    for (const s of senders) {
      const a = await account((await trackerOf(s.shard)).api, s.hex);
      const spent = burst.filter((t) => t.from === s).reduce((sum, t) => sum + t.amount + t.fee, 0n);
      expect(a.nonce).toBe(BURST_PER_SENDER);
      expect(BigInt(a.balance)).toBe(FUND - spent);
    }
    note(
      `burst: balances settled ${((Date.now() - settleStarted) / 1000).toFixed(1)} s after the finality check`,
    );
  });

  it("kill -9 of the node that accepted a transaction after `included`: the transaction survives the restart and the other nodes report it", async () => {
    const d = net();
    const victim = "node-2";
    const victimStatus = await d.status(victim);
    const shard = victimStatus.trackedShards[0]!;
    const { acct, nonce } = genesisSender(shard, 3);
    const to = fresh(5000);
    const t = transfer(acct, to, 4242n, nonce(), 5n);
    const res = await submit(d.node(victim).api, t);
    expect(res.status, res.text).toBe(202);
    expect(res.body.forwarded).toBe(false);
    sent.push(t);
    const included = await waitTxStatus(
      d.node(victim).api,
      t.hash,
      "included",
      INCLUDED_SLOTS * SLOT_MS,
      100,
    );
    await d.kill(victim);
    note(
      `killed ${victim} after it reported ${t.hash.slice(0, 10)} ${included.status} at slot ${included.included?.slot}`,
    );
    const others = (await trackers())[shard]!.filter((n) => n.name !== victim);
    expect(others.length, "another node tracks the shard").toBeGreaterThan(0);
    for (const node of others) {
      const s = await waitTxStatus(node.api, t.hash, "included", INCLUDED_SLOTS * SLOT_MS);
      expect(s.included?.blockRoot, node.name).toBe(included.included?.blockRoot);
      expect(s.included?.slot).toBe(included.included?.slot);
    }
    d.restart(victim);
    await d.waitHealthy(victim, d.epochs(8));
    const after = await waitTxStatus(d.node(victim).api, t.hash, "included", d.epochs(8));
    expect(after.included?.blockRoot).toBe(included.included?.blockRoot);
    const block = await fetch(
      `${d.node(victim).api}/v1/shards/${shard}/blocks/${included.included?.blockRoot}`,
    );
    expect(block.status).toBe(200);
    const fin = await waitTxStatus(others[0]!.api, t.hash, "finalized", d.epochs(FINALIZED_EPOCHS));
    expect(fin.included?.blockRoot).toBe(included.included?.blockRoot);
    await waitTxStatus(d.node(victim).api, t.hash, "finalized", d.epochs(FINALIZED_EPOCHS));
    const a = await account(others[0]!.api, to.hex);
    expect(BigInt(a.balance)).toBe(4242n);
    note(
      `kill -9: ${t.hash.slice(0, 10)} finalized, reported by ${others.map((o) => o.name).join(",")} and the restarted ${victim}`,
    );
  });

  it("supply is conserved: balances of every account touched + fees burned = genesis supply", async () => {
    const d = net();
    // Everything sent must be in (and every receipt credited): wait until the sums settle.
    const all = [...genesisAccounts, ...touched.values()];
    const fees = sent.reduce((sum, t) => sum + t.fee, 0n);
    const genesisSupply = GENESIS_BALANCE * BigInt(GENESIS_ACCOUNTS);
    let total = 0n;
    await waitFor(
      "balances + fees to equal the genesis supply",
      async () => {
        const byShard = await trackers();
        const balances = await mapLimit(all, 16, async (a) =>
          BigInt((await account(byShard[a.shard]![0]!.api, a.hex)).balance),
        );
        total = balances.reduce((x, y) => x + y, 0n);
        return total + fees === genesisSupply ? true : undefined;
      },
      d.epochs(8),
      2000,
    ).catch(() => undefined);
    note(
      `supply: ${all.length} accounts hold ${total}, fees ${fees} over ${sent.length} transfers; genesis ${genesisSupply}; slot ${d.currentSlot()}`,
    );
    expect(total + fees).toBe(genesisSupply);
  });
});
