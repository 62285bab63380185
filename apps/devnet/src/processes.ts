import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type Dirent, existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (apps/devnet/src|dist → ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export const APP_ENTRY = {
  beacon: resolve(REPO_ROOT, "apps/beacon/src/main.ts"),
  shard: resolve(REPO_ROOT, "apps/shard-node/src/main.ts"),
} as const;

/** How `spawnNode` runs an app: compiled JavaScript (`dist/`) or TypeScript sources through tsx. */
export type RunMode = "dist" | "source";

/**
 * The compiled counterpart of a source entry point: `apps/<app>/src/<file>.ts` → `apps/<app>/dist/<file>.js`
 * (tsc -b writes dist/ beside src/ with the same layout). Undefined for a path outside an `src/` folder.
 */
export function distEntryOf(sourceEntry: string): string | undefined {
  const full = resolve(REPO_ROOT, sourceEntry);
  const m = /^(.*)[\\/]src[\\/](.+)\.ts$/.exec(full);
  return m ? join(m[1]!, "dist", `${m[2]!}.js`) : undefined;
}

/** Newest modification time (ms) of the files under `dir`, 0 when it does not exist. */
function newestMtime(dir: string): number {
  let newest = 0;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (e.isFile()) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Why a workspace's build is missing or older than its sources, or undefined when dist/ is current. A build
 * is dated by its newest dist/ file or tsconfig.tsbuildinfo (tsc -b only rewrites the outputs that changed;
 * turbo restores dist/ from its cache with fresh times).
 */
function staleBuild(workspace: string): string | undefined {
  const src = newestMtime(join(workspace, "src"));
  if (src === 0) return undefined;
  const dist = newestMtime(join(workspace, "dist"));
  if (dist === 0) return `${relative(REPO_ROOT, workspace)}/dist is missing`;
  let built = dist;
  try {
    built = Math.max(built, statSync(join(workspace, "tsconfig.tsbuildinfo")).mtimeMs);
  } catch {
    // no build info: dist/ alone dates the build
  }
  return src > built ? `${relative(REPO_ROOT, workspace)}/src is newer than its build` : undefined;
}

const runModeCache = new Map<string, { mode: RunMode; reason: string }>();

/**
 * Whether an app runs compiled: `SHARDNET_RUN_FROM=dist|source` decides when set; otherwise the compiled
 * entry point is used when it exists and neither the app's workspace nor any packages/* workspace has a
 * source newer than its build (`npm run build` / `tsc -b`); else the sources run through tsx, so an edit is
 * never ignored. Decided once per entry point and process.
 */
export function runModeOf(sourceEntry: string): { mode: RunMode; reason: string } {
  const key = `${process.env.SHARDNET_RUN_FROM ?? ""}|${sourceEntry}`;
  const cached = runModeCache.get(key);
  if (cached) return cached;
  const decide = (): { mode: RunMode; reason: string } => {
    const dist = distEntryOf(sourceEntry);
    const forced = process.env.SHARDNET_RUN_FROM;
    if (forced === "source") return { mode: "source", reason: "SHARDNET_RUN_FROM=source" };
    if (forced !== undefined && forced !== "" && forced !== "dist")
      throw new Error(`SHARDNET_RUN_FROM must be "dist" or "source", got "${forced}"`);
    if (dist === undefined) return { mode: "source", reason: `${sourceEntry} is not under a src/ folder` };
    if (!existsSync(dist)) {
      if (forced === "dist")
        throw new Error(`SHARDNET_RUN_FROM=dist but ${dist} does not exist: run \`npm run build\` first`);
      return { mode: "source", reason: `${relative(REPO_ROOT, dist)} is missing (npm run build)` };
    }
    if (forced === "dist") return { mode: "dist", reason: "SHARDNET_RUN_FROM=dist" };
    const appWorkspace = resolve(dirname(dist), "..");
    const packagesDir = join(REPO_ROOT, "packages");
    const workspaces = [
      appWorkspace,
      ...readdirSync(packagesDir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => join(packagesDir, e.name)),
    ];
    for (const ws of workspaces) {
      const stale = staleBuild(ws);
      if (stale) return { mode: "source", reason: `${stale} (npm run build)` };
    }
    return { mode: "dist", reason: "dist/ is current" };
  };
  const decision = decide();
  runModeCache.set(key, decision);
  return decision;
}

/**
 * Node flags every app runs with (the image sets the same in NODE_OPTIONS): V8's young generation at Node
 * 20's size. Node 24 grows its semi-spaces to a larger maximum, ~80 MB more RSS per shard node under the soak's
 * load with the heap's contents flat.
 */
export const NODE_FLAGS = ["--max-semi-space-size=16"];

/** The node arguments that run `sourceEntry`: its compiled entry point, or its sources through tsx. */
export function entryArgs(sourceEntry: string): string[] {
  const { mode } = runModeOf(sourceEntry);
  if (mode === "dist") return [...NODE_FLAGS, distEntryOf(sourceEntry)!];
  return [...NODE_FLAGS, "--conditions=@shardnet/source", "--import", "tsx", resolve(REPO_ROOT, sourceEntry)];
}

/**
 * Starts an app (`entry` is its source path, e.g. APP_ENTRY.beacon or "apps/loadgen/src/main.ts") with this
 * process's node: the compiled `dist/` entry point once built, as the containers run it, else the TypeScript
 * sources through tsx (see `runModeOf`). stdout+stderr go to `logFile`. `options.gid` runs it with that group
 * id (root only).
 */
export function spawnNode(
  entry: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = {},
  options: { gid?: number } = {},
): ChildProcess {
  const out = createWriteStream(logFile, { flags: "a" });
  const child = spawn(process.execPath, [...entryArgs(entry), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // The chaos harness gives each node its own group id: its firewall tells the nodes' sockets apart by it.
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

/** Sends SIGTERM, then SIGKILL after `graceMs` if the process has not exited. */
/** What a command-line app run to its end printed, its exit code, and whether `runApp` had to kill it. */
export interface AppRun {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs one of the repo's command-line apps (its TypeScript entry, started as `entryArgs` decides) with `args`
 * from the repo root and collects its output; kills it after `timeoutMs`.
 */
export function runApp(sourceEntry: string, args: readonly string[], timeoutMs: number): Promise<AppRun> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [...entryArgs(sourceEntry), ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr, timedOut });
    });
  });
}

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
