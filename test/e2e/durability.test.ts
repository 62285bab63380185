/**
 * Durability and long restarts (issue 14, DESIGN.md §9.5): the default e2e topology (beacon + 4 shard
 * nodes, 4 shards, 32 validators, 1-second slots) under a light load from the load generator, run for more
 * than 600 slots. node-2 is killed with -9 at 20 seeded random instants (blocks are imported all the time,
 * so many land during an import) and restarted with the same flags; then, past slot 600, once more.
 *   - After each restart, every block and transaction it had acknowledged before the kill is there, and it
 *     follows the head again.
 *   - The long restart: within 2 epochs it is on the canonical chain with every tracked shard within 2 slots
 *     of its peers, it has peers, it reports healthy only while that holds, and the transfers it accepted
 *     are finalized.
 */

import { SeededRandom } from "@shardnet/consensus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  E2eDevnet,
  formatStatuses,
  type NodeStatus,
  SLOTS_PER_EPOCH,
  saveEvidenceOnFailure,
  sleep,
  waitFor,
} from "./helpers/devnet.js";
import { type LoadgenRun, spawnLoadgen } from "./helpers/loadgen.js";
import {
  account,
  devAccount,
  devAccountsOnShard,
  type SignedTransfer,
  submitBatch,
  transfer,
  txStatus,
  waitTxStatus,
} from "./helpers/txs.js";

const BASE_PORT = 19700;
const SHARDS = 4;
const VICTIM = "node-2";
/** node-2 tracks shard 1 (--shards), whatever its validators serve. */
const VICTIM_SHARD = 1;
const KILLS = 20;
const LONG_RUN_SLOT = 600;
/** Catching up after a restart (start-up through tsx included) must happen within this many epochs. */
const CATCH_UP_EPOCHS = 8;

