/**
 * The CLI as a user runs it (a child process started by `entryArgs`: from its sources in the e2e project):
 * argument errors exit non-zero with a message, and against a running devnet (beacon + 1 shard node, 2 shards, 1-second slots)
 * `transfer --wait included` exits 0, `account dev:N --json` and `tx <hash> --json` print JSON.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2eDevnet, saveEvidenceOnFailure } from "../../../test/e2e/helpers/devnet.js";
import { devAccountsOnShard } from "../../../test/e2e/helpers/txs.js";
import { entryArgs, REPO_ROOT } from "../../devnet/src/processes.js";

const CLI_ENTRY = resolve(REPO_ROOT, "apps/cli/src/main.ts");
const BASE_PORT = 29400;
const SHARDS = 2;
/** A port nothing listens on (inside our range, never used by the devnet below). */
const DEAD_NODE = `http://127.0.0.1:${BASE_PORT + 99}`;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const live = new Set<ReturnType<typeof spawn>>();

/** Runs the CLI with `args`; kills it after `timeoutMs`. */
function cli(args: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [...entryArgs(CLI_ENTRY), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, SHARDNET_NODE: DEAD_NODE, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(child);
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
      rej(new Error(`cli ${args.join(" ")} did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      live.delete(child);
      res({ code, stdout, stderr });
    });
  });
}

afterAll(() => {
  for (const c of live) c.kill("SIGKILL");
});

describe("cli argument errors (no node needed)", () => {
  const cases: Array<{ name: string; args: string[]; message: RegExp; stream?: "stdout" | "stderr" }> = [
    { name: "no command", args: [], message: /usage|transfer/i, stream: "stdout" },
    { name: "unknown command", args: ["frobnicate"], message: /unknown command "frobnicate"/ },
    {
      name: "transfer without --to",
      args: ["transfer", "--from-key", "dev:0", "--amount", "5"],
      message: /--to/,
    },
    {
      name: "transfer with a bad --wait",
      args: ["transfer", "--from-key", "dev:0", "--to", "dev:1", "--amount", "5", "--wait", "soon"],
      message: /--wait must be one of/,
    },
    {
      name: "transfer to a bad address",
      args: ["transfer", "--from-key", "dev:0", "--to", "0x1234", "--amount", "5", "--nonce", "0"],
      message: /0x1234.*not an address/,
    },
    {
      name: "transfer with a missing key file",
      args: ["transfer", "--from-key", "/nonexistent/key", "--to", "dev:1", "--amount", "5"],
      message: /cannot read key file \/nonexistent\/key/,
    },
    {
      name: "transfer with a non-numeric amount",
      args: ["transfer", "--from-key", "dev:0", "--to", "dev:1", "--amount", "ten", "--nonce", "0"],
      message: /amount/i,
    },
    {
      name: "transfer with a non-numeric nonce",
      args: ["transfer", "--from-key", "dev:0", "--to", "dev:1", "--amount", "5", "--nonce", "x"],
      message: /nonce/i,
    },
    { name: "an unknown flag", args: ["account", "dev:1", "--frm", "x"], message: /--frm/ },
    { name: "account without an address", args: ["account"], message: /account needs an address/ },
    { name: "tx without a hash", args: ["tx"], message: /tx needs a transaction hash/ },
    { name: "node unreachable", args: ["account", "dev:1"], message: /cannot reach node/ },
  ];
  const stackTraces: string[] = [];
  for (const c of cases) {
    it(`${c.name}: exits non-zero with a message`, async () => {
      const run = await cli(c.args);
      expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).not.toBe(0);
      expect(run.code).not.toBeNull();
      const text = c.stream === "stdout" ? run.stdout : run.stderr;
      if (/\n\s+at /.test(run.stderr)) stackTraces.push(`${c.name}: ${run.stderr.split("\n")[0]}`);
      expect(text).toMatch(c.message);
    });
  }
  it("input errors print a message, not a stack trace", () => {
    expect(stackTraces, stackTraces.join("\n")).toEqual([]);
  });
});

describe.sequential("cli against a running devnet", () => {
  let devnet: E2eDevnet | undefined;
  const failures = saveEvidenceOnFailure(() => devnet);
  let node = "";
  let senderIndex = 0;

  beforeAll(async () => {
    devnet = await E2eDevnet.start({
      basePort: BASE_PORT,
      shardNodes: 1,
      shards: SHARDS,
      validators: 16,
      slotSeconds: 1,
    });
    await devnet.untilSlot(3);
    node = devnet.node("node-1").api;
    const tracked = (await devnet.status("node-1")).trackedShards;
    senderIndex = devAccountsOnShard(tracked[0]!, 1, SHARDS, 0)[0]!.n;
  });

  afterAll(async () => {
    await devnet?.stop(failures.any());
  });

  it("account dev:N --json prints address, shard, balance and nonce", async () => {
    const run = await cli(["account", `dev:${senderIndex}`, "--json", "--node", node]);
    expect(run.code, run.stderr).toBe(0);
    const body = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(body.address).toMatch(/^0x[0-9a-f]{40}$/);
    expect(typeof body.shard).toBe("number");
    expect(BigInt(String(body.balance))).toBe(1_000_000_000_000_000n);
    expect(body.nonce).toBe(0);
  });

  it("transfer --wait included exits 0 and tx <hash> --json reports it", async () => {
    const started = Date.now();
    const run = await cli(
      [
        "transfer",
        "--from-key",
        `dev:${senderIndex}`,
        "--to",
        "dev:200",
        "--amount",
        "100",
        "--wait",
        "included",
        "--timeout",
        "60",
        "--node",
        node,
      ],
      120_000,
    );
    expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
    const hash = /(0x[0-9a-f]{64}) reached (included|crosslinked|finalized)/.exec(run.stdout)?.[1];
    expect(hash, run.stdout).toBeDefined();
    process.stdout.write(
      `[cli] transfer reached included in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    const tx = await cli(["tx", hash!, "--json", "--node", node]);
    expect(tx.code, tx.stderr).toBe(0);
    const body = JSON.parse(tx.stdout) as { hash: string; status: string };
    expect(body.hash).toBe(hash);
    expect(["included", "crosslinked", "finalized"]).toContain(body.status);
    const acct = await cli(["account", `dev:${senderIndex}`, "--json", "--node", node]);
    expect((JSON.parse(acct.stdout) as { nonce: number }).nonce).toBe(1);
  });

  it("a refused transfer (overdraft) exits non-zero with the node's reason", async () => {
    const run = await cli([
      "transfer",
      "--from-key",
      `dev:${senderIndex}`,
      "--to",
      "dev:201",
      "--amount",
      "999999999999999999",
      "--node",
      node,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/refused.*balance/i);
  });
});
