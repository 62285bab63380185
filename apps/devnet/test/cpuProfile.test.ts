import { describe, expect, it } from "vitest";
import { summarizeProfile } from "../src/cpuProfile.js";

describe("summarizeProfile", () => {
  it("splits self time by component, leaves idle out of the shares, and ranks functions", () => {
    const frame = (id: number, functionName: string, url: string) => ({
      id,
      callFrame: { functionName, url, lineNumber: id },
    });
    const profile = {
      nodes: [
        frame(1, "(idle)", ""),
        frame(2, "publish", "file:///x/node_modules/@libp2p/gossipsub/dist/src/index.js"),
        frame(3, "verify", "file:///x/node_modules/@chainsafe/blst/dist/index.js"),
        frame(4, "admit", "file:///x/packages/node/dist/tx/txService.js"),
        frame(5, "verifyOneShot", "node:internal/crypto/sig"),
        frame(6, "writeBuffer", ""),
      ],
      // 1 ms per sample: idle 6, gossipsub 2, BLS 1, tx 1, Ed25519 1, socket write 1
      samples: [1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 5, 6],
      timeDeltas: Array.from({ length: 12 }, () => 1000),
    };
    const s = summarizeProfile("p", profile, 2);
    expect(s.sampledMs).toBe(12);
    expect(s.busyMs).toBe(6);
    expect(s.components).toEqual([
      { component: "gossipsub", ms: 2, share: 2 / 6 },
      { component: "BLS", ms: 1, share: 1 / 6 },
      { component: "shardnet node: transactions", ms: 1, share: 1 / 6 },
      { component: "Ed25519 (node:crypto)", ms: 1, share: 1 / 6 },
      { component: "socket writes", ms: 1, share: 1 / 6 },
    ]);
    expect(s.functions.map((f) => f.name)).toEqual(["publish src/index.js:3", "verify dist/index.js:4"]);
  });
});
