import { createP2pNode, type P2pNode, type P2pNodeOptions } from "../src/index.js";

export const FORK_DIGEST = "a1b2c3d4";

/** Tracks started nodes so every test can stop all of them in afterEach. */
export class NodeSet {
  private readonly nodes: P2pNode[] = [];

  async start(opts: Partial<P2pNodeOptions> = {}): Promise<P2pNode> {
    const node = await createP2pNode({
      listen: ["/ip4/127.0.0.1/tcp/0"],
      forkDigest: FORK_DIGEST,
      shardCount: 4,
      redialIntervalMs: 300,
      ...opts,
    });
    this.nodes.push(node);
    return node;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.splice(0).map((n) => n.stop()));
  }
}

/** Polls `cond` every 50 ms until true; throws with `what` after `timeoutMs`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
