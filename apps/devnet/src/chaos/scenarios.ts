/**
 * The chaos scenarios of issue 16. Each drives its faults from the seeded random source, marks when a fault
 * heals (finality must resume within 3 epochs: the monitor checks it), and states its own expectations on
 * top of the five invariants the monitor judges for every scenario.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BLOCK_WRITE_FAILPOINT_ENV } from "@shardnet/node";
import { type NodeSample, sampleNode } from "../nodeSample.js";
import { getJson, sleep } from "../processes.js";
import { missingAfterRestart } from "./durability.js";
import type { LightLoad } from "./load.js";
import {
  fetchPeerStanding,
  relayedRoguePayloads,
  rogueWasPenalised,
  startObserver,
  startRoguePeer,
} from "./rogue/index.js";
import type { Scenario, ScenarioContext } from "./scenario.js";

interface CommitteesJson {
  beaconProposers: Array<{ slot: number; validator: number }> | null;
}

/** The node hosting validator `v` (the first defined, when a twin hosts it too). */
function hostOf(ctx: ScenarioContext, validator: number): string | undefined {
  return [...ctx.cluster.nodes.values()].find((n) => n.validators.includes(validator))?.name;
}

function shardNodeNames(ctx: ScenarioContext): string[] {
  return ctx.cluster.shardNodes().map((n) => n.name);
}

/** Highest finalized epoch a group's nodes report now (0 when none answers). */
async function groupFinalized(ctx: ScenarioContext, names: readonly string[]): Promise<number> {
  const epochs = await Promise.all(
    names.map((n) =>
      ctx.cluster
        .status(n, 2000)
        .then((s) => s.finalized.epoch)
        .catch(() => 0),
    ),
  );
  return Math.max(0, ...epochs);
}

const partitionHeal: Scenario = {
  name: "partition-heal",
  summary:
    "50|50 split (no finality on either side, finality back within 3 epochs of the heal), then 25|75 (the 75% side keeps finalizing; the 25% side rejoins without reverting)",
  faultEpochs: (short) => (short ? 11 : 20),
  async run(ctx) {
    const { cluster, firewall, monitor } = ctx;
    const [a, b, c, d] = shardNodeNames(ctx) as [string, string, string, string];
    const splitEpochs = ctx.short ? 3 : 6;
    // 50|50: the validators' nodes two and two (the beacon node, with no validators, on one side).
    let start = cluster.currentEpoch() + 1;
    await cluster.untilEpoch(start);
    const before = monitor.maxFinalized();
    firewall.partition([
      ["beacon", a, b],
      [c, d],
    ]);
    ctx.fault(`partition 50|50 (beacon,${a},${b} | ${c},${d}) for ${splitEpochs} epochs`);
    await cluster.untilEpoch(start + splitEpochs);
    const during = monitor.finalizedBetween(
      cluster.currentSlot() - splitEpochs * cluster.slotsPerEpoch() + cluster.slotsPerEpoch(),
      cluster.currentSlot(),
    );
    firewall.heal();
    monitor.healed();
    ctx.expect(
      "no finality on either side of a 50|50 split",
      during <= before + 1,
      `finalized epoch ${before} when split, ${during} during the split (one more may complete from votes cast before it)`,
    );
    await cluster.untilEpoch(start + splitEpochs + 4);
    // 25|75: node a alone.
    start = cluster.currentEpoch();
    const majority = ["beacon", b, c, d];
    const majorityBefore = await groupFinalized(ctx, majority);
    firewall.partition([[a], majority]);
    ctx.fault(`partition 25|75 (${a} | beacon,${b},${c},${d}) for ${splitEpochs} epochs`);
    await cluster.untilEpoch(start + splitEpochs);
    const majorityAfter = await groupFinalized(ctx, majority);
    firewall.heal();
    monitor.healed();
    ctx.expect(
      "the 75% side keeps finalizing",
      majorityAfter >= majorityBefore + splitEpochs - 2,
      `75% side finalized ${majorityBefore} → ${majorityAfter} over ${splitEpochs} epochs`,
    );
    await cluster.untilEpoch(start + splitEpochs + 3);
    const rejoined = await cluster.status(a, 2000).catch(() => undefined);
    const reference = await cluster.status(b, 2000).catch(() => undefined);
    ctx.expect(
      "the 25% side rejoins the finalized chain",
      rejoined !== undefined &&
        reference !== undefined &&
        Math.abs(rejoined.finalized.epoch - reference.finalized.epoch) <= 1 &&
        rejoined.peers > 0,
      `${a} finalized ${rejoined?.finalized.epoch ?? "?"} with ${rejoined?.peers ?? "?"} peers, ${b} finalized ${reference?.finalized.epoch ?? "?"}`,
    );
  },
};

