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
      ],
      // 1 ms per sample: idle 6, gossipsub 2, BLS 1, tx 1
      samples: [1, 1, 1, 1, 1, 1, 2, 2, 3, 4],
      timeDeltas: Array.from({ length: 10 }, () => 1000),
    };
    const s = summarizeProfile("p", profile, 2);
    expect(s.sampledMs).toBe(10);
    expect(s.busyMs).toBe(4);
    expect(s.components).toEqual([
      { component: "gossipsub", ms: 2, share: 0.5 },
      { component: "BLS", ms: 1, share: 0.25 },
      { component: "shardnet node: transactions", ms: 1, share: 0.25 },
    ]);
    expect(s.functions.map((f) => f.name)).toEqual(["publish src/index.js:3", "verify dist/index.js:4"]);
  });
});
