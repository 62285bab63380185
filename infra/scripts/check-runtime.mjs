// Checks that this Node.js runs the project: version (engines: >= 22) and the native addons it needs load and
// work (classic-level: LevelDB; @chainsafe/blst: BLS signatures; @chainsafe/hashtree: SHA-256 merkle hashing).
// Run from the repository root (or /app in the image):  node infra/scripts/check-runtime.mjs
// Used by the image build (infra/Dockerfile) and by `npm run test:compose`; prints one line per check.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(process.argv[2] ?? ".");
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `check-runtime: Node ${process.version} is too old (the project needs >= 22; it runs on 24). ` +
      "Run through npm scripts (node_modules/.bin/node, the pinned `node` devDependency) or install Node 24.\n",
  );
  process.exit(1);
}
const fromNode = createRequire(join(root, "packages/node/package.json"));
const fromCrypto = createRequire(join(root, "packages/crypto/package.json"));
// hashtree is persistent-merkle-tree's dependency (hoisted to the root node_modules by npm).
const fromConsensus = createRequire(join(root, "packages/consensus/package.json"));

const dir = mkdtempSync(join(tmpdir(), "shardnet-check-"));
try {
  const { ClassicLevel } = fromNode("classic-level");
  const db = new ClassicLevel(dir);
  await db.put("k", "v");
  if ((await db.get("k")) !== "v") throw new Error("classic-level: read back a different value");
  await db.close();
  console.log("ok classic-level (LevelDB) put/get");

  const blst = fromCrypto("@chainsafe/blst");
  const sk = blst.SecretKey.fromKeygen(new Uint8Array(32).fill(7));
  const msg = new Uint8Array(32).fill(1);
  if (!blst.verify(msg, sk.toPublicKey(), sk.sign(msg)))
    throw new Error("@chainsafe/blst: signature did not verify");
  console.log("ok @chainsafe/blst sign/verify");

  const hashtree = fromConsensus("@chainsafe/hashtree");
  const out = hashtree.hash(new Uint8Array(64));
  if (out.length !== 32) throw new Error(`@chainsafe/hashtree: hash gave ${out.length} bytes, want 32`);
  console.log("ok @chainsafe/hashtree hash");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `ok node ${process.version} (modules ABI ${process.versions.modules}, ${process.platform}-${process.arch})`,
);