/** The node of the beacon proposer of `slot`, read from a node's committees endpoint. */
async function proposerNode(ctx: ScenarioContext, slot: number): Promise<string | undefined> {
  const validator = await beaconProposer(ctx, slot);
  return validator === undefined ? undefined : hostOf(ctx, validator);
}

/** The validator proposing the beacon block of `slot` (nodes know it for their head's epoch and the next). */
async function beaconProposer(ctx: ScenarioContext, slot: number): Promise<number | undefined> {
  const epoch = Math.floor(slot / ctx.cluster.slotsPerEpoch());
  for (const name of ctx.monitor.onlineNodes()) {
    const c = await getJson<CommitteesJson>(
      `${ctx.cluster.node(name).api}/v1/beacon/committees?epoch=${epoch}`,
      1000,
    ).catch(() => undefined);
    const p = c?.beaconProposers?.find((x) => x.slot === slot);
    if (p) return p.validator;
  }
  return undefined;
}

const freezeProposers: Scenario = {
  name: "freeze-proposers",
  summary:
    "the next beacon proposer's node frozen for one slot, every third slot, for 4 epochs: finality continues, every shard crosslinked every epoch",
  faultEpochs: () => 4,
  async run(ctx) {
    const { cluster } = ctx;
    const spe = cluster.slotsPerEpoch();
    const first = cluster.currentEpoch() + 1;
    const last = first + 4 - 1;
    ctx.fault(`beacon proposer's node frozen 1 slot in 3, epochs ${first}..${last}`);
    let frozen = 0;
    for (let slot = first * spe; slot < (last + 1) * spe; slot += 3) {
      const node = await proposerNode(ctx, slot);
      await cluster.untilSlot(slot, -100);
      if (!node) continue;
      cluster.freeze(node);
      await cluster.untilSlot(slot + 1, -100);
      cluster.thaw(node);
      frozen++;
    }
    ctx.log(`froze a proposer's node ${frozen} times`);
    ctx.expect("proposers' nodes frozen", frozen > 0, `${frozen} freezes`);
    ctx.monitor.healed();
    ctx.after.crosslinksEveryEpoch = {
      from: first,
      to: last,
      what: "every shard crosslinked in every epoch of the freezes",
    };
    ctx.after.maxStallEpochs = 1;
  },
};

const slowNode: Scenario = {
  name: "slow-node",
  summary:
    "one node frozen for 1/3 of every slot (at a random offset) for 4 epochs: crosslinks still land in every epoch",
  faultEpochs: () => 4,
  async run(ctx) {
    const { cluster, random } = ctx;
    const victim = shardNodeNames(ctx)[1]!;
    const spe = cluster.slotsPerEpoch();
    const first = cluster.currentEpoch() + 1;
    const last = first + 4 - 1;
    ctx.fault(`${victim} frozen 1/3 of every slot, epochs ${first}..${last}`);
    for (let slot = first * spe; slot < (last + 1) * spe; slot++) {
      const offset = Math.floor((random.next() * (cluster.slotMs * 2)) / 3);
      await cluster.untilSlot(slot, offset);
      cluster.freeze(victim);
      await sleep(cluster.slotMs / 3);
      cluster.thaw(victim);
    }
    ctx.monitor.healed();
    ctx.after.crosslinksEveryEpoch = {
      from: first,
      to: last,
      what: "every shard crosslinked in every epoch while one node is slow",
    };
  },
};

