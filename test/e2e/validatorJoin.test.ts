/**
 * A validator joins and leaves a running devnet (issue 18), as an operator does it, with real processes: a beacon
 * node and 2 shard nodes (2 shards, 8 genesis validators, 1-second slots), and a new node on its own data dir and
 * peer key, started with --genesis-url (pinned with --genesis-hash) and one freshly generated EIP-2335 keystore.
 *   - `validator deposit` from dev account N pays the stake on its shard; the beacon chain registers the key
 *     (queued), and it becomes active;
 *   - it proposes a shard block and is counted in a crosslink aggregate;
 *   - `validator exit`; at its withdrawable epoch the stake returns to the withdrawal address (the paying account);
 *   - the supply invariant holds exactly at every step: the shards' ledgers, the beacon chain's stake ledger, and
 *     the two crossings (registered ≤ paid, credited ≤ sent).
 * The registry cycle is shortened by preset values so it fits in a CI run: 4-slot epochs, 1-epoch committee
 * periods, exits after 1 period, withdrawable 1 epoch after the exit. Deadlines are counted in epochs.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { genesisHash, parseGenesis, SignedBeaconBlock } from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ShardSupplyJson,
  shardLedgerTotal,
  shardSupplyFromJson,
  supplyViolation,
} from "../../apps/devnet/src/chaos/checks.js";
import { REPO_ROOT, runApp } from "../../apps/devnet/src/processes.js";
import { E2eDevnet, getJson, saveEvidenceOnFailure, waitFor } from "./helpers/devnet.js";
import { type AccountJson, devAccountsOnShard } from "./helpers/txs.js";

const BASE_PORT = 30400;
const SHARDS = 2;
const SLOTS_PER_EPOCH = 4;
const STAKE = 32_000_000_000n;
const FEE = 1n;
const VALIDATOR_CLI = resolve(REPO_ROOT, "apps/validator/src/main.ts");

const t0 = Date.now();
function note(msg: string): void {
  process.stdout.write(`[join +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
}

/** Runs `npm run validator -- <args> --json` as a child process; resolves with its exit code and JSON output. */
async function validatorCli(
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; json: unknown; stderr: string }> {
  const run = await runApp(VALIDATOR_CLI, [...args, "--json"], timeoutMs);
  if (run.timedOut)
    throw new Error(`validator ${args.join(" ")} did not exit within ${timeoutMs} ms; stderr: ${run.stderr}`);
  let json: unknown;
  try {
    json = run.stdout.trim() ? JSON.parse(run.stdout.trim()) : undefined;
  } catch {
    json = undefined;
  }
  return { code: run.code, json, stderr: run.stderr };
}

interface StatusJson {
  index: number;
  status: string;
  activationEpoch: number | null;
  exitEpoch: number | null;
  withdrawableEpoch: number | null;
  withdrawalAddress: string | null;
  stake: string;
  headEpoch: number;
}

interface Amount {
  count: number;
  amount: string;
}

interface BeaconSupplyJson {
  genesisStake: string;
  stakeHeld: string;
  depositsRegistered: Amount[];
  withdrawalsSent: Amount[];
  problem: string | null;
}

interface CommitteesJson {
  epoch: number;
  committees: { shard: number; validators: number[] }[];
}