const t0 = Date.now();
function note(msg: string): void {
  process.stdout.write(`[durability +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
}

describe.sequential("durability: kill -9 under load, and a restart after 600 slots (real processes)", () => {
  let devnet: E2eDevnet | undefined;
  let load: LoadgenRun | undefined;
  const failures = saveEvidenceOnFailure(() => devnet);
  const net = (): E2eDevnet => {
    if (!devnet) throw new Error("devnet did not start");
    return devnet;
  };
  // The test's own sender on the victim's shard; the load generator uses the other funded accounts.
  const sender = devAccountsOnShard(VICTIM_SHARD, 1, SHARDS, 0)[0]!;
  const receiver = devAccount(31, SHARDS);
  /** Transfers the victim accepted (acknowledged) over the whole run. */
  const acknowledged: SignedTransfer[] = [];
  let nonce = 0;

  /** Sends `count` transfers of the test's sender to the victim; keeps the ones it accepts. */
  async function sendToVictim(count: number): Promise<void> {
    const batch = Array.from({ length: count }, (_, i) => transfer(sender, receiver, 1n, nonce + i));
    const res = await submitBatch(net().node(VICTIM).api, batch).catch(() => undefined);
    const results = res?.body.results ?? [];
    let accepted = 0;
    results.forEach((r, i) => {
      if (r.status === "pending") {
        acknowledged.push(batch[i]!);
        accepted++;
      }
    });
    if (accepted === count) nonce += count;
    // A refusal (the node syncing, a nonce the chain has moved past): read the chain's nonce again.
    else nonce = Math.max(nonce + accepted, (await account(net().node(VICTIM).api, sender.hex)).nonce);
  }

  /** The victim is in step: same finalized checkpoint and head within 2 slots of the beacon node's, shards within 2 of a peer's, peers. */
  async function inStep(): Promise<{ ok: boolean; why: string }> {
    const d = net();
    const statuses = await d.statuses();
    const v = statuses.get(VICTIM);
    const b = statuses.get("beacon");
    if (!v || !b) return { ok: false, why: "no status" };
    const problems: string[] = [];
    if (v.peers === 0) problems.push("no peers");
    // The same finalized checkpoint; or, at the edge of a finalization that one node saw a moment before the
    // other (their statuses are read one after the other), epochs one apart.
    const finalizedGap = Math.abs(v.finalized.epoch - b.finalized.epoch);
    if (finalizedGap > 1 || (finalizedGap === 0 && v.finalized.root !== b.finalized.root))
      problems.push(`finalized ${v.finalized.epoch} vs ${b.finalized.epoch}`);
    if (Math.abs(v.head.slot - b.head.slot) > 2) problems.push(`head ${v.head.slot} vs ${b.head.slot}`);
    for (const head of v.shardHeads) {
      const peerSlots = [...statuses.entries()]
        .filter(([name, s]) => name !== VICTIM && s?.trackedShards.includes(head.shard))
        .map(([, s]) => s!.shardHeads.find((h) => h.shard === head.shard)?.slot ?? 0);
      if (peerSlots.length > 0 && Math.max(...peerSlots) - head.slot > 2)
        problems.push(`shard ${head.shard} head ${head.slot} vs ${Math.max(...peerSlots)}`);
    }
    return { ok: problems.length === 0, why: problems.join(", ") };
  }

  beforeAll(async () => {
    devnet = await E2eDevnet.start({
      basePort: BASE_PORT,
      shardNodes: 4,
      shards: SHARDS,
      validators: 32,
      slotSeconds: 1,
    });
    note(`devnet up in ${devnet.dir}`);
    await devnet.untilSlot(2 * SLOTS_PER_EPOCH);
    const loadSenders = Array.from({ length: 16 }, (_, n) => n).filter((n) => n !== sender.n);
    load = spawnLoadgen(
      [
        `--apis=${[...devnet.nodes.values()]
          .filter((n) => n.role === "shard")
          .map((n) => n.api)
          .join(",")}`,
        "--rate=4",
        "--duration=900",
        "--cross-shard=0.3",
        `--senders=${loadSenders.join(",")}`,
        "--receivers=16..31",
        "--finality-timeout=30",
        "--quiet",
        `--out=${devnet.dir}/loadgen`,
      ],
      1_200_000,
    );
    nonce = (await account(devnet.node(VICTIM).api, sender.hex)).nonce;
  });

  afterAll(async () => {
    load?.child.kill("SIGKILL");
    await load?.exited;
    await devnet?.stop(failures.any());
    if (failures.any() && devnet) note(`kept ${devnet.dir} for inspection`);
  });

  it(`kill -9 at ${KILLS} random instants under load: after each restart every acknowledged block and transaction is there, and the node follows the head`, async () => {
    const d = net();
    const random = new SeededRandom(14);
    // Spread the kills over the run up to the long restart.
    const spacingMs = Math.max(
      4000,
      (d.genesisTimeMs + (LONG_RUN_SLOT - 4 * SLOTS_PER_EPOCH) * d.slotMs - Date.now()) / KILLS,
    );
    const victim = d.node(VICTIM);
    for (let kill = 1; kill <= KILLS; kill++) {
      const roundStart = Date.now();
      await sendToVictim(2);
      await sleep(Math.max(0, spacingMs - 3000) * random.next());
      // What it acknowledged: its reported heads (only what is on disk) and the transfers it accepted.
      const before = await d.status(VICTIM);
      await sleep(random.next() * d.slotMs);
      await d.kill(VICTIM);
      const killedAt = d.currentSlot();
      d.restart(VICTIM);
      await d.waitLive(VICTIM, d.epochs(CATCH_UP_EPOCHS));

      const missing: string[] = [];
      const beaconBlock = await fetch(`${victim.api}/v1/beacon/blocks/${before.head.root}`);
      if (beaconBlock.status !== 200) missing.push(`beacon block ${before.head.slot}:${before.head.root}`);
      const tracked = (await d.status(VICTIM)).trackedShards;
      for (const head of before.shardHeads.filter((h) => tracked.includes(h.shard) && h.slot > 0)) {
        const res = await fetch(`${victim.api}/v1/shards/${head.shard}/blocks/${head.root}`);
        if (res.status !== 200)
          missing.push(`shard ${head.shard} block ${head.slot}:${head.root} (${res.status})`);
      }
      for (const t of acknowledged) {
        if ((await txStatus(victim.api, t.hash)) === undefined) missing.push(`transaction ${t.hash}`);
      }
      expect(missing, `kill ${kill} at slot ${killedAt}: acknowledged before the kill, gone after`).toEqual(
        [],
      );

      let last = "";
      await waitFor(
        `${VICTIM} to follow the head after kill ${kill}`,
        async () => {
          const step = await inStep().catch((err: Error) => ({ ok: false, why: err.message }));
          last = step.why;
          return step.ok ? true : undefined;
        },
        d.epochs(CATCH_UP_EPOCHS),
        250,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; last: ${last}`);
      });
      note(
        `kill ${kill} at slot ${killedAt} (acknowledged head ${before.head.slot}, ${acknowledged.length} transfers): back in step after ${((Date.now() - roundStart) / 1000).toFixed(1)} s of the round`,
      );
    }
  }, 1_200_000);

  it(`long restart: past slot ${LONG_RUN_SLOT}, a node killed with -9 is back in step within 2 epochs, healthy only when it is, and its accepted transfers finalize`, async () => {
    const d = net();
    await d.untilSlot(LONG_RUN_SLOT);
    await sendToVictim(3);
    await sleep(d.slotMs / 3);
    const killedAt = d.currentSlot();
    await d.kill(VICTIM);
    d.restart(VICTIM);
    await d.waitLive(VICTIM, d.epochs(CATCH_UP_EPOCHS));
    const liveAt = d.currentSlot();
    const restored = (await d.status(VICTIM)).restoredFrom;
    note(
      `killed ${VICTIM} at slot ${killedAt}; API live at slot ${liveAt}, restored from the anchor at slot ${restored.anchorSlot} with ${restored.replayedBlocks} blocks replayed`,
    );
    // It starts from a stored anchor, not from genesis.
    expect(restored.anchorSlot).toBeGreaterThan(0);
    expect(restored.replayedBlocks).toBeLessThan(killedAt / 2);

    // Until it is in step, and for 2 epochs after: whenever it says healthy, it must be in step.
    const deadline = d.genesisTimeMs + (liveAt + 2 * SLOTS_PER_EPOCH) * d.slotMs;
    const lies: string[] = [];
    let inStepAt: number | undefined;
    let last = "";
    while (
      Date.now() < deadline ||
      (inStepAt !== undefined && d.currentSlot() < inStepAt + 2 * SLOTS_PER_EPOCH)
    ) {
      const health = await fetch(`${d.node(VICTIM).api}/v1/node/health`, {
        signal: AbortSignal.timeout(2000),
      })
        .then((r) => r.status)
        .catch(() => 0);
      const step = await inStep().catch((err: Error) => ({ ok: false, why: err.message }));
      last = step.why;
      if (step.ok) inStepAt ??= d.currentSlot();
      // Health is judged a moment before the peers' statuses: allow a one-slot race at the edges.
      if (health === 200 && !step.ok && !/head \d+ vs \d+$/.test(step.why))
        lies.push(`slot ${d.currentSlot()}: ${step.why}`);
      if (inStepAt !== undefined && d.currentSlot() >= inStepAt + 2 * SLOTS_PER_EPOCH) break;
      await sleep(250);
    }
    note(
      `${VICTIM} in step at slot ${inStepAt ?? "never"} (live at ${liveAt}); last check: ${last || "ok"}\n${formatStatuses(await d.statuses())}`,
    );
    expect(inStepAt, `in step within 2 epochs of its API coming up (last: ${last})`).toBeDefined();
    expect(inStepAt! - liveAt).toBeLessThanOrEqual(2 * SLOTS_PER_EPOCH);
    expect(lies, "healthy while not in step").toEqual([]);

    // Every transfer it accepted over the run finalizes (it resumes its journal after each kill).
    const api = d.node(VICTIM).api;
    for (const t of acknowledged) await waitTxStatus(api, t.hash, "finalized", d.epochs(CATCH_UP_EPOCHS));
    note(`${acknowledged.length} transfers the victim accepted are finalized`);
    const status: NodeStatus = await d.status(VICTIM);
    expect(status.peers).toBeGreaterThan(0);
  }, 900_000);
});
