/**
 * Voluntary exits end to end (issue 18): a signed exit posted to one node's API is checked, pooled, gossiped on
 * `voluntary_exit` to the other node, included by a beacon proposer, and the validator's exit is scheduled
 * through the exit queue; at its withdrawable epoch its stake is sent back and both nodes' shard chains credit
 * it once. Bad exits get a clear 4xx and change nothing.
 *
 * Real parts: two ShardnetNodes (LevelDB in a temp dir, libp2p on 127.0.0.1, the HTTP API on an OS port), each
 * hosting half of 8 interop validators. Preset: 4-slot epochs, 1-epoch committee periods, exits allowed after
 * 1 period (from epoch 1, slot 4), withdrawable 1 epoch after the exit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  computeDomain,
  computeSigningRoot,
  DOMAIN_VOLUNTARY_EXIT,
  genesisHash,
  SignedVoluntaryExit,
  shardOf,
  VoluntaryExit,
} from "@shardnet/consensus";
import { getBls, interopSecretKey } from "@shardnet/crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { LoadedGenesis, ShardnetNode } from "../src/index.js";
import { startNode, writeSmallGenesis } from "./realNodes.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function signedExit(loaded: LoadedGenesis, validatorIndex: number, epoch: number, signer = validatorIndex) {
  const message = { epoch, validatorIndex };
  const root = computeSigningRoot(
    VoluntaryExit.hashTreeRoot(message),
    computeDomain(DOMAIN_VOLUNTARY_EXIT, genesisHash(loaded.genesis)),
  );
  const signature = getBls().secretKeyFromBytes(interopSecretKey(signer)).sign(root).toBytes();
  return SignedVoluntaryExit.toJson({ message, signature });
}

async function post(
  node: ShardnetNode,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${node.apiUrl()}/v1/beacon/pool/voluntary_exits`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

interface SupplyJson {
  balances: string;
  feesBurned: string;
  depositsPaid: { count: number; amount: string };
  withdrawalsCredited: { count: number; amount: string };
  sent: { amount: string }[];
  credited: { amount: string }[];
}

async function getJson<T>(node: ShardnetNode, path: string): Promise<T> {
  const res = await fetch(`${node.apiUrl()}${path}`);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function exitEpochOf(node: ShardnetNode, index: number): Promise<number | null> {
  const res = await fetch(`${node.apiUrl()}/v1/beacon/validators/${index}`);
  return ((await res.json()) as { exitEpoch: number | null }).exitEpoch;
}

/** Polls `check` every 200 ms until it holds or `slots` 1-second slots have passed. */
async function within(slots: number, check: () => Promise<boolean> | boolean): Promise<boolean> {
  const until = Date.now() + slots * 1000;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(200);
  }
  return check();
}

