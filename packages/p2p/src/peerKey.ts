import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { P2pConfigError } from "./errors.js";

/**
 * Loads the node's libp2p private key from `path`, creating an Ed25519 key there on first start.
 * The file holds the protobuf-encoded key as hex (one line). A node therefore keeps its peer id across
 * restarts. A file that exists but cannot be decoded is an error: we never silently replace an identity.
 */
export async function loadOrCreatePeerKey(path: string): Promise<PrivateKey> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new P2pConfigError(`cannot read peer key file ${path}: ${(err as Error).message}`);
    }
    const key = await generateKeyPair("Ed25519");
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp`;
    await writeFile(tmp, `${Buffer.from(privateKeyToProtobuf(key)).toString("hex")}\n`, { mode: 0o600 });
    await rename(tmp, path);
    return key;
  }
  const hex = text.trim();
  if (!/^([0-9a-f]{2})+$/i.test(hex)) {
    throw new P2pConfigError(
      `peer key file ${path} is not a hex-encoded libp2p private key; delete it to generate a new peer id, or restore the original file`,
    );
  }
  try {
    return privateKeyFromProtobuf(Buffer.from(hex, "hex"));
  } catch (err) {
    throw new P2pConfigError(
      `peer key file ${path} does not hold a valid libp2p private key (${(err as Error).message}); delete it to generate a new peer id, or restore the original file`,
    );
  }
}
