/**
 * Doppelganger protection (issue 18): a node hosting keystore keys signs nothing for a validator the chain shows
 * signing elsewhere while its own slashing protection has no history of it; it signs for the others.
 *
 * Real parts: two ShardnetNodes (LevelDB in a temp dir, libp2p on 127.0.0.1). Node a hosts validators 0..6 and
 * builds the chain; after an epoch, node b starts on a fresh database with keys 5 (which a signs with) and 7
 * (which nobody signs with) as keystore validators.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ShardnetNode } from "../src/index.js";
import { DoppelgangerGuard } from "../src/validator/doppelgangerGuard.js";
import { SlashingProtection } from "../src/validator/slashingProtection.js";
import { openBeacon, silentLog, tempDir } from "./helpers.js";
import { startNode, writeSmallGenesis } from "./realNodes.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("doppelganger guard (two real nodes on 127.0.0.1)", () => {
  const dir = mkdtempSync(join(tmpdir(), "doppelganger-"));
  const nodes: ShardnetNode[] = [];
  afterAll(async () => {
    for (const n of nodes) await n.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds back a key the chain shows signing elsewhere and signs with one nobody else uses", async () => {
    const loaded = writeSmallGenesis(dir, "doppelganger", 4);
    const a = await startNode(dir, loaded, "a", [0, 1, 2, 3, 4, 5, 6]);
    nodes.push(a);
    // Validator 5 attests on a's chain for a whole epoch (4 one-second slots) before b starts.
    await sleep(Math.max(0, loaded.genesis.genesisTime * 1000 + 6_000 - Date.now()));
    const b = await startNode(dir, loaded, "b", [5, 7], { keystoreValidators: [5, 7] });
    nodes.push(b);
    await b.p2p.dial(a.p2p.listenMultiaddrs()[0] as string);
    const deadline = Date.now() + 16_000; // 16 slots
    while (Date.now() < deadline && !(await b.protection.hasHistory(7))) await sleep(250);
    expect(await b.protection.hasHistory(7), "b signs for 7, which no one else signs for").toBe(true);
    await sleep(4_000); // another epoch in which b could have signed for 5
    expect(await b.protection.hasHistory(5), "b signed nothing for 5, which a signs for").toBe(false);
    expect(await a.protection.hasHistory(5)).toBe(true);
  }, 60_000);
});

describe("DoppelgangerGuard over real beacon states", () => {
  it("holds back keys until checked; frees one after DOPPELGANGER_EPOCHS silent epochs, restarts the wait on a vote", async () => {
    const { beacon, db } = await openBeacon(tempDir("doppelganger-guard-"));
    const guard = new DoppelgangerGuard([3, 4], silentLog);
    expect(guard.allows(3)).toBe(false);
    expect(guard.allows(0)).toBe(true);
    // Epoch 1's head state (local preset: 8 slots per epoch), with validator 3 voting in epoch 0 and this epoch.
    const epoch1 = beacon.headStateAt(8);
    epoch1.state.previousEpochParticipation.set(3, 3);
    epoch1.state.currentEpochParticipation.set(3, 3);
    await guard.check(epoch1, new SlashingProtection(db));
    expect(guard.pending).toBe(false);
    expect(guard.allows(4)).toBe(true); // silent on chain: free at once
    expect(guard.allows(3)).toBe(false);

    const epoch2 = beacon.headStateAt(16);
    epoch2.state.previousEpochParticipation.set(3, 1); // still voting in epoch 1
    guard.onEpoch(epoch2);
    expect(guard.allows(3)).toBe(false);
    const epoch3 = beacon.headStateAt(24);
    guard.onEpoch(epoch3); // epoch 2 silent: one epoch of two
    expect(guard.allows(3)).toBe(false);
    const epoch4 = beacon.headStateAt(32);
    guard.onEpoch(epoch4); // epochs 2 and 3 silent
    expect(guard.allows(3)).toBe(true);
    await db.close();
  });
});