describe("voluntary exits through the API and gossip (two real nodes on 127.0.0.1)", () => {
  const dir = mkdtempSync(join(tmpdir(), "voluntary-exit-"));
  const nodes: ShardnetNode[] = [];

  afterAll(async () => {
    for (const n of nodes) await n.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("pools, gossips and includes a valid exit; refuses early, forged and malformed ones with no change", async () => {
    const loaded = writeSmallGenesis(dir, "voluntary-exit", 4, {
      SHARD_COMMITTEE_PERIOD: 1,
      MIN_VALIDATOR_ACTIVE_PERIODS: 1,
      MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 1,
    });
    const a = await startNode(dir, loaded, "a", [0, 1, 2, 3]);
    nodes.push(a);
    const b = await startNode(dir, loaded, "b", [4, 5, 6, 7]);
    nodes.push(b);
    await b.p2p.dial(a.p2p.listenMultiaddrs()[0] as string);

    // Epoch 0: validator 5 has not been active for MIN_VALIDATOR_ACTIVE_PERIODS yet.
    const early = await post(a, signedExit(loaded, 5, 0));
    expect(early.status).toBe(400);
    expect(early.body.code).toBe("EXIT_EARLY");
    expect(String(early.body.message)).toMatch(/validator 5: active since epoch 0, it may exit from epoch 1/);
    const forged = await post(a, signedExit(loaded, 5, 0, 6));
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe("EXIT_INVALID");
    const unknown = await post(a, signedExit(loaded, 99, 0));
    expect(unknown.body.code).toBe("EXIT_INVALID");
    const malformed = await post(a, { message: { epoch: "1" }, signature: "0x00" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe("INVALID_BODY");
    expect(a.exits.size).toBe(0);
    expect(await exitEpochOf(a, 5)).toBeNull();

    // From epoch 1 (slot 4) on, the same exit is valid.
    const genesisMs = loaded.genesis.genesisTime * 1000;
    await sleep(Math.max(0, genesisMs + 4_500 - Date.now()));
    const pooled = await post(a, signedExit(loaded, 5, 1));
    expect(pooled.status).toBe(202);
    expect(pooled.body.status).toBe("pooled");
    expect(await within(8, () => b.exits.size === 1), "node b received the exit by gossip").toBe(true);

    // Either node's proposer includes it; then both heads schedule the exit (the period after next: epoch 3+).
    expect(
      await within(16, async () => (await exitEpochOf(a, 5)) !== null && (await exitEpochOf(b, 5)) !== null),
      "the exit was included and both nodes' heads schedule it",
    ).toBe(true);
    expect(await exitEpochOf(a, 5)).toBeGreaterThanOrEqual(3);
    expect(await exitEpochOf(a, 5)).toBe(await exitEpochOf(b, 5));
    const again = await post(a, signedExit(loaded, 5, 1));
    expect(again.status).toBe(400);
    expect(again.body.code).toBe("EXIT_STALE");
    expect(await exitEpochOf(a, 4)).toBeNull();

    // Withdrawal (issue 18): from its withdrawable epoch (exit + 1) its stake goes back to its withdrawal
    // address: the zero account for a genesis validator, on that address's shard. Both nodes credit it once.
    const exitEpoch = (await exitEpochOf(a, 5)) as number;
    const v5 = await getJson<{ withdrawableEpoch: number; withdrawalAddress: string }>(
      a,
      "/v1/beacon/validators/5",
    );
    expect(v5.withdrawableEpoch).toBe(exitEpoch + 1);
    const zero = new Uint8Array(20);
    const shard = shardOf(zero, loaded.genesis.preset.SHARD_COUNT);
    const credited = async (node: ShardnetNode) =>
      (await getJson<SupplyJson>(node, `/v1/shards/${shard}/supply`)).withdrawalsCredited;
    expect(await credited(a)).toEqual({ count: 0, amount: "0" });
    expect(
      await within(4 * (exitEpoch + 3), async () => {
        for (const node of [a, b]) if ((await credited(node)).count !== 1) return false;
        return true;
      }),
      "both nodes' shard heads credited the withdrawal",
    ).toBe(true);
    for (const node of [a, b]) {
      expect(await credited(node)).toEqual({ count: 1, amount: "32000000000" });
      const validator = await getJson<{ stake: string }>(node, "/v1/beacon/validators/5");
      expect(validator.stake).toBe("0");
      const account = await getJson<{ balance: string }>(node, `/v1/accounts/0x${"00".repeat(20)}`);
      expect(account.balance).toBe("32000000000");
      // The shards' ledger: no genesis accounts, so balances + fees − withdrawals credited + in flight = 0.
      let total = 0n;
      for (let s = 0; s < loaded.genesis.preset.SHARD_COUNT; s++) {
        const j = await getJson<SupplyJson>(node, `/v1/shards/${s}/supply`);
        total += BigInt(j.balances) + BigInt(j.feesBurned) + BigInt(j.depositsPaid.amount);
        total -= BigInt(j.withdrawalsCredited.amount);
        for (const x of j.sent) total += BigInt(x.amount);
        for (const x of j.credited) total -= BigInt(x.amount);
      }
      expect(total).toBe(0n);
    }
  }, 120_000);
});
