/**
 * The chaos harness runs its devnet inside a network namespace of its own (`unshare -n`): its firewall rules
 * (nft) and every connection stay there, and nothing reaches the host's network. Creating one needs root.
 */
import { spawn, spawnSync } from "node:child_process";
import { entryArgs } from "../processes.js";

/** The harness's own entry point (source path; entryArgs picks the compiled one when current). */
const CHAOS_ENTRY = "apps/devnet/src/chaos/main.ts";

/** Set in the re-executed harness: it already runs inside its own network namespace. */
const INSIDE = "SHARDNET_CHAOS_NETNS";

/** Why the harness cannot run here (not root, no unshare/nft/ip), or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0)
    return "the chaos harness needs root: it creates a network namespace (unshare -n) and firewall rules (nft) in it. Run it as root, e.g. in CI or a container (`sudo npm run chaos -- …`)";
  for (const tool of ["unshare", "nft", "ip"]) {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
    if (found.status !== 0)
      return `the chaos harness needs \`${tool}\` on PATH (Debian: ${tool === "unshare" ? "util-linux" : tool === "nft" ? "nftables" : "iproute2"})`;
  }
  const probe = spawnSync("unshare", ["-n", "true"], { encoding: "utf8" });
  if (probe.status !== 0)
    return `unshare -n failed (${probe.stderr.trim() || `exit ${probe.status}`}): this machine does not let root create network namespaces`;
  return undefined;
}

/** True once this process runs in the namespace the harness made for itself. */
export function insideOwnNamespace(): boolean {
  return process.env[INSIDE] === "1";
}

/**
 * Runs this same command again inside a new network namespace and resolves with its exit code. Signals
 * reach the child (it stops its nodes); the namespace disappears with its last process.
 */
export async function reexecInOwnNamespace(): Promise<number> {
  // Started like the nodes (entryArgs: compiled once built, else the sources through tsx), whatever ran us.
  const child = spawn(
    "unshare",
    ["-n", "--", process.execPath, ...entryArgs(CHAOS_ENTRY), ...process.argv.slice(2)],
    {
      stdio: "inherit",
      env: { ...process.env, [INSIDE]: "1" },
    },
  );
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return await new Promise<number>((res) => {
    child.once("exit", (code, signal) => res(code ?? (signal ? 128 : 1)));
  });
}

/** Brings the namespace's loopback up (a new namespace starts with `lo` down). */
export function loopbackUp(): void {
  const up = spawnSync("ip", ["link", "set", "lo", "up"], { encoding: "utf8" });
  if (up.status !== 0) throw new Error(`ip link set lo up failed: ${up.stderr.trim()}`);
}
