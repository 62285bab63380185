import { type ChildProcess, spawn } from "node:child_process";
import { entryArgs, REPO_ROOT } from "../../../apps/devnet/src/processes.js";

/** The load generator as a process, as a user runs it: its output, and its exit code once it ends. */
export interface LoadgenRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; output: string }>;
}

/**
 * Starts apps/loadgen with `args` (started like the nodes: `entryArgs`); it is killed after
 * `timeoutMs` at the latest.
 */
export function spawnLoadgen(args: string[], timeoutMs: number): LoadgenRun {
  const child = spawn(process.execPath, [...entryArgs("apps/loadgen/src/main.ts"), ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exited = new Promise<{ code: number | null; output: string }>((resolve) => {
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
  return { child, output: () => output, exited };
}
