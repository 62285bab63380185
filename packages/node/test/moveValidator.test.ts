/**
 * Moving a validator between nodes (issue 18): node a signs for validator 5, is stopped, its slashing protection
 * is exported (EIP-3076) and imported into node b's new data dir; b then signs for 5 at once (its history covers
 * the key, so the doppelganger guard does not hold it back), refuses a vote conflicting with one a signed, and
 * the chain finalizes throughout. Real parts: three ShardnetNodes (LevelDB in a temp dir, libp2p on 127.0.0.1);
 * node c hosts the other 7 of 8 validators.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NodeMetrics, type ShardnetNode } from "../src/index.js";
import { networkIdentityOf } from "../src/validator/interchange.js";
import { exportProtection, importProtection, openStoppedNodeDb } from "../src/validator/interchangeStore.js";
import { startNode, writeSmallGenesis } from "./realNodes.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("moving a validator with its slashing-protection history (real nodes on 127.0.0.1)", () => {
  const dir = mkdtempSync(join(tmpdir(), "move-validator-"));
  const running: ShardnetNode[] = [];
  afterAll(async () => {
    for (const n of running) await n.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("b signs for the moved key at once, refuses a vote conflicting with a's, and the chain finalizes", async () => {
    const loaded = writeSmallGenesis(dir, "move-validator", 4);
    const network = networkIdentityOf(loaded.genesis);
    const c = await startNode(dir, loaded, "c", [0, 1, 2, 3, 4, 6, 7]);
    running.push(c);
    const a = await startNode(dir, loaded, "a", [5], { keystoreValidators: [5] });
    running.push(a);
    await a.p2p.dial(c.p2p.listenMultiaddrs()[0] as string);
    // Validator 5 signs on a for two epochs (8 one-second slots).
    await sleep(Math.max(0, loaded.genesis.genesisTime * 1000 + 9_000 - Date.now()));
    expect(await a.protection.hasHistory(5)).toBe(true);
    await a.stop();
    running.splice(running.indexOf(a), 1);
    const finalizedAtMove = c.beacon.finalizedCheckpoint().epoch;

    const fromA = await openStoppedNodeDb(join(dir, "a", "db"), loaded.hashHex);
    const file = await exportProtection(fromA, network);
    await fromA.close();
    const signedByA = file.data[0]?.shardnet_extension?.signed_attestation_slots ?? [];
    expect(signedByA.length).toBeGreaterThan(0);
    mkdirSync(join(dir, "b", "db"), { recursive: true });
    const intoB = await openStoppedNodeDb(join(dir, "b", "db"), loaded.hashHex, { allowEmpty: true });
    await importProtection(intoB, JSON.parse(JSON.stringify(file)), network);
    await intoB.close();

    const metrics = new NodeMetrics();
    const b = await startNode(dir, loaded, "b", [5], { keystoreValidators: [5], metrics });
    running.push(b);
    await b.p2p.dial(c.p2p.listenMultiaddrs()[0] as string);
    const slotOfA = Number(signedByA[signedByA.length - 1]!.slot);
    // b attests for 5 within 8 slots (the guard would hold a key without history back for 2 epochs).
    const attested = async () =>
      (await metrics.validatorDutiesTotal.get()).values.find(
        (v) => v.labels.duty === "attest" && v.labels.result === "ok",
      )?.value ?? 0;
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && (await attested()) === 0) await sleep(250);
    const signedOnB = (await attested()) > 0;
    expect(signedOnB, "b signed an attestation for 5 after a's last one").toBe(true);
    await expect(
      b.protection.checkAndRecord("attestation", 5, slotOfA, new Uint8Array(32).fill(0xbb)),
    ).rejects.toThrow(/refusing to sign a second attestation for validator 5/);
    // Finality goes on (c holds 7/8 of the stake throughout).
    const finalityDeadline = Date.now() + 12_000;
    while (Date.now() < finalityDeadline && c.beacon.finalizedCheckpoint().epoch <= finalizedAtMove)
      await sleep(250);
    expect(c.beacon.finalizedCheckpoint().epoch).toBeGreaterThan(finalizedAtMove);
  }, 90_000);
});