/**
 * How long kill-loop's nodes hold each block's write batch (the node's block-write failpoint): an aimed kill
 * lands in this window, after the block was accepted in memory and before its batch is on disk.
 */
const BLOCK_WRITE_HOLD_MS = 100;

const killLoop: Scenario = {
  name: "kill-loop",
  summary:
    "kill -9 and restart a random node every 20-40 s for 5 minutes, every other kill inside a block import (while the node's block-write failpoint holds the batch): durability holds, finality never stalls more than 2 epochs",
  faultEpochs: (short) => (short ? 12 : 40),
  beforeStart(cluster) {
    for (const n of cluster.nodes.values()) n.env[BLOCK_WRITE_FAILPOINT_ENV] = String(BLOCK_WRITE_HOLD_MS);
  },
  async run(ctx) {
    const { cluster, random, acks } = ctx;
    const spe = cluster.slotsPerEpoch();
    const end = Date.now() + cluster.epochs(this.faultEpochs(ctx.short, ctx.minutes) - 2);
    const [lo, hi] = ctx.short ? [10_000, 20_000] : [20_000, 40_000];
    const names = [...cluster.nodes.keys()];
    let kills = 0;
    const lost: string[] = [];
    while (Date.now() < end) {
      await sleep(lo + random.next() * (hi - lo));
      const victim = names[Math.floor(random.next() * names.length)]!;
      const node = cluster.node(victim);
      const status = await cluster.status(victim, 2000).catch(() => undefined);
      if (!status) continue; // still starting after an earlier kill
      const transfers =
        node.role === "shard" ? await acks.send(victim, node.api, status.trackedShards, 2) : [];
      const acknowledged = {
        status: await cluster.status(victim, 2000).catch(() => status),
        transfers: acks.accepted.get(victim) ?? [],
      };
      // Every other kill lands inside a block import: when the node announces a block write its failpoint
      // holds (BLOCK_WRITE_HOLD_MS). The others fall at any instant.
      const aimed = kills % 2 === 0;
      const inImport = aimed ? await cluster.nextBlockWrite(victim, 3 * cluster.slotMs) : false;
      if (!aimed) await sleep(random.next() * cluster.slotMs);
      await cluster.kill(victim);
      const at = cluster.currentSlot();
      cluster.spawn(victim);
      kills++;
      try {
        await cluster.waitLive(victim, cluster.epochs(8));
      } catch (err) {
        lost.push(`${victim} did not come back after the kill at slot ${at}: ${(err as Error).message}`);
        continue;
      }
      const tracked = (await cluster.status(victim, 3000).catch(() => status)).trackedShards;
      const missing = await missingAfterRestart(node.api, acknowledged, tracked);
      for (const m of missing)
        ctx.monitor.violate(
          "durability",
          `${victim} killed at slot ${at}: ${m} acknowledged before, gone after`,
        );
      ctx.log(
        `kill ${kills}: ${victim} at slot ${at}${aimed ? (inImport ? " (inside a block import: its write was held)" : " (aimed, but no block write seen in 3 slots)") : ""} (epoch ${Math.floor(at / spe)}; ${transfers.length} new transfers acknowledged), ${missing.length} missing after restart`,
      );
    }
    ctx.fault(`kill -9 + restart of a random node every ${lo / 1000}-${hi / 1000} s: ${kills} kills`);
    ctx.expect(
      "every killed node came back",
      lost.length === 0,
      lost.join("; ") || `${kills} kills, all back`,
    );
    ctx.monitor.healed();
    ctx.after.maxStallEpochs = 2;
  },
};

