/**
 * The scripts the compose file runs, run as processes: the genesis CLI with the genesis service's flags,
 * and the bootnode peer-id script.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { loadOrCreatePeerKey } from "@shardnet/p2p";
import { describe, expect, it } from "vitest";
import { GENESIS_ENTRY, genesisCommand } from "../src/compose.js";
import { defaultInfra } from "../src/generateInfra.js";
import { entryArgs } from "../src/processes.js";

const ROOT = resolve(import.meta.dirname, "../../..");

describe("the genesis service's command", () => {
  it("the genesis service passes only flags the genesis CLI accepts", () => {
    const command = genesisCommand(defaultInfra().options);
    const prefix = `node ${GENESIS_ENTRY} `;
    expect(command.startsWith(prefix)).toBe(true);
    const flags = command.slice(prefix.length).split(" ");
    // --help after the flags: the CLI still rejects unknown flags (exit 2) but writes nothing. It runs
    // compiled (the image's entry point) once built, else from its sources.
    const out = execFileSync(
      process.execPath,
      [...entryArgs("apps/devnet/src/genesisCli.ts"), ...flags, "--help"],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(out).toContain("--genesis-delay");
  });
});

describe("bootnode peer id resolution (infra/scripts/peer-id.mjs)", () => {
  it("prints the peer id of a key file written by the node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shardnet-peer-id-"));
    try {
      const keyFile = join(dir, "beacon", "peer.key");
      const key = await loadOrCreatePeerKey(keyFile);
      const out = execFileSync(process.execPath, ["infra/scripts/peer-id.mjs", "--wait", "1", keyFile], {
        cwd: ROOT,
        encoding: "utf8",
      });
      expect(out.trim()).toBe(peerIdFromPrivateKey(key).toString());
      expect(() =>
        execFileSync(process.execPath, ["infra/scripts/peer-id.mjs", join(dir, "missing.key")], {
          cwd: ROOT,
          stdio: "pipe",
        }),
      ).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