describe.sequential("a validator joins and leaves a running devnet (real processes)", () => {
  let devnet: E2eDevnet | undefined;
  const failures = saveEvidenceOnFailure(() => devnet);
  let keysDir = "";
  let passwordFile = "";
  let keystoreFile = "";
  let pubkey = "";
  let index = -1;
  let activationEpoch = -1;
  let genesisAccounts = 0n;
  /** The paying account (dev account on shard 0) and its balance before the deposit. */
  const sender = devAccountsOnShard(0, 1, SHARDS, 0)[0]!;
  let balanceBefore = 0n;
  /** The node tracking shard s: node-(s+1). */
  const shardApi = (shard: number) => net().node(`node-${shard + 1}`).api;

  function net(): E2eDevnet {
    if (!devnet) throw new Error("devnet did not start");
    return devnet;
  }

  const epochs = (n: number) => n * SLOTS_PER_EPOCH * net().slotMs;

  async function status(node = net().node("joiner").api): Promise<StatusJson> {
    const run = await validatorCli(["status", pubkey, "--node", node]);
    if (run.code !== 0) throw new Error(`status failed (${run.code}): ${run.stderr}`);
    return run.json as StatusJson;
  }

  async function waitStatus(wanted: string, deadlineEpochs: number): Promise<StatusJson> {
    return waitFor(
      `validator ${pubkey.slice(0, 12)}… to be ${wanted}`,
      async () => {
        const s = await status();
        return s.status === wanted ? s : undefined;
      },
      epochs(deadlineEpochs),
      1000,
    );
  }

  /**
   * The whole supply invariant, exactly: each shard's ledger from the node tracking it, and the beacon chain's
   * stake ledger. Crossings are read in the order that makes them sound while the chains advance: the beacon
   * chain's registered deposits before the shards' payments; the shards' credited withdrawals before the beacon
   * chain's sent ones.
   */
  async function checkSupply(step: string): Promise<void> {
    const before = await getJson<BeaconSupplyJson>(`${net().node("beacon").api}/v1/beacon/supply`);
    const shards = await Promise.all(
      Array.from({ length: SHARDS }, async (_, s) =>
        shardSupplyFromJson(
          `node-${s + 1}`,
          await getJson<ShardSupplyJson>(`${shardApi(s)}/v1/shards/${s}/supply`),
        ),
      ),
    );
    const after = await getJson<BeaconSupplyJson>(`${net().node("beacon").api}/v1/beacon/supply`);
    // Each shard's ledger comes from one head state and is exact on its own (its balances + fees + deposits paid
    // − withdrawals credited + sent − credited = its genesis allocation), so their sum is exact too.
    expect(supplyViolation(shards, genesisAccounts), `${step}: shards' ledger`).toBeUndefined();
    const total = shards.reduce((sum, s) => sum + shardLedgerTotal(s), 0n);
    expect(before.problem, `${step}: beacon stake ledger`).toBeNull();
    expect(after.problem, `${step}: beacon stake ledger`).toBeNull();
    for (let s = 0; s < SHARDS; s++) {
      expect(
        BigInt(before.depositsRegistered[s]!.amount),
        `${step}: shard ${s} registered ≤ paid`,
      ).toBeLessThanOrEqual(shards[s]!.depositsPaid);
      expect(shards[s]!.withdrawalsCredited, `${step}: shard ${s} credited ≤ sent`).toBeLessThanOrEqual(
        BigInt(after.withdrawalsSent[s]!.amount),
      );
    }
    note(`${step}: supply conserved (stake held ${after.stakeHeld}, shards' ledger ${total})`);
  }

  async function balanceOf(address: string): Promise<bigint> {
    return BigInt((await getJson<AccountJson>(`${shardApi(0)}/v1/accounts/${address}`)).balance);
  }

  beforeAll(async () => {
    devnet = await E2eDevnet.start({
      basePort: BASE_PORT,
      shardNodes: 2,
      shards: SHARDS,
      validators: 8,
      slotSeconds: 1,
      presetOverrides: {
        SLOTS_PER_EPOCH,
        SHARD_COMMITTEE_PERIOD: 1,
        MIN_VALIDATOR_ACTIVE_PERIODS: 1,
        MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 1,
      },
    });
    genesisAccounts = devnet.genesis.accounts.reduce((sum, a) => sum + BigInt(a.balance), 0n);
    keysDir = join(devnet.dir, "keys");
    passwordFile = join(devnet.dir, "password.txt");
    writeFileSync(passwordFile, "a long password\n");
    const keys = await validatorCli([
      "keys",
      "new",
      "--count",
      "1",
      "--out",
      keysDir,
      "--password-file",
      passwordFile,
    ]);
    expect(keys.code, keys.stderr).toBe(0);
    const written = (keys.json as { keystores: { pubkey: string; file: string }[] }).keystores[0]!;
    pubkey = written.pubkey;
    keystoreFile = written.file;
    note(`devnet up in ${devnet.dir}; new key ${pubkey}`);
  });

  afterAll(async () => {
    await devnet?.stop(failures.any());
  });

  it("a new node starts from another node's genesis (--genesis-url, pinned) with the keystore, and follows the chain", async () => {
    const d = net();
    const hash = `0x${bytesToHex(genesisHash(parseGenesis(d.genesis)))}`;
    d.spawn({
      ...d.extraSpec("joiner"),
      genesisUrl: d.node("beacon").api,
      extraArgs: ["--genesis-hash", hash, "--keystores", keysDir, "--password-file", passwordFile],
    });
    await d.waitHealthy("joiner", 90_000);
    await checkSupply("before the deposit");
  });

  it("deposits from a dev account: the shard debits it, the beacon chain registers the key (queued), then it is active", async () => {
    balanceBefore = await balanceOf(sender.hex);
    const run = await validatorCli([
      "deposit",
      "--keystore",
      keystoreFile,
      "--password-file",
      passwordFile,
      "--from-key",
      `dev:${sender.n}`,
      "--amount",
      STAKE.toString(),
      "--fee",
      FEE.toString(),
      "--node",
      shardApi(0),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ status: "pooled", shard: 0, withdrawalAddress: sender.hex });
    // Registered once shard 0's block with the deposit is crosslinked and a beacon proposer proves it.
    const queued = await waitFor("the deposit to be registered", () => status(), epochs(8), 1000);
    index = queued.index;
    activationEpoch = queued.activationEpoch as number;
    note(`registered as validator ${index} (${queued.status}), activation epoch ${activationEpoch}`);
    expect(index).toBe(8);
    expect(queued.withdrawalAddress).toBe(sender.hex);
    expect(await balanceOf(sender.hex)).toBe(balanceBefore - STAKE - FEE);
    await checkSupply("registered");
    const active = await waitStatus("active", activationEpoch - queued.headEpoch + 4);
    expect(active.stake).toBe(STAKE.toString());
    await checkSupply("active");
  });

  it("proposes a shard block and is counted in a crosslink aggregate", async () => {
    const seats = new Map<number, { shard: number; position: number }>();
    const shardCursor = [0, 0];
    let beaconCursor = 0;
    let proposed: { shard: number; slot: number } | undefined;
    let counted: { slot: number; shard: number } | undefined;
    const beaconApi = net().node("beacon").api;
    await waitFor(
      "a shard block proposed by the new validator and a crosslink aggregate counting it",
      async () => {
        const head = await getJson<{ slot: number }>(`${beaconApi}/v1/beacon/head`);
        const headEpoch = Math.floor(head.slot / SLOTS_PER_EPOCH);
        for (const epoch of [headEpoch - 1, headEpoch]) {
          if (epoch < activationEpoch || seats.has(epoch)) continue;
          const c = await getJson<CommitteesJson>(`${beaconApi}/v1/beacon/committees?epoch=${epoch}`).catch(
            () => undefined,
          );
          for (const committee of c?.committees ?? []) {
            const position = committee.validators.indexOf(index);
            if (position >= 0) seats.set(epoch, { shard: committee.shard, position });
          }
        }
        for (let s = 0; s < SHARDS && !proposed; s++) {
          const shardHead = await getJson<{ slot: number }>(`${shardApi(s)}/v1/shards/${s}/head`);
          for (
            let slot = Math.max(shardCursor[s]!, activationEpoch * SLOTS_PER_EPOCH);
            slot <= shardHead.slot;
            slot++
          ) {
            const res = await fetch(`${shardApi(s)}/v1/shards/${s}/blocks/${slot}`);
            if (res.status !== 200) continue;
            const body = (await res.json()) as {
              slot: number;
              block: { message: { header: { proposer_index: string } } };
            };
            if (body.slot === slot && Number(body.block.message.header.proposer_index) === index)
              proposed = { shard: s, slot };
          }
          shardCursor[s] = shardHead.slot + 1;
        }
        for (
          let slot = Math.max(beaconCursor, activationEpoch * SLOTS_PER_EPOCH);
          slot <= head.slot && !counted;
          slot++
        ) {
          const res = await fetch(`${beaconApi}/v1/beacon/blocks/${slot}`);
          beaconCursor = slot + 1;
          if (res.status !== 200) continue;
          const body = (await res.json()) as { block: unknown };
          const block = SignedBeaconBlock.fromJson(body.block);
          for (const { attestation } of block.message.body.crosslinks) {
            const seat = seats.get(Math.floor(attestation.data.slot / SLOTS_PER_EPOCH));
            if (
              seat &&
              seat.shard === attestation.data.shard &&
              attestation.aggregationBits.get(seat.position)
            )
              counted = { slot, shard: seat.shard };
          }
        }
        return proposed && counted ? true : undefined;
      },
      epochs(16),
      1000,
    );
    note(
      `proposed shard ${proposed?.shard} block at slot ${proposed?.slot}; counted in the crosslink of shard ${counted?.shard} in beacon block ${counted?.slot}`,
    );
    await checkSupply("active and voting");
  });

  it("exits, and its stake returns to the withdrawal address, credited once", async () => {
    const joiner = net().node("joiner").api;
    // Exits are valid from one committee period after activation: retried each epoch until the node accepts it.
    const exit = await waitFor(
      "the exit to be accepted",
      async () => {
        const run = await validatorCli([
          "exit",
          "--keystore",
          keystoreFile,
          "--password-file",
          passwordFile,
          "--node",
          joiner,
          "--yes",
        ]);
        if (run.code === 0) return run.json as { index: number; status: string };
        if (!/EXIT_EARLY|early|may exit from/.test(run.stderr))
          throw new Error(`exit refused: ${run.stderr}`);
        return undefined;
      },
      epochs(4),
      SLOTS_PER_EPOCH * net().slotMs,
    );
    expect(exit).toMatchObject({ index, status: "pooled" });
    const exiting = await waitStatus("exiting", 4);
    note(`exiting at epoch ${exiting.exitEpoch}, withdrawable from epoch ${exiting.withdrawableEpoch}`);
    expect(exiting.withdrawableEpoch).toBe((exiting.exitEpoch as number) + 1);
    await checkSupply("exiting");
    const withdrawn = await waitStatus(
      "withdrawn",
      (exiting.withdrawableEpoch as number) - exiting.headEpoch + 4,
    );
    expect(withdrawn.stake).toBe("0");
    // The shard credits it: the sender paid the fee only.
    await waitFor(
      "the withdrawal to be credited to the paying account",
      async () => ((await balanceOf(sender.hex)) === balanceBefore - FEE ? true : undefined),
      epochs(4),
      1000,
    );
    const shard0 = await getJson<ShardSupplyJson>(`${shardApi(0)}/v1/shards/0/supply`);
    expect(shard0.withdrawalsCredited).toEqual({ count: 1, amount: STAKE.toString() });
    await checkSupply("withdrawn");
    // Still credited once two epochs later.
    await new Promise((r) => setTimeout(r, epochs(2)));
    expect(await balanceOf(sender.hex)).toBe(balanceBefore - FEE);
    await checkSupply("two epochs after the withdrawal");
  });
});
