/**
 * The load generator (apps/loadgen, DESIGN.md §8) against a real devnet: one beacon node + 2 shard nodes as
 * processes, 2 shards, 1-second slots. It runs as a process, as a user runs it, and its report is checked
 * against the chain: every transfer finalized, the cross-shard share asked for, and the supply of the
 * accounts it used unchanged apart from the fees it burned.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEV_BALANCE } from "../../apps/devnet/src/genesisFile.js";
import { E2eDevnet, SLOTS_PER_EPOCH, saveEvidenceOnFailure, waitFor } from "./helpers/devnet.js";
import { spawnLoadgen } from "./helpers/loadgen.js";
import { devAccount, nodesByShard } from "./helpers/txs.js";

const SHARDS = 2;
/** Dev accounts the e2e harness funds at genesis (E2eDevnet.start), each with DEFAULT_DEV_BALANCE. */
const FUNDED = 16;
const RATE = 20;
const DURATION = 8;
const SLOT_SECONDS = 1;
/** Every accepted transfer must be finalized within this many epochs: about 3× the typical time. */
const FINALITY_EPOCHS = 15;

/** Runs the load generator as a process; resolves with its exit code and output. Bounded by `timeoutMs`. */
function runLoadgen(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return spawnLoadgen(args, timeoutMs).exited;
}

async function balance(api: string, hex: string): Promise<bigint> {
  const res = await fetch(`${api}/v1/accounts/${hex}`, { signal: AbortSignal.timeout(5000) });
  if (res.status === 404) return 0n;
  if (res.status !== 200) throw new Error(`GET account ${hex} on ${api} → ${res.status}`);
  return BigInt(((await res.json()) as { balance: string }).balance);
}

describe.sequential("load generator against a devnet (real processes, 1-second slots)", () => {
  let devnet: E2eDevnet | undefined;
  const failures = saveEvidenceOnFailure(() => devnet);
  const apis = () => [...(devnet?.nodes.values() ?? [])].filter((n) => n.role === "shard").map((n) => n.api);

  beforeAll(async () => {
    devnet = await E2eDevnet.start({
      basePort: 29800,
      shardNodes: 2,
      shards: SHARDS,
      validators: 16,
      slotSeconds: SLOT_SECONDS,
    });
    await devnet.untilSlot(3);
  });

  afterAll(async () => {
    await devnet?.stop(failures.any());
  });

  it("sends at the asked rate, follows every transfer to finalized and writes its report; balances agree", async () => {
    const out = join(devnet!.dir, "loadgen-report");
    const run = await runLoadgen(
      [
        `--apis=${apis().join(",")}`,
        `--rate=${RATE}`,
        `--duration=${DURATION}`,
        "--cross-shard=0.5",
        `--senders=0..${FUNDED - 1}`,
        "--receivers=0..31",
        `--finality-timeout=${FINALITY_EPOCHS * SLOTS_PER_EPOCH * SLOT_SECONDS}`,
        `--out=${out}`,
      ],
      (DURATION + (FINALITY_EPOCHS + 4) * SLOTS_PER_EPOCH * SLOT_SECONDS) * 1000,
    );
    expect(run.code, run.output.slice(-3000)).toBe(0);
    expect(run.output).toContain("every accepted transfer reached finalized");
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.sent).toBe(RATE * DURATION);
    expect(report.accepted).toBe(RATE * DURATION);
    expect(report.latency.finalized.count).toBe(RATE * DURATION);
    expect(report.latency.included.p50).toBeGreaterThan(0);
    expect(report.latency.finalized.p50).toBeGreaterThan(report.latency.included.p50);
    expect(Math.abs(report.crossShard / report.sent - 0.5)).toBeLessThan(0.15);
    // Open loop: the schedule, not the nodes' answers, sets the pace. How well a loaded machine kept it
    // is a measurement, printed here; bench:tx owns rate figures.
    process.stdout.write(
      `[loadgen-e2e] sent ${report.sent} in ${report.sendSeconds} s (achieved ${report.achievedRate}/s of ${RATE}/s asked), ${report.timeline.length} progress lines\n`,
    );
    expect(report.timeline.length).toBeGreaterThan(0);
    expect(readFileSync(join(out, "latency.svg"), "utf8")).toContain("<polyline");
    expect(existsSync(join(out, "summary.txt"))).toBe(true);

    // The chain agrees: the 32 accounts it used hold the genesis supply of the funded ones minus the fees.
    const shardNodes = [...devnet!.nodes.values()].filter((n) => n.role === "shard");
    const byShard = nodesByShard(
      await devnet!.statuses(shardNodes.map((n) => n.name)),
      new Map(shardNodes.map((n) => [n.name, n.api])),
      SHARDS,
    );
    const accounts = Array.from({ length: 32 }, (_, n) => devAccount(n, SHARDS));
    const expected = DEFAULT_DEV_BALANCE * BigInt(FUNDED) - BigInt(RATE * DURATION);
    let total = 0n;
    await waitFor(
      "balances of the 32 accounts to settle to the supply minus fees",
      async () => {
        const balances = await Promise.all(accounts.map((a) => balance(byShard[a.shard]![0]!.api, a.hex)));
        total = balances.reduce((x, y) => x + y, 0n);
        return total === expected ? true : undefined;
      },
      4 * SLOTS_PER_EPOCH * SLOT_SECONDS * 1000,
      1000,
    ).catch(() => undefined);
    expect(total).toBe(expected);
  });

  it("refuses bad flags, unfunded senders and an unreachable node with a message that names the problem", async () => {
    const bad = await runLoadgen(["--cross-shard=2", `--apis=${apis().join(",")}`], 60_000);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain("--cross-shard must be between 0 and 1");
    const unfunded = await runLoadgen(
      [`--apis=${apis().join(",")}`, "--senders=200..201", "--rate=5", "--duration=1", "--out=/dev/null/x"],
      60_000,
    );
    expect(unfunded.code).toBe(1);
    expect(unfunded.output).toMatch(/dev:200 holds 0, its \d+ transfers need \d+/);
    const unreachable = await runLoadgen(["--apis=http://127.0.0.1:9", "--duration=1"], 60_000);
    expect(unreachable.code).toBe(1);
    expect(unreachable.output).toContain("cannot reach http://127.0.0.1:9");
  });

  it("exits 2 and says how many were left when accepted transfers do not reach finalized in time", async () => {
    const out = join(devnet!.dir, "loadgen-timeout");
    const run = await runLoadgen(
      [
        `--apis=${apis().join(",")}`,
        "--rate=5",
        "--duration=1",
        `--senders=0..${FUNDED - 1}`,
        "--finality-timeout=0",
        "--quiet",
        `--out=${out}`,
      ],
      120_000,
    );
    expect(run.code, run.output.slice(-2000)).toBe(2);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.accepted).toBe(5);
    expect(report.notFinalized).toBeGreaterThan(0);
    expect(run.output).toContain(`${report.notFinalized} accepted transfers had not reached finalized`);
  });
});
