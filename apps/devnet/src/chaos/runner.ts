/**
 * Runs one scenario: a fresh devnet in the harness's namespace, the firewall, the invariant monitor and a
 * light load; the scenario's faults; then a settling time, the load generator's verdict on every accepted
 * transfer, the end-of-run judgement, and, once every node is stopped, the audit of their databases
 * (diskAudit.ts). Everything it starts is stopped, whatever happens.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseGenesis, SeededRandom } from "@shardnet/consensus";
import { getJson } from "../processes.js";
import { crosslinkedEveryEpoch } from "./checks.js";
import { ChaosCluster } from "./cluster.js";
import { auditNodeDatabases, type DiskAuditSummary } from "./diskAudit.js";
import { AcknowledgedTransfers } from "./durability.js";
import { Firewall } from "./firewall.js";
import { CpuBurners, LightLoad, type LoadSummary } from "./load.js";
import { INVARIANTS, InvariantMonitor, type InvariantName, type Violation } from "./monitor.js";
import type { AfterRun, Scenario } from "./scenario.js";

export interface RunOptions {
  seed: number;
  short: boolean;
  slotSeconds: number;
  slotsPerEpoch: number;
  shardNodes: number;
  shards: number;
  validators: number;
  basePort: number;
  outDir: string;
  loadRate: number;
  logLevel: string;
  /** The soak's length (--minutes). */
  minutes: number;
}

export interface ScenarioResult {
  scenario: string;
  seed: number;
  short: boolean;
  faults: string[];
  durationSeconds: number;
  finalityStallEpochs: number;
  longestCrosslinkGapSlots: number;
  transfersLost: number;
  load: LoadSummary | null;
  invariants: Record<InvariantName, "pass" | "fail">;
  expectations: Array<{ name: string; ok: boolean; detail: string }>;
  violations: Violation[];
  finalizedEpoch: number;
  crosslinkedEpochs: Record<number, number[]>;
  supplyChecks: number;
  /** What the audit of the stopped nodes' databases read from each (empty when it did not run). */
  diskAudit: DiskAuditSummary[];
  pass: boolean;
  devnetDir: string;
}

/** Epochs of warm-up before the first fault, and of settling after the last. */
const WARMUP_EPOCHS = 2;
const SETTLE_EPOCHS = 3;

