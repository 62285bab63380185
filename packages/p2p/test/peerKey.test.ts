import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createP2pNode, P2pConfigError } from "../src/index.js";
import { FORK_DIGEST, NodeSet, waitFor } from "./helpers.js";

const nodes = new NodeSet();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shardnet-p2p-key-"));
});
afterEach(() => nodes.stopAll());
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("peer key file", () => {
  it("creates the key on first start and keeps the peer id across restarts", async () => {
    const keyFile = join(dir, "sub", "peer.key");
    const first = await nodes.start({ peerKeyFile: keyFile });
    const id = first.peerId;
    await nodes.stopAll();
    expect((await readFile(keyFile, "utf8")).trim()).toMatch(/^[0-9a-f]+$/);
    const second = await nodes.start({ peerKeyFile: keyFile });
    expect(second.peerId).toBe(id);
    const other = await nodes.start({ peerKeyFile: join(dir, "other.key") });
    expect(other.peerId).not.toBe(id);
  });

  it("re-dials a restarted bootstrap node that kept its peer id", async () => {
    const keyFile = join(dir, "boot.key");
    const boot = await nodes.start({ peerKeyFile: keyFile, listen: ["/ip4/127.0.0.1/tcp/0"] });
    const address = boot.listenMultiaddrs()[0]!;
    const port = address.split("/")[4]!;
    const client = await nodes.start({ bootstrap: [address], targetPeers: 0 });
    await waitFor(() => client.connectedPeers().includes(boot.peerId), "first connection");
    await boot.stop();
    await waitFor(() => client.peerCount() === 0, "disconnect");
    const restarted = await nodes.start({ peerKeyFile: keyFile, listen: [`/ip4/127.0.0.1/tcp/${port}`] });
    expect(restarted.peerId).toBe(boot.peerId);
    await waitFor(() => client.connectedPeers().includes(boot.peerId), "re-dial after restart");
  });

  it("refuses a corrupt key file with an error that says what to do", async () => {
    const keyFile = join(dir, "bad.key");
    await writeFile(keyFile, "this is not a key\n");
    const start = createP2pNode({
      listen: ["/ip4/127.0.0.1/tcp/0"],
      forkDigest: FORK_DIGEST,
      shardCount: 1,
      peerKeyFile: keyFile,
    });
    await expect(start).rejects.toThrow(P2pConfigError);
    await expect(start).rejects.toThrow(/delete it to generate a new peer id/);
    await writeFile(keyFile, "abcd\n");
    await expect(
      createP2pNode({
        listen: ["/ip4/127.0.0.1/tcp/0"],
        forkDigest: FORK_DIGEST,
        shardCount: 1,
        peerKeyFile: keyFile,
      }),
    ).rejects.toThrow(/does not hold a valid libp2p private key/);
  });
});
