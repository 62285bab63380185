/**
 * `validator exit` against a real node: the keystore's key signs the exit, the node pools it and its own
 * proposer includes it, and the validator's status becomes exiting. Refusals (wrong password, no confirmation,
 * too early) say why and send nothing. Real parts: a ShardnetNode (LevelDB in a temp dir, libp2p and the API on
 * 127.0.0.1) hosting all 8 interop validators; 4-slot epochs, 1-epoch periods, exits allowed from epoch 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encryptKeystore, interopSecretKey } from "@shardnet/crypto";
import type { ShardnetNode } from "@shardnet/node";
import { afterAll, describe, expect, it } from "vitest";
import { startNode, writeSmallGenesis } from "../../../packages/node/test/realNodes.js";
import { voluntaryExit } from "../src/exit.js";
import { validatorStatusFromNode } from "../src/status.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("validator exit (real node on 127.0.0.1)", () => {
  const dir = mkdtempSync(join(tmpdir(), "validator-exit-"));
  let node: ShardnetNode | undefined;

  afterAll(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("signs with the keystore, the node pools and includes the exit; refuses without confirmation, a wrong password or too early", async () => {
    const loaded = writeSmallGenesis(dir, "validator-exit", 4, {
      SHARD_COMMITTEE_PERIOD: 1,
      MIN_VALIDATOR_ACTIVE_PERIODS: 1,
    });
    node = await startNode(dir, loaded, "n", [0, 1, 2, 3, 4, 5, 6, 7]);
    const url = node.apiUrl();
    const keystoreFile = join(dir, "keystore-5.json");
    writeFileSync(
      keystoreFile,
      JSON.stringify(
        await encryptKeystore(interopSecretKey(5), "correct horse", { kdf: { function: "pbkdf2", c: 2 } }),
      ),
    );
    const passwordFile = join(dir, "password.txt");
    writeFileSync(passwordFile, "correct horse\n");
    const wrongPasswordFile = join(dir, "wrong.txt");
    writeFileSync(wrongPasswordFile, "wrong\n");
    const opts = { node: url, keystoreFile, passwordFile, yes: true };

    await expect(voluntaryExit({ ...opts, passwordFile: wrongPasswordFile })).rejects.toMatchObject({
      code: "WRONG_PASSWORD",
    });
    await expect(voluntaryExit({ ...opts, yes: false })).rejects.toMatchObject({
      code: "NEEDS_CONFIRMATION",
    });
    await expect(voluntaryExit(opts)).rejects.toMatchObject({ code: "EXIT_EARLY" });
    expect(node.exits.size).toBe(0);

    await sleep(Math.max(0, loaded.genesis.genesisTime * 1000 + 4_500 - Date.now())); // epoch 1
    const sent = await voluntaryExit(opts);
    expect(sent).toMatchObject({ index: 5, status: "pooled" });
    expect(sent.epoch).toBeGreaterThanOrEqual(1);
    const deadline = Date.now() + 12_000; // 12 slots
    let status = await validatorStatusFromNode(url, "5");
    while (status.status === "active" && Date.now() < deadline) {
      await sleep(250);
      status = await validatorStatusFromNode(url, "5");
    }
    expect(status.status).toBe("exiting");
    expect(status.exitEpoch).toBeGreaterThanOrEqual(3);
    await expect(voluntaryExit(opts)).rejects.toMatchObject({ code: "NOT_ACTIVE" });
  }, 60_000);
});
