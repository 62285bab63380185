import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (apps/devnet/src|dist → ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export const APP_ENTRY = {
  beacon: resolve(REPO_ROOT, "apps/beacon/src/main.ts"),
  shard: resolve(REPO_ROOT, "apps/shard-node/src/main.ts"),
} as const;

/**
 * Starts a node app from its TypeScript sources (tsx loader, workspace source condition), so the devnet
 * runs what is in the tree without a build step. stdout+stderr go to `logFile`.
 */
export function spawnNode(
  entry: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = {},
): ChildProcess {
  const out = createWriteStream(logFile, { flags: "a" });
  const child = spawn(
    process.execPath,
    ["--conditions=@shardnet/source", "--import", "tsx", entry, ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

/** Sends SIGTERM, then SIGKILL after `graceMs` if the process has not exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((res) => setTimeout(res, ms));
}

export async function getJson<T>(url: string, timeoutMs = 2000): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Polls `check` every `intervalMs` until it returns a value or `timeoutMs` passes. `fatal` is asked first
 * on every round: a message from it ends the wait at once (e.g. the process being waited for exited).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
  fatal: () => string | undefined = () => undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    const failure = fatal();
    if (failure) throw new Error(failure);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}`,
  );
}

/**
 * Waits until a node process serves its API (GET /v1/node/live). Not /v1/node/health: a node started
 * first has no peers (503 isolated) until the others start. Fails at once if the process exits.
 */
export async function waitNodeLive(
  name: string,
  api: string,
  child: ChildProcess,
  logFile: string,
  timeoutMs = 90_000,
): Promise<void> {
  await waitFor(
    `${name} to serve its API (see ${logFile})`,
    async () => getJson(`${api}/v1/node/live`, 1000),
    timeoutMs,
    250,
    () =>
      child.exitCode !== null || child.signalCode !== null
        ? `${name} exited (code ${child.exitCode}, signal ${child.signalCode}); see ${logFile}`
        : undefined,
  );
}

/** Waits until every node answers GET /v1/node/health with 200: it has peers and is in step. */
export async function waitNodesHealthy(
  nodes: ReadonlyArray<{ name: string; api: string }>,
  timeoutMs = 90_000,
): Promise<void> {
  await Promise.all(
    nodes.map((n) =>
      waitFor(
        `${n.name} to become healthy (${n.api}/v1/node/health)`,
        () => getJson(`${n.api}/v1/node/health`, 1000),
        timeoutMs,
      ),
    ),
  );
}