export async function runScenario(
  scenario: Scenario,
  opts: RunOptions,
  log: (msg: string) => void,
): Promise<ScenarioResult> {
  const started = Date.now();
  const scenarioDir = join(opts.outDir, scenario.name);
  mkdirSync(scenarioDir, { recursive: true });
  const cluster = await ChaosCluster.create({
    shardNodes: opts.shardNodes,
    shards: opts.shards,
    validators: opts.validators,
    slotSeconds: opts.slotSeconds,
    slotsPerEpoch: opts.slotsPerEpoch,
    basePort: opts.basePort,
    genesisDelaySec: 15,
    logLevel: opts.logLevel,
    parentDir: scenarioDir,
  });
  scenario.beforeStart?.(cluster);
  const firewall = new Firewall([...cluster.nodes.values()]);
  const genesis = parseGenesis(cluster.genesis);
  const genesisSupply = genesis.accounts.reduce((sum, a) => sum + a.balance, 0n);
  const monitor = new InvariantMonitor(cluster, firewall, genesisSupply, opts.shards, log);
  const burners = new CpuBurners();
  const expectations: ScenarioResult["expectations"] = [];
  const faults: string[] = [];
  const after: AfterRun = {};
  /** Transfers lost in the loads a scenario ran itself (ownLoad). */
  let lostByScenario = 0;
  let load: LightLoad | undefined;
  let loadSummary: LoadSummary | null = null;
  const spe = opts.slotsPerEpoch;
  const acks = new AcknowledgedTransfers(
    Array.from({ length: 16 }, (_, i) => 48 + i),
    opts.shards,
  );
  try {
    firewall.install();
    log(
      `${scenario.name}: devnet in ${cluster.dir} (${cluster.nodes.size} nodes, ${opts.slotSeconds}-second slots, ${spe} slots per epoch)`,
    );
    await cluster.start(cluster.epochs(12) + 60_000);
    monitor.start();
    const firstFaultEpoch = WARMUP_EPOCHS;
    await cluster.untilEpoch(firstFaultEpoch);
    const faultEpochs = scenario.faultEpochs(opts.short, opts.minutes);
    const loadApis = cluster
      .shardNodes()
      .filter((n) => n.name !== "twin")
      .map((n) => n.api);
    let loads = 0;
    const startLoad = (epochs: number, label: string): LightLoad => {
      const dir = join(scenarioDir, label);
      mkdirSync(dir, { recursive: true });
      return new LightLoad(loadApis, {
        rate: opts.loadRate,
        durationSec: Math.round(cluster.epochs(epochs) / 1000),
        finalityTimeoutSec: Math.round(cluster.epochs(SETTLE_EPOCHS + 6) / 1000),
        outDir: dir,
        seed: opts.seed + loads++,
      });
    };
    if (!scenario.ownLoad) load = startLoad(faultEpochs, "loadgen");
    await scenario.run({
      cluster,
      firewall,
      monitor,
      burners,
      random: new SeededRandom(opts.seed),
      short: opts.short,
      minutes: opts.minutes,
      acks,
      log: (msg) => log(`${scenario.name}: ${msg}`),
      expect: (name, ok, detail) => {
        expectations.push({ name, ok, detail });
        log(`${scenario.name}: ${ok ? "ok" : "FAILED"} ${name}: ${detail}`);
      },
      lost: (count) => {
        lostByScenario += count;
      },
      fault: (description) => {
        faults.push(description);
        log(`${scenario.name}: fault: ${description}`);
      },
      after,
      startLoad,
    });
    firewall.heal();
    await burners.stop();
    for (const n of cluster.nodes.values()) cluster.thaw(n.name);
    const lastFaultEpoch = cluster.currentEpoch();
    await cluster.untilEpoch(lastFaultEpoch + SETTLE_EPOCHS);
    if (load) {
      loadSummary = await load.finish(cluster.epochs(SETTLE_EPOCHS + 10) + 60_000);
      load = undefined;
      log(
        `${scenario.name}: load: ${loadSummary.accepted} of ${loadSummary.sent} accepted, ${loadSummary.lost} lost (loadgen exit ${loadSummary.exitCode})`,
      );
      expectations.push({
        name: "the light load was sent and accepted",
        ok: loadSummary.sent > 0 && loadSummary.accepted > 0,
        detail: loadSummary.failure ?? `${loadSummary.accepted} of ${loadSummary.sent} accepted`,
      });
      if (loadSummary.lost > 0)
        monitor.violate(
          "durability",
          `${loadSummary.lost} accepted transfers were dropped or never finalized (loadgen report in ${scenarioDir}/loadgen)`,
        );
    }
    await monitor.checkSupplyAndReceipts();
    await monitor.stop();
    const end = await monitor.finish({ fromEpoch: firstFaultEpoch, toEpoch: cluster.currentEpoch() - 1 });
    if (after.crosslinksEveryEpoch) {
      const { from, to, what } = after.crosslinksEveryEpoch;
      const judged = Math.min(to, end.finalizedEpoch - 1);
      const c = crosslinkedEveryEpoch(end.crosslinkedEpochs, from, judged, opts.shards);
      expectations.push({
        name: what,
        ok: c.ok && judged >= from,
        detail:
          judged < from
            ? `finality never reached epoch ${from}`
            : c.ok
              ? `epochs ${from}..${judged}`
              : `missing: ${c.missing.join(", ")}`,
      });
    }
    if (after.maxStallEpochs !== undefined)
      expectations.push({
        name: `finality stalls at most ${after.maxStallEpochs} epochs`,
        ok: end.finalityStallEpochs <= after.maxStallEpochs,
        detail: `longest stall ${end.finalityStallEpochs} epochs beyond the normal 2`,
      });
    if (after.slashed) {
      const proposer = end.chain.reduce((n, b) => n + b.proposerSlashings, 0);
      const attester = end.chain.reduce((n, b) => n + b.attesterSlashings, 0);
      const reference = cluster.shardNodes()[0]!.api;
      const slashed = await Promise.all(
        after.slashed.map((v) =>
          getJson<{ slashed: boolean }>(`${reference}/v1/beacon/validators/${v}`, 2000)
            .then((x) => x.slashed)
            .catch(() => false),
        ),
      );
      expectations.push({
        name: "the double proposal and the double vote are included and the twin's validators slashed",
        ok: proposer > 0 && attester > 0 && slashed.some((s) => s),
        detail: `${proposer} proposer and ${attester} attester slashings on the finalized chain; slashed: ${after.slashed.filter((_, i) => slashed[i]).join(",") || "none"} of ${after.slashed.join(",")}`,
      });
    }
    // Every node stopped (kill -9), its database checked as it was left: the invariants again, from disk.
    await cluster.stop();
    const audit = await auditNodeDatabases(
      [...cluster.nodes.values()].map((n) => ({
        node: n.name,
        dataDir: n.dataDir,
        started: n.starts > 0,
        lastStatus: monitor.lastStatus(n.name),
        finalizedSeen: monitor.finalizedSeenBy(n.name),
        transfers: acks.accepted.get(n.name) ?? [],
      })),
      genesis,
      Math.max(0, cluster.currentSlot()) + 2,
    );
    for (const note of audit.notes) log(`${scenario.name}: disk audit: ${note}`);
    for (const s of audit.summaries)
      log(
        `${scenario.name}: disk audit: ${s.node}: ${s.chainBlocks} stored canonical blocks up to slot ${s.headSlot} (walked from the ${s.chainFrom.replace("_", " ")}), finalized epoch ${s.finalizedEpoch} (${s.finalizedFrom}), shard anchor states ${s.shardAnchors.map((a) => `${a.shard}@${a.slot}`).join(", ") || "none"}, ${s.acknowledgedChecked - s.acknowledgedMissing} of ${s.acknowledgedChecked} acknowledged heads and transfers on disk`,
      );
    for (const v of audit.violations)
      monitor.violate(v.invariant, `after stop, from the database: ${v.message}`);
    const invariants = Object.fromEntries(
      INVARIANTS.map((i) => [i, monitor.violations.some((v) => v.invariant === i) ? "fail" : "pass"]),
    ) as Record<InvariantName, "pass" | "fail">;
    if (monitor.supplyCheckCount() === 0) {
      invariants.supply = "fail";
      monitor.violate("supply", "no supply check could run (no healthy node for some shard at any epoch)");
    }
    const result: ScenarioResult = {
      scenario: scenario.name,
      seed: opts.seed,
      short: opts.short,
      faults,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      finalityStallEpochs: end.finalityStallEpochs,
      longestCrosslinkGapSlots: end.longestCrosslinkGapSlots,
      transfersLost: loadSummary?.lost ?? lostByScenario,
      load: loadSummary,
      invariants,
      expectations,
      violations: monitor.violations,
      finalizedEpoch: end.finalizedEpoch,
      crosslinkedEpochs: end.crosslinkedEpochs,
      supplyChecks: monitor.supplyCheckCount(),
      diskAudit: audit.summaries,
      pass: false,
      devnetDir: cluster.dir,
    };
    result.pass = Object.values(invariants).every((v) => v === "pass") && expectations.every((e) => e.ok);
    writeFileSync(join(scenarioDir, "result.json"), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    load?.kill();
    await monitor.stop();
    await burners.stop();
    await cluster.stop();
    firewall.uninstall();
  }
}
