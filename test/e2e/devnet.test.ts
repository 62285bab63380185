/**
 * End-to-end devnet tests (DESIGN.md §6, §9): one beacon node + 4 shard nodes as real processes, real
 * libp2p on 127.0.0.1, 1-second slots, 32 validators (8 per shard node, so any one node holds < 1/3).
 * One devnet is shared by the tests, which run in order:
 *   finality + crosslinks → agreement → kill -9 / restart → late node → checkpoint sync → foreign genesis.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeGenesisFile } from "../../apps/devnet/src/genesisFile.js";
import {
  CrosslinkRecorder,
  E2eDevnet,
  formatStatuses,
  type NodeStatus,
  SLOTS_PER_EPOCH,
  saveEvidenceOnFailure,
  waitFor,
} from "./helpers/devnet.js";

const BASE_PORT = 19400;
const SHARDS = 4;
/**
 * Finality deadline: the beacon node must report a finalized epoch ≥ 1 before the wall clock enters epoch
 * FINALITY_DEADLINE_EPOCH. FFG can finalise epoch 1 at the earliest during epoch 3, which is when it
 * typically does; 9 is 3× that, for a loaded 2-core machine. The epoch it happened in is printed.
 */
const FINALITY_DEADLINE_EPOCH = 9;
/** Catching up (restart, late start, agreement) must happen within this many epochs. */
const CATCH_UP_EPOCHS = 8;

