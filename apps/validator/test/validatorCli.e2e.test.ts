/**
 * The validator CLI as a user runs it: a child process (started as `entryArgs` decides: compiled when
 * dist/ is current, else from its sources through tsx), so an e2e file; it needs no devnet, only temp dirs.
 * Exit codes, one JSON object on stdout with --json, and errors that are a message, not a stack trace.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInteropGenesis, type Genesis, genesisHash, genesisToJson } from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import { ffgVoteRoot, NodeDb, SlashingProtection } from "@shardnet/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryArgs, REPO_ROOT } from "../../devnet/src/processes.js";
import { deriveSigningKeys } from "../src/keyDerivation.js";

const ENTRY = resolve(REPO_ROOT, "apps/validator/src/main.ts");
const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the validator CLI with `args`; kills it after `timeoutMs`. */
function validatorCli(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [...entryArgs(ENTRY), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, SHARDNET_NODE: "http://127.0.0.1:1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      rej(new Error(`validator ${args.join(" ")} did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** The one JSON object a --json run prints. */
function jsonOf(run: Run): Record<string, unknown> {
  const lines = run.stdout.trim().split("\n");
  expect(lines, run.stdout).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

function expectUserError(run: Run, message: RegExp): void {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(1);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

let dir = "";
const genesisOf = (network: string): Genesis =>
  createInteropGenesis({ network, validatorCount: 16, genesisTime: 0, presetName: "local" });
const GENESIS = genesisOf("clitest");
const OTHER = genesisOf("elsewhere");

function writeGenesis(genesis: Genesis, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(genesisToJson(genesis)));
  return file;
}

/** A stopped node's database at `path` in which validator 3 signed a block, a shard block and two attestations. */
async function nodeDbWithSignings(path: string, genesis: Genesis): Promise<void> {
  const db = await NodeDb.open(path, bytesToHex(genesisHash(genesis)));
  const sp = new SlashingProtection(db);
  const root = (b: number) => new Uint8Array(32).fill(b);
  const vote = {
    source: 1,
    target: 2,
    sourceRoot: root(7),
    targetRoot: root(8),
    voteRoot: ffgVoteRoot({ epoch: 1, root: root(7) }, { epoch: 2, root: root(8) }),
  };
  await sp.checkAndRecord("beacon_block", 3, 10, root(1));
  await sp.checkAndRecord("shard_block", 3, 11, root(2), 1);
  await sp.checkAndRecord("attestation", 3, 16, root(3), 0, vote);
  await sp.checkAndRecord("attestation", 3, 17, root(4), 0, vote);
  await db.close();
}

async function dump(path: string, genesis: Genesis): Promise<string[]> {
  const db = await NodeDb.open(path, bytesToHex(genesisHash(genesis)));
  try {
    const rows = await db.range("slashingProtection", new Uint8Array([0]), new Uint8Array(10).fill(0xff));
    return rows.map(([k, v]) => `${bytesToHex(k)}=${bytesToHex(v)}`);
  } finally {
    await db.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "shardnet-validator-cli-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("validator CLI: keys new", () => {
  it("derives the mnemonic's keys into keystores and prints them as one JSON object", async () => {
    writeFileSync(join(dir, "password"), "a long keystore password\n");
    writeFileSync(join(dir, "mnemonic"), `${MNEMONIC}\n`);
    const out = join(dir, "keys");
    const run = await validatorCli([
      "keys",
      "new",
      "--count",
      "2",
      "--start-index",
      "1",
      "--out",
      out,
      "--password-file",
      join(dir, "password"),
      "--mnemonic-file",
      join(dir, "mnemonic"),
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = jsonOf(run) as {
      mnemonicGenerated: boolean;
      keystores: Array<{ pubkey: string; file: string }>;
    };
    expect(result.mnemonicGenerated).toBe(false);
    const expected = deriveSigningKeys(MNEMONIC, 1, 2).map((k) => `0x${bytesToHex(k.publicKey)}`);
    expect(result.keystores.map((k) => k.pubkey)).toEqual(expected);
    expect(result.keystores.map((k) => k.file)).toEqual([
      join(out, "keystore-m_12381_3600_1_0_0.json"),
      join(out, "keystore-m_12381_3600_2_0_0.json"),
    ]);
    const keystore = JSON.parse(readFileSync(result.keystores[0]!.file, "utf8")) as { path: string };
    expect(keystore.path).toBe("m/12381/3600/1/0/0");
    expect(run.stderr).not.toMatch(/MNEMONIC/);

    // The same keys again: refused, nothing overwritten.
    const again = await validatorCli([
      "keys",
      "new",
      "--count",
      "1",
      "--start-index",
      "2",
      "--out",
      out,
      "--password-file",
      join(dir, "password"),
      "--mnemonic-file",
      join(dir, "mnemonic"),
    ]);
    expectUserError(again, /keystore-m_12381_3600_2_0_0\.json already exists: nothing was written/);
  });

  it("generates a mnemonic, writes it with mode 0600 and says so loudly", async () => {
    const out = join(dir, "fresh-keys");
    const run = await validatorCli([
      "keys",
      "new",
      "--count",
      "1",
      "--out",
      out,
      "--password-file",
      join(dir, "password"),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const mnemonicFile = join(out, "mnemonic.txt");
    expect(run.stderr).toContain("A NEW MNEMONIC WAS GENERATED");
    expect(run.stderr).toContain(mnemonicFile);
    expect(run.stdout).toMatch(/1 keystore\(s\) written \(mnemonic generated: .*mnemonic\.txt\)/);
    expect(statSync(mnemonicFile).mode & 0o777).toBe(0o600);
    const mnemonic = readFileSync(mnemonicFile, "utf8").trim();
    expect(run.stdout).toContain(`0x${bytesToHex(deriveSigningKeys(mnemonic, 0, 1)[0]!.publicKey)}`);
  });

  it("refuses bad arguments with a message", async () => {
    expectUserError(
      await validatorCli(["keys", "new", "--count", "2"]),
      /keys new needs --count, --out and --password-file/,
    );
    expectUserError(
      await validatorCli([
        "keys",
        "new",
        "--count",
        "0",
        "--out",
        join(dir, "x"),
        "--password-file",
        join(dir, "password"),
      ]),
      /--count must be an integer from 1 to 1000/,
    );
    expectUserError(await validatorCli(["frobnicate"]), /unknown command "frobnicate"/);
    expectUserError(await validatorCli([]), /no command given[\s\S]*keys new/);
    const bad = await validatorCli(["status", "validator-one", "--json"]);
    expectUserError(bad, /neither a validator index nor a pubkey/);
    expect(jsonOf(bad)).toMatchObject({ error: { code: "BAD_VALIDATOR_ID" } });
    expectUserError(await validatorCli(["status", "3"]), /cannot reach node http:\/\/127\.0\.0\.1:1/);
  });
});

describe("validator CLI: slashing-protection export and import", () => {
  it("exports a stopped node's records and imports them into another node's (empty) data dir", async () => {
    const genesisFile = writeGenesis(GENESIS, "genesis.json");
    const nodeA = join(dir, "node-a");
    await nodeDbWithSignings(nodeA, GENESIS);
    const file = join(dir, "interchange.json");
    const exported = await validatorCli([
      "slashing-protection",
      "export",
      "--data-dir",
      nodeA,
      "--genesis",
      genesisFile,
      "--file",
      file,
      "--json",
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(jsonOf(exported)).toEqual({
      file,
      genesisValidatorsRoot: `0x${bytesToHex(genesisHash(GENESIS))}`,
      validators: 1,
      beaconBlocks: 1,
      shardBlocks: 1,
      attestationSlots: 2,
    });
    const interchange = JSON.parse(readFileSync(file, "utf8")) as { metadata: Record<string, string> };
    expect(interchange.metadata.interchange_format_version).toBe("5");

    const nodeB = join(dir, "node-b");
    mkdirSync(nodeB);
    const args = [
      "slashing-protection",
      "import",
      "--data-dir",
      nodeB,
      "--genesis",
      genesisFile,
      "--file",
      file,
    ];
    const imported = await validatorCli([...args, "--json"]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(jsonOf(imported)).toEqual({
      file,
      validators: 1,
      validatorsChanged: 1,
      recordsWritten: 4,
      conflicts: 0,
      watermarksChanged: 1,
    });
    expect(await dump(nodeB, GENESIS)).toEqual(await dump(nodeA, GENESIS));
    const again = await validatorCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/1 validator\(s\), 0 changed; 0 record\(s\) written/);
  });

  it("refuses another network's file, a running node and a missing data dir, changing nothing", async () => {
    const genesisFile = writeGenesis(GENESIS, "genesis.json");
    const otherGenesisFile = writeGenesis(OTHER, "other-genesis.json");
    const nodeC = join(dir, "node-c");
    await nodeDbWithSignings(nodeC, OTHER);
    const otherFile = join(dir, "other-interchange.json");
    const exported = await validatorCli([
      "slashing-protection",
      "export",
      "--data-dir",
      nodeC,
      "--genesis",
      otherGenesisFile,
      "--file",
      otherFile,
    ]);
    expect(exported.code, exported.stderr).toBe(0);

    const nodeD = join(dir, "node-d");
    await nodeDbWithSignings(nodeD, GENESIS);
    const before = await dump(nodeD, GENESIS);
    const refused = await validatorCli([
      "slashing-protection",
      "import",
      "--data-dir",
      nodeD,
      "--genesis",
      genesisFile,
      "--file",
      otherFile,
      "--json",
    ]);
    expectUserError(refused, /the file is for another network: its genesis_validators_root is 0x/);
    expect(jsonOf(refused)).toMatchObject({ error: { code: "OTHER_NETWORK" } });
    expect(await dump(nodeD, GENESIS)).toEqual(before);

    const running = await NodeDb.open(nodeD, bytesToHex(genesisHash(GENESIS)));
    try {
      const locked = await validatorCli([
        "slashing-protection",
        "export",
        "--data-dir",
        nodeD,
        "--genesis",
        genesisFile,
        "--file",
        join(dir, "x.json"),
      ]);
      expectUserError(locked, /stop the node first/);
      expect(existsSync(join(dir, "x.json"))).toBe(false);
    } finally {
      await running.close();
    }

    const missing = join(dir, "no-such-node");
    for (const command of ["export", "import"]) {
      const run = await validatorCli([
        "slashing-protection",
        command,
        "--data-dir",
        missing,
        "--genesis",
        genesisFile,
        "--file",
        otherFile,
      ]);
      expectUserError(run, /no node data directory at .*no-such-node/);
    }
    expect(existsSync(missing)).toBe(false);
  });
});