const equivocate: Scenario = {
  name: "equivocate",
  summary:
    "the same validator keys on two nodes: the double proposal and the double vote are detected and included, the validators are slashed, finality is kept",
  faultEpochs: (short) => (short ? 8 : 12),
  beforeStart(cluster) {
    // A twin of node-1 with half of its validators, tracking the same shard, with its own slashing protection.
    const n1 = cluster.node("node-1");
    cluster.define("twin", "shard", n1.validators.slice(0, Math.ceil(n1.validators.length / 2)), [0]);
  },
  async run(ctx) {
    const { cluster, firewall } = ctx;
    const twin = cluster.node("twin");
    const spe = cluster.slotsPerEpoch();
    // Cut the twin off across an epoch boundary and past one of its validators' beacon proposals: it builds
    // its own blocks (a double proposal once it sees node-1's) and keeps the epoch's stale FFG target after it
    // rejoins (a double vote).
    const others = [...cluster.nodes.keys()].filter((n) => n !== "twin");
    // A beacon proposal of one of the twin's validators at least 3 slots ahead, from the schedule every node
    // shares (the proposers of an epoch follow from the randao of two epochs before, so cutting the twin off
    // does not change the schedule it sees for this epoch and the next); looked for over at most 5 epochs.
    let proposal: number | undefined;
    const giveUp = cluster.currentSlot() + 5 * spe;
    while (proposal === undefined && cluster.currentSlot() < giveUp) {
      const epoch = cluster.currentEpoch();
      for (let slot = cluster.currentSlot() + 3; slot < (epoch + 2) * spe && proposal === undefined; slot++) {
        const validator = await beaconProposer(ctx, slot);
        if (validator !== undefined && twin.validators.includes(validator)) proposal = slot;
      }
      if (proposal === undefined) await cluster.untilEpoch(epoch + 1);
    }
    // Cut off from 2 slots before that proposal (both copies then propose: a double proposal) to 2 slots after
    // it and past the next epoch boundary (the twin keeps its stale FFG target for the epoch: a double vote).
    const from = proposal !== undefined ? proposal - 2 : cluster.currentSlot() + 1;
    const until = Math.max((proposal ?? from) + 2, (Math.floor(from / spe) + 1) * spe + 2);
    await cluster.untilSlot(from);
    firewall.partition([["twin"], others]);
    ctx.fault(
      `twin of ${twin.validators.length} node-1 validators, isolated slots ${from}..${until} (its proposal at ${proposal ?? "none found"}), then rejoined`,
    );
    await cluster.untilSlot(until, cluster.slotMs / 2);
    firewall.heal();
    ctx.monitor.healed();
    await cluster.untilEpoch(cluster.currentEpoch() + 4);
    ctx.after.slashed = twin.validators;
    ctx.after.maxStallEpochs = 2;
  },
};

const starve: Scenario = {
  name: "starve",
  summary: "CPU burners on every core beside the nodes for 3 epochs: crosslinks keep landing",
  faultEpochs: () => 5,
  async run(ctx) {
    const { cluster, burners } = ctx;
    const first = cluster.currentEpoch() + 1;
    await cluster.untilEpoch(first);
    burners.start(2);
    ctx.fault(`2 CPU burners for 3 epochs (${first}..${first + 2})`);
    await cluster.untilEpoch(first + 3);
    await burners.stop();
    ctx.monitor.healed();
  },
};

/** Runs a scenario-owned load to its end; reports its loss to the scenario and returns its inclusion p99. */
async function finishLoad(ctx: ScenarioContext, load: LightLoad, label: string): Promise<number | null> {
  const summary = await load.finish(ctx.cluster.epochs(20) + 60_000);
  ctx.log(
    `${label} load: ${summary.accepted} of ${summary.sent} accepted, ${summary.lost} lost, inclusion p99 ${summary.includedP99Seconds ?? "?"} s`,
  );
  // A load that never ran would make "every transfer sent is finalized" hold of nothing.
  ctx.expect(
    `the ${label} load was sent and accepted`,
    summary.sent > 0 && summary.accepted > 0,
    summary.failure ?? `${summary.accepted} of ${summary.sent} accepted`,
  );
  if (summary.lost > 0)
    ctx.monitor.violate(
      "durability",
      `${summary.lost} accepted transfers of the ${label} load were dropped or never finalized`,
    );
  ctx.lost(summary.lost);
  return summary.includedP99Seconds;
}