const t0 = Date.now();
function note(msg: string): void {
  process.stdout.write(`[e2e +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
}

describe.sequential("devnet end to end (real processes, 1-second slots)", () => {
  let devnet: E2eDevnet | undefined;
  let recorder: CrosslinkRecorder | undefined;
  const failures = saveEvidenceOnFailure(() => devnet);

  function net(): E2eDevnet {
    if (!devnet) throw new Error("devnet did not start");
    return devnet;
  }

  beforeAll(async () => {
    devnet = await E2eDevnet.start({
      basePort: BASE_PORT,
      shardNodes: 4,
      shards: SHARDS,
      validators: 32,
      slotSeconds: 1,
    });
    const lead = (devnet.genesisTimeMs - Date.now()) / 1000;
    note(
      `devnet up in ${devnet.dir}; genesis in ${lead.toFixed(1)} s${lead < 0 ? " (nodes started after genesis!)" : ""}`,
    );
    recorder = new CrosslinkRecorder(devnet).start();
  });

  afterAll(async () => {
    recorder?.stop();
    await devnet?.stop(failures.any());
    if (failures.any() && devnet) note(`kept ${devnet.dir} for inspection`);
  });

  it(`finalises within ${FINALITY_DEADLINE_EPOCH} epochs of genesis and crosslinks every shard in every epoch after the first`, async () => {
    const d = net();
    const deadlineSlot = FINALITY_DEADLINE_EPOCH * SLOTS_PER_EPOCH;
    const finalized = await waitFor(
      "the beacon node to finalise an epoch",
      async () => {
        const s = await d.status("beacon");
        if (s.finalized.epoch >= 1) return s;
        if (d.currentSlot() >= deadlineSlot) {
          throw new Error(`not finalised by slot ${deadlineSlot}:\n${formatStatuses(await d.statuses())}`);
        }
        return undefined;
      },
      (deadlineSlot + 2) * d.slotMs + Math.max(0, d.genesisTimeMs - Date.now()),
      250,
    );
    const atSlot = d.currentSlot();
    note(
      `finalized epoch ${finalized.finalized.epoch} at wall-clock slot ${atSlot} (epoch ${d.currentEpoch()}, deadline epoch ${FINALITY_DEADLINE_EPOCH})`,
    );
    expect(finalized.finalized.epoch).toBeGreaterThanOrEqual(1);

    // Crosslinks: every shard in every complete epoch after the first (1 .. current-1), and at least epochs 1..3.
    const lastEpoch = Math.max(3, d.currentEpoch() - 1);
    await d.untilSlot((lastEpoch + 1) * SLOTS_PER_EPOCH, 500);
    const byShard = recorder?.epochsByShard(SHARDS) ?? [];
    const missing: string[] = [];
    for (let shard = 0; shard < SHARDS; shard++) {
      for (let epoch = 1; epoch <= lastEpoch; epoch++) {
        if (!byShard[shard]?.has(epoch)) missing.push(`shard ${shard} epoch ${epoch}`);
      }
    }
    note(
      `crosslink epochs per shard (by including beacon block): ${byShard.map((s, i) => `${i}:[${[...s].sort((a, b) => a - b).join(",")}]`).join(" ")}`,
    );
    if (missing.length > 0) {
      // Diagnostic from the beacon node's log (every imported block): crosslinks per block slot.
      const perSlot = new Map<number, number[]>();
      for (const e of d.logEvents("beacon")) {
        if (e.msg !== "crosslink" || typeof e.slot !== "number") continue;
        perSlot.set(e.slot, [...(perSlot.get(e.slot) ?? []), Number(e.shard)]);
      }
      const lines = Array.from(
        { length: (lastEpoch + 1) * SLOTS_PER_EPOCH },
        (_, slot) => `${slot}:[${(perSlot.get(slot) ?? []).join(",")}]`,
      );
      note(`crosslinked shards per beacon block slot (beacon log): ${lines.join(" ")}`);
    }
    expect(missing, "shards not crosslinked in an epoch").toEqual([]);
    const beacon = await d.status("beacon");
    for (let shard = 0; shard < SHARDS; shard++)
      expect(beacon.crosslinkCounts[shard] ?? 0).toBeGreaterThanOrEqual(lastEpoch);
  });

  it("all nodes agree on the finalised checkpoint and the head", async () => {
    const d = net();
    // One snapshot of every node in which all report the same finalized checkpoint, heads within two
    // slots of each other, and a peer each. Nodes on a loaded machine import a block at different
    // moments, so the snapshot is retried until the deadline rather than taken once.
    const agreed = await waitFor(
      "every node to report the same finalized checkpoint, heads within 2 slots and a peer",
      async () => {
        const statuses = await d.statuses();
        const all = [...statuses.values()];
        if (all.some((s) => s === undefined)) return undefined;
        const ok = all as NodeStatus[];
        const epochs = new Set(ok.map((s) => `${s.finalized.epoch}:${s.finalized.root}`));
        const heads = ok.map((s) => s.head.slot);
        const agree =
          epochs.size === 1 &&
          ok[0]!.finalized.epoch >= 1 &&
          Math.max(...heads) - Math.min(...heads) <= 2 &&
          ok.every((s) => s.peers >= 1);
        return agree ? statuses : undefined;
      },
      d.epochs(CATCH_UP_EPOCHS),
      250,
    );
    note(`agreement:\n${formatStatuses(agreed)}`);
  });

  it("keeps finalising while one shard node is killed (-9) for two epochs; the node restarts from its database and catches up", async () => {
    const d = net();
    const victim = "node-2";
    // Anchors need finality a few epochs deep: the beacon anchor lies 2 epochs below the beacon blocks that
    // the shards' finalized crosslinks build on.
    await waitFor(
      "finalized epoch 4 (so that the victim has stored anchors to restart from)",
      async () => ((await d.status(victim)).finalized.epoch >= 4 ? true : undefined),
      d.epochs(CATCH_UP_EPOCHS),
    );
    // A node reports only heads that are on disk (AckQueue), so the head in `before` survives the kill.
    const before = await d.status(victim);
    const finalizedAtKill = (await d.status("beacon")).finalized;
    const killedAtSlot = d.currentSlot();
    await d.kill(victim);
    note(
      `killed ${victim} at slot ${killedAtSlot} (its head ${before.head.slot}, beacon finalized ${finalizedAtKill.epoch})`,
    );

    // 24 of 32 validators online (75% > 2/3): finality keeps moving while the victim is down.
    const beaconDuring = await waitFor(
      `the beacon node to finalize past epoch ${finalizedAtKill.epoch} without ${victim}`,
      async () => {
        const s = await d.status("beacon");
        return s.finalized.epoch >= finalizedAtKill.epoch + 1 ? s : undefined;
      },
      d.epochs(CATCH_UP_EPOCHS),
    );
    await d.untilSlot(Math.max(d.currentSlot(), killedAtSlot + 2 * SLOTS_PER_EPOCH));
    note(
      `finalized epoch ${beaconDuring.finalized.epoch} at slot ${d.currentSlot()} without ${victim}:\n${formatStatuses(await d.statuses())}`,
    );

    const restartedAt = Date.now();
    d.restart(victim);
    await d.waitHealthy(victim, d.epochs(CATCH_UP_EPOCHS));
    const started = d
      .logEvents(victim)
      .filter((e) => e.msg === "node started")
      .at(-1);
    note(
      `${victim} restarted in ${((Date.now() - restartedAt) / 1000).toFixed(1)} s, head from its database: slot ${String(started?.headSlot)}`,
    );
    // Durability (§9.5): the restarted node starts from the head it had acknowledged, not from genesis.
    expect(Number(started?.headSlot)).toBeGreaterThanOrEqual(before.head.slot);
    // Anchored restart: it loaded a finalized anchor state and replayed only the blocks above it.
    const restored = d
      .logEvents(victim)
      .filter((e) => e.msg === "beacon chain restored from database")
      .at(-1);
    note(
      `${victim} replayed ${String(restored?.blocks)} beacon blocks above its anchor at slot ${String(restored?.anchorSlot)} (head ${String(restored?.headSlot)})`,
    );
    expect(Number(restored?.anchorSlot)).toBeGreaterThan(0);
    expect(Number(restored?.blocks)).toBeLessThan(Number(restored?.headSlot));

    const caughtUp = await waitFor(
      `${victim} to catch up with the beacon node`,
      async () => {
        const [b, v] = await Promise.all([d.status("beacon"), d.status(victim)]);
        const sameFinal = b.finalized.epoch === v.finalized.epoch && b.finalized.root === v.finalized.root;
        return sameFinal && Math.abs(b.head.slot - v.head.slot) <= 2 ? { b, v } : undefined;
      },
      d.epochs(CATCH_UP_EPOCHS),
      250,
    );
    note(
      `${victim} caught up ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after restart: head ${caughtUp.v.head.slot} vs beacon ${caughtUp.b.head.slot}, finalized ${caughtUp.v.finalized.epoch}`,
    );
    expect(caughtUp.v.finalized.root).toBe(caughtUp.b.finalized.root);
  });

  it("a node started late syncs from genesis and then follows the head", async () => {
    const d = net();
    const startedAtSlot = d.currentSlot();
    const late = d.spawn(d.extraSpec("late-node", [], [1]));
    await d.waitHealthy(late.name, d.epochs(CATCH_UP_EPOCHS));
    const synced = await waitFor(
      "the late node to reach the beacon head",
      async () => {
        const [b, l] = await Promise.all([d.status("beacon"), d.status(late.name)]);
        const sameFinal = b.finalized.epoch === l.finalized.epoch && b.finalized.root === l.finalized.root;
        return sameFinal && Math.abs(b.head.slot - l.head.slot) <= 2 ? { b, l } : undefined;
      },
      d.epochs(CATCH_UP_EPOCHS),
      250,
    );
    note(
      `late node (started at slot ${startedAtSlot}) synced at slot ${d.currentSlot()}: head ${synced.l.head.slot}, finalized ${synced.l.finalized.epoch}`,
    );
    // The node's log reaches its file through the test process's pipe: poll until the sync lines are there.
    const importedBySync = () =>
      d
        .logEvents(late.name)
        .filter((e) => e.msg === "beacon sync imported blocks")
        .reduce((n, e) => n + Number(e.imported ?? 0), 0);
    const minimum = startedAtSlot - 2 * SLOTS_PER_EPOCH;
    const imported = await waitFor(
      "the late node's range-sync log lines",
      async () => (importedBySync() >= minimum ? importedBySync() : undefined),
      d.slots(10),
      100,
    ).catch(() => importedBySync());
    expect(imported, "beacon blocks imported by range sync").toBeGreaterThanOrEqual(minimum);

    // Follows: for the next 5 slots, its beacon head stays within two slots of the beacon node's and its
    // shard-1 head within two slots of another running node's that tracks shard 1.
    const reference = await waitFor(
      "another running node that tracks shard 1",
      async () => {
        const statuses = await d.statuses(d.running().filter((n) => n !== late.name && n !== "beacon"));
        return [...statuses.entries()].find(([, s]) => s?.trackedShards.includes(1))?.[0];
      },
      d.slots(10),
    );
    // Shard blocks are range-synced after the beacon blocks they build on: wait for shard 1 to catch up too.
    const shard1 = (st: NodeStatus) => st.shardHeads.find((h) => h.shard === 1)?.slot ?? -1;
    await waitFor(
      "the late node's shard-1 head to catch up",
      async () => {
        const [l, ref] = await Promise.all([d.status(late.name), d.status(reference)]);
        return shard1(l) >= 0 && shard1(ref) - shard1(l) <= 2 ? true : undefined;
      },
      d.epochs(CATCH_UP_EPOCHS),
      250,
    );
    // Follows: for each of the next 5 slots, the late node reaches the beacon node's head (and the
    // reference node's shard-1 head) of that slot within FOLLOW_SLOTS slots. Each catch-up is printed.
    const FOLLOW_SLOTS = 4;
    const lags: string[] = [];
    for (let i = 0; i < 5; i++) {
      await d.untilSlot(d.currentSlot() + 1, d.slotMs / 2);
      const [b, ref] = await Promise.all([d.status("beacon"), d.status(reference)]);
      const from = d.currentSlot();
      await waitFor(
        `the late node to reach beacon head ${b.head.slot} and ${reference}'s shard-1 head ${shard1(ref)}`,
        async () => {
          const l = await d.status(late.name);
          return l.head.slot >= b.head.slot && shard1(l) >= shard1(ref) ? true : undefined;
        },
        d.slots(FOLLOW_SLOTS),
        100,
      );
      lags.push(`${b.head.slot}:+${d.currentSlot() - from}`);
    }
    note(`late node reached each sampled head (head slot:+slots it took): [${lags.join(", ")}]`);
  });

  it("a node started with --checkpoint-sync-url starts from a finalized state, follows the head, serves the API and agrees on finality", async () => {
    const d = net();
    await d.untilSlot(6 * SLOTS_PER_EPOCH);
    const source = d.node("node-1");
    const served = await fetch(`${source.api}/v1/checkpoint/finalized`);
    expect(served.status).toBe(200);
    const servedRoot = served.headers.get("x-checkpoint-root") ?? "";
    expect(servedRoot).toMatch(/^0x[0-9a-f]{64}$/);
    await served.arrayBuffer();

    // A wrong --checkpoint-root is refused: the node exits and writes nothing it would resume from.
    const wrongRoot = `0x${"ab".repeat(32)}`;
    const refused = d.spawn({
      ...d.extraSpec("checkpoint-wrong", [], [2]),
      extraArgs: ["--checkpoint-sync-url", source.api, "--checkpoint-root", wrongRoot],
    });
    const exit = await d.waitExit(refused.name, d.epochs(CATCH_UP_EPOCHS));
    expect(exit.code).toBe(1);
    expect(d.readLog(refused.name)).toMatch(/refusing it/);
    note(`wrong --checkpoint-root refused: ${d.readLog(refused.name).trim().split("\n").at(-1)}`);

    const startedAtSlot = d.currentSlot();
    const synced = d.spawn({
      ...d.extraSpec("checkpoint-node", [], [2]),
      extraArgs: ["--checkpoint-sync-url", source.api, "--backfill"],
    });
    await d.waitHealthy(synced.name, d.epochs(CATCH_UP_EPOCHS));
    const caughtUp = await waitFor(
      "the checkpoint-synced node to follow the head and agree on finality",
      async () => {
        const [b, c] = await Promise.all([d.status("beacon"), d.status(synced.name)]);
        const sameFinal = b.finalized.epoch === c.finalized.epoch && b.finalized.root === c.finalized.root;
        const shard2 = c.shardSync.find((s) => s.shard === 2);
        return sameFinal && Math.abs(b.head.slot - c.head.slot) <= 2 && shard2?.state === "synced"
          ? { b, c }
          : undefined;
      },
      d.epochs(CATCH_UP_EPOCHS),
      250,
    );
    const events = d.logEvents(synced.name);
    const started = events.find((e) => e.msg === "checkpoint sync: starting from a finalized state");
    const restored = events.find((e) => e.msg === "beacon chain restored from database");
    note(
      `checkpoint node (started at slot ${startedAtSlot}) from root ${String(started?.root)} at slot ${String(started?.slot)}: head ${caughtUp.c.head.slot}, finalized ${caughtUp.c.finalized.epoch}`,
    );
    // It started from the finalized state, replayed nothing, and imported only blocks above it.
    expect(Number(started?.slot)).toBeGreaterThan(0);
    expect(restored?.anchorSlot).toBe(started?.slot);
    expect(restored?.blocks).toBe(0);
    const head = await fetch(`${synced.api}/v1/beacon/head`);
    expect(head.status).toBe(200);
    const shardHead = await fetch(`${synced.api}/v1/shards/2/head`);
    expect(shardHead.status).toBe(200);
    // --backfill: the blocks below the checkpoint arrive afterwards, down to slot 1, each the parent of the
    // next (walked here through the node's own API, by root).
    await waitFor(
      "the checkpoint node to finish its backfill",
      async () =>
        d.logEvents(synced.name).some((e) => e.msg.startsWith("backfill complete")) ? true : undefined,
      d.epochs(CATCH_UP_EPOCHS),
      250,
    );
    let cursor = String(started?.root);
    let walked = 0;
    for (;;) {
      const res = await fetch(`${synced.api}/v1/beacon/blocks/${cursor}`);
      expect(res.status, `block ${cursor} on the checkpoint node after backfill`).toBe(200);
      const body = (await res.json()) as { slot: number; block: { message: { parent_root: string } } };
      if (body.slot <= 1) break;
      cursor = body.block.message.parent_root;
      walked++;
    }
    const backfilled = d.logEvents(synced.name).find((e) => e.msg.startsWith("backfill complete"));
    note(
      `checkpoint node backfilled ${String(backfilled?.stored)} blocks below its checkpoint (walked ${walked} parents)`,
    );
  });

  it("a node with another network's genesis is refused by its peers; a data dir of another network makes a node exit", async () => {
    const d = net();
    // Same shape and genesis time, another network name → another genesis hash.
    const foreignGenesis = `${d.dir}/foreign-genesis.json`;
    writeGenesisFile(foreignGenesis, {
      validators: 32,
      shards: SHARDS,
      preset: "local",
      secondsPerSlot: 1,
      genesisDelaySec: Math.round((d.genesisTimeMs - Date.now()) / 1000),
      devAccounts: 16,
      network: "shardnet-other",
    });
    const spec = d.extraSpec("foreign", [], [0]);
    spec.genesisPath = foreignGenesis;
    spec.bootnodes = [...d.nodes.values()]
      .filter((n) => !["foreign", "late-node", "checkpoint-wrong"].includes(n.name))
      .map((n) => `/ip4/127.0.0.1/tcp/${n.p2pPort}/p2p/${peerIdOf(d, n.name)}`);
    const foreign = d.spawn(spec);
    // Its peers refuse it, so it is never healthy (isolated): wait for its API only.
    await d.waitLive(foreign.name, d.epochs(CATCH_UP_EPOCHS));
    const beaconBefore = await d.status("beacon");
    // It keeps re-dialling its bootnodes, and every peer hangs up at the status handshake: sampled once
    // a slot for 8 slots, it never imports a block of the real network, and peers log the refusal.
    const samples: NodeStatus[] = [];
    for (let i = 0; i < 8; i++) {
      await d.untilSlot(d.currentSlot() + 1, d.slotMs / 2);
      samples.push(await d.status(foreign.name));
    }
    const foreignPeerId = samples[0]!.peerId;
    const refusers = () =>
      ["beacon", "node-1", "node-2", "node-3", "node-4"].filter((name) =>
        d
          .logEvents(name)
          .some((e) => e.msg === "peer is on another network: disconnecting" && e.peer === foreignPeerId),
      );
    const refusedBy = await waitFor(
      "a peer to log that it refused the foreign node",
      async () => (refusers().length > 0 ? refusers() : undefined),
      d.slots(8),
    );
    note(
      `foreign node peers once a slot: [${samples.map((s) => s.peers).join(",")}], head slots [${[...new Set(samples.map((s) => s.head.slot))].join(",")}]; refused by ${refusedBy.join(", ")}`,
    );
    for (const s of samples) {
      expect(s.head.slot).toBe(0);
      expect(s.finalized.epoch).toBe(0);
    }
    expect(d.logEvents(foreign.name).filter((e) => e.msg === "beacon block imported")).toEqual([]);
    // And it says so: never healthy (isolated, or syncing while a refused peer is still connected).
    const health = await fetch(`${foreign.api}/v1/node/health`);
    const healthBody = (await health.json()) as { status: string };
    expect(health.status, JSON.stringify(healthBody)).toBe(503);
    expect(["isolated", "syncing"]).toContain(healthBody.status);
    // The real network is unaffected: its head keeps advancing.
    await waitFor(
      "the beacon node's head to advance",
      async () => ((await d.status("beacon")).head.slot > beaconBefore.head.slot + 2 ? true : undefined),
      d.slots(8),
    );

    // A node given this network's genesis but the foreign node's database refuses to start.
    await d.kill(foreign.name);
    const wrongDb = d.extraSpec("wrong-db", [], [0]);
    wrongDb.dataDir = foreign.dataDir;
    d.spawn(wrongDb);
    const exit = await d.waitExit(wrongDb.name, d.epochs(CATCH_UP_EPOCHS));
    const log = d.readLog(wrongDb.name);
    note(
      `node with another network's data dir exited with code ${exit.code}: ${log.trim().split("\n").at(-1)}`,
    );
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(log).toMatch(/another network/);
  });
});

function peerIdOf(d: E2eDevnet, name: string): string {
  const ev = d.logEvents(name).find((e) => e.msg === "node started");
  if (typeof ev?.peerId !== "string") throw new Error(`no peer id in ${name}'s log`);
  return ev.peerId;
}
