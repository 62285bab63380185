/**
 * Voluntary exits end to end (issue 18): a signed exit posted to one node's API is checked, pooled, gossiped on
 * `voluntary_exit` to the other node, included by a beacon proposer, and the validator's exit is scheduled
 * through the exit queue. Bad exits get a clear 4xx and change nothing.
 *
 * Real parts: two ShardnetNodes (LevelDB in a temp dir, libp2p on 127.0.0.1, the HTTP API on an OS port), each
 * hosting half of 8 interop validators. Preset: 4-slot epochs, 1-epoch committee periods, exits allowed after
 * 1 period (from epoch 1, slot 4).
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
  }, 90_000);
});
