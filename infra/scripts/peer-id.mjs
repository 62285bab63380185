// Prints the libp2p peer id of a shardnet peer key file (hex protobuf private key, as written by the node's
// --peer-key-file; see packages/p2p/src/peerKey.ts). Waits up to --wait seconds for the file to appear, so
// a shard node container can start while the beacon node is still creating its key.
//
//   node infra/scripts/peer-id.mjs [--wait <seconds>] <peer key file>
import { readFile } from "node:fs/promises";
import { privateKeyFromProtobuf } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";

const args = process.argv.slice(2);
let waitSeconds = 0;
if (args[0] === "--wait") {
  waitSeconds = Number(args[1]);
  args.splice(0, 2);
}
const file = args[0];
if (file === undefined || !Number.isFinite(waitSeconds)) {
  process.stderr.write("usage: peer-id.mjs [--wait <seconds>] <peer key file>\n");
  process.exit(2);
}

const deadline = Date.now() + waitSeconds * 1000;
let text;
for (;;) {
  try {
    text = await readFile(file, "utf8");
    break;
  } catch (err) {
    if (err.code !== "ENOENT" || Date.now() >= deadline) {
      process.stderr.write(`peer-id: cannot read ${file}: ${err.message}\n`);
      process.exit(1);
    }
    await new Promise((res) => setTimeout(res, 500));
  }
}
const hex = text.trim();
if (!/^([0-9a-f]{2})+$/i.test(hex)) {
  process.stderr.write(`peer-id: ${file} is not a hex-encoded libp2p private key\n`);
  process.exit(1);
}
process.stdout.write(`${peerIdFromPrivateKey(privateKeyFromProtobuf(Buffer.from(hex, "hex"))).toString()}\n`);