const roguePeer: Scenario = {
  name: "rogue-peer",
  summary:
    "a peer sends malformed, oversized, wrongly signed, stale and equivocating messages on every topic and floods req/resp: nothing invalid is relayed, the rogue is graylisted, no node crashes, every transfer sent during the attack is finalized",
  faultEpochs: (short) => (short ? 8 : 16),
  ownLoad: true,
  async run(ctx) {
    const { cluster } = ctx;
    const attackEpochs = ctx.short ? 3 : 6;
    // Without the rogue: the inclusion latency the ratio is taken against.
    const baseline = await finishLoad(ctx, ctx.startLoad(attackEpochs, "loadgen-baseline"), "baseline");
    const statuses = await Promise.all([...cluster.nodes.values()].map((n) => cluster.status(n.name, 3000)));
    const bootnodes = [...cluster.nodes.values()].map(
      (n, i) => `/ip4/127.0.0.1/tcp/${n.p2pPort}/p2p/${statuses[i]!.peerId}`,
    );
    const observer = await startObserver({ genesisPath: cluster.genesisPath, bootnodes });
    const load = ctx.startLoad(attackEpochs, "loadgen-attack");
    // The rogue connects once the load generator has read the nodes (its start-up reads are not the test).
    await Promise.race([load.started(), sleep(cluster.epochs(1))]);
    const rogue = await startRoguePeer({
      genesisPath: cluster.genesisPath,
      bootnodes,
      seed: Math.floor(ctx.random.next() * 2 ** 31),
      log: ctx.log,
    });
    observer.exclude(rogue.peerId);
    ctx.fault(`rogue peer on every topic and req/resp protocol for ${attackEpochs} epochs`);
    await sleep(cluster.epochs(attackEpochs));
    const report = await rogue.stop();
    await sleep(1500);
    const relayed = relayedRoguePayloads(report, observer.received());
    const heard = observer.receivedPerTopic();
    await observer.stop();
    const standings = await Promise.all(
      [...cluster.nodes.values()].map(async (n) => ({
        name: n.name,
        standing: await fetchPeerStanding(n.api, report.peerId).catch(() => undefined),
      })),
    );
    const attacked = await finishLoad(ctx, load, "attack");
    const crashed = [...cluster.nodes.values()].filter((n) => !cluster.isUp(n.name)).map((n) => n.name);
    ctx.expect(
      "no node crashed",
      crashed.length === 0,
      crashed.length === 0 ? "all running" : `exited: ${crashed.join(", ")}`,
    );
    ctx.expect(
      "nothing the rogue sent was relayed",
      relayed.length === 0 && Object.values(heard).some((n) => n > 0),
      `${relayed.length} of ${report.payloadHashes.length} rogue payloads reached the observer, which heard ${Object.values(heard).reduce((a, b) => a + b, 0)} honest messages`,
    );
    const notPenalised = standings
      .filter((s) => !s.standing || !rogueWasPenalised(s.standing))
      .map((s) => s.name);
    ctx.expect(
      "the rogue is graylisted by every node",
      notPenalised.length === 0,
      notPenalised.length === 0
        ? "graylisted or banned, disconnected, everywhere"
        : `not penalised by ${notPenalised.join(", ")}`,
    );
    const ratio = baseline && attacked ? attacked / baseline : null;
    ctx.expect(
      "inclusion p99 with the rogue / without (benchmark figure, goal <= 1.5x; not asserted)",
      true,
      `${attacked ?? "?"} s / ${baseline ?? "?"} s = ${ratio === null ? "?" : ratio.toFixed(2)}x`,
    );
    ctx.monitor.healed();
  },
};

/** Relative growth from the mean of `from` to the mean of `to`. */
function drift(from: readonly number[], to: readonly number[]): number {
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return mean(to) / mean(from) - 1;
}

