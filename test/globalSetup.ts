/**
 * vitest global setup: says which Node.js runs the tests (and so the devnets they spawn, which use
 * process.execPath), and stops at once on one older than the project's engines (>= 22). `npm test` runs on
 * the pinned `node` devDependency (Node 24): npm scripts put node_modules/.bin first on PATH.
 */
export default function setup(): void {
  const major = Number(process.versions.node.split(".")[0]);
  // Once per run, not once per project (both projects inherit this setup).
  const seen = globalThis as { shardnetNodePrinted?: boolean };
  if (seen.shardnetNodePrinted) return;
  seen.shardnetNodePrinted = true;
  process.stdout.write(`vitest on Node ${process.version} (${process.execPath})\n`);
  if (major < 22) {
    throw new Error(
      `Node ${process.version} is older than the project's engines (>= 22). Run the tests with \`npm test\` ` +
        "(npm scripts use the pinned Node 24 in node_modules/.bin) or put Node 24 on PATH: `. .ci/node24.sh`.",
    );
  }
}
