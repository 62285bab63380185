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
        // noise's cipher: Cipheriv (cipher) calling getKeyObjectSlots (keys) — not Ed25519's key import.
        {
          ...frame(7, "chaCha20Poly1305Encrypt", "file:///x/node_modules/@chainsafe/libp2p-noise/x.js"),
          children: [8],
        },
        { ...frame(8, "Cipheriv", "node:internal/crypto/cipher"), children: [9] },
        frame(9, "getKeyObjectSlots", "node:internal/crypto/keys"),
        frame(10, "digest", "node:internal/crypto/hash"),
        frame(11, "randomBytes", "node:internal/crypto/random"),
      ],
      // 1 ms per sample: idle 6, gossipsub 2, BLS 1, tx 1, Ed25519 1, socket write 1, cipher 2, hash 1, random 1
      samples: [1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 9, 10, 11],
      timeDeltas: Array.from({ length: 16 }, () => 1000),
    };
    const s = summarizeProfile("p", profile, 2);
    expect(s.sampledMs).toBe(16);
    expect(s.busyMs).toBe(10);
    expect(s.components).toEqual([
      { component: "gossipsub", ms: 2, share: 2 / 10 },
      { component: "ChaCha20-Poly1305 (node:crypto)", ms: 2, share: 2 / 10 },
      { component: "BLS", ms: 1, share: 1 / 10 },
      { component: "shardnet node: transactions", ms: 1, share: 1 / 10 },
      { component: "Ed25519 (node:crypto)", ms: 1, share: 1 / 10 },
      { component: "socket writes", ms: 1, share: 1 / 10 },
      { component: "SHA-256 (node:crypto)", ms: 1, share: 1 / 10 },
      { component: "node:crypto, other", ms: 1, share: 1 / 10 },
    ]);
    expect(s.functions.map((f) => f.name)).toEqual(["publish src/index.js:3", "verify dist/index.js:4"]);
  });
});