const soakScenario: Scenario = {
  name: "soak",
  summary:
    "--minutes (60) of light load with a fault every 2 minutes (partition, freeze, starve, kill of node-4): RSS, heap and database size per node every minute; after warm-up, RSS drifts by at most 20% on the nodes never killed",
  scriptOnly: true,
  faultEpochs: (_short, minutes) => Math.ceil((minutes * 60) / 8),
  async run(ctx) {
    const { cluster, firewall, burners, random } = ctx;
    const endMs = Date.now() + ctx.minutes * 60_000;
    const names = [...cluster.nodes.keys()];
    const shardNodes = shardNodeNames(ctx);
    const killed = shardNodes[shardNodes.length - 1]!;
    const samples: Array<{ minute: number; nodes: Record<string, NodeSample | null> }> = [];
    const counts: Record<string, number> = {};
    let minute = 0;
    let nextFault = Date.now() + 120_000;
    ctx.log(`minute  ${names.map((n) => `${n} rss/heap/db MB`.padEnd(24)).join(" ")}`);
    while (Date.now() < endMs) {
      await sleep(Math.min(60_000, Math.max(0, endMs - Date.now())));
      minute++;
      const row: Record<string, NodeSample | null> = {};
      for (const n of cluster.nodes.values())
        row[n.name] = await sampleNode({ metrics: `${n.api}/metrics`, dataDir: n.dataDir }).catch(() => null);
      samples.push({ minute, nodes: row });
      ctx.log(
        `${String(minute).padStart(6)}  ${names
          .map((n) => {
            const x = row[n];
            return (x ? `${x.rssMb.toFixed(0)}/${x.heapMb.toFixed(0)}/${x.dbMb.toFixed(1)}` : "down").padEnd(
              24,
            );
          })
          .join(" ")}`,
      );
      if (Date.now() < nextFault || Date.now() > endMs - 60_000) continue;
      nextFault = Date.now() + 120_000;
      const kind = (["partition", "freeze", "starve", "kill"] as const)[Math.floor(random.next() * 4)]!;
      counts[kind] = (counts[kind] ?? 0) + 1;
      if (kind === "partition") {
        const cut = shardNodes.filter(() => random.next() < 0.5).slice(0, 2);
        const side = cut.length > 0 ? cut : [shardNodes[0]!];
        firewall.partition([side, names.filter((n) => !side.includes(n))]);
        await sleep(cluster.epochs(1));
        firewall.heal();
      } else if (kind === "freeze") {
        const victim = names[Math.floor(random.next() * names.length)]!;
        cluster.freeze(victim);
        await sleep(3 * cluster.slotMs);
        cluster.thaw(victim);
      } else if (kind === "starve") {
        burners.start(2);
        await sleep(cluster.epochs(1));
        await burners.stop();
      } else {
        await cluster.kill(killed);
        cluster.spawn(killed);
      }
      ctx.monitor.healed();
    }
    ctx.fault(
      `a fault every 2 minutes for ${ctx.minutes} minutes: ${Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")}`,
    );
    const warm = Math.max(5, Math.round(samples.length / 6));
    const window = Math.max(3, Math.round(samples.length / 10));
    const judged = names.filter((n) => n !== killed);
    const drifts: string[] = [];
    let worst = 0;
    for (const n of judged) {
      const rss = samples.map((s) => s.nodes[n]?.rssMb).filter((v): v is number => v !== undefined);
      if (rss.length < warm + 2 * window) continue;
      const d = drift(rss.slice(warm, warm + window), rss.slice(-window));
      worst = Math.max(worst, d);
      drifts.push(`${n} ${(d * 100).toFixed(1)}%`);
    }
    ctx.expect(
      "RSS drifts at most 20% after warm-up (nodes never killed)",
      drifts.length > 0 && worst <= 0.2,
      drifts.length > 0
        ? `${drifts.join(", ")} (mean of minutes ${warm + 1}..${warm + window} to the last ${window})`
        : `too short to judge (${samples.length} minutes)`,
    );
    writeFileSync(join(cluster.dir, "..", "soak-memory.json"), `${JSON.stringify(samples, null, 2)}\n`);
  },
};

export const SCENARIOS: readonly Scenario[] = [
  partitionHeal,
  freezeProposers,
  slowNode,
  killLoop,
  equivocate,
  starve,
  roguePeer,
  soakScenario,
];

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
