import { getBls, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { BatchVerifier } from "../src/bls/batchVerifier.js";

const bls = getBls();
const sets = Array.from({ length: 10 }, (_, i) => {
  const sk = bls.secretKeyFromBytes(interopSecretKey(i));
  const message = new Uint8Array(32).fill(i);
  return { publicKey: sk.toPublicKey(), message, signature: sk.sign(message) };
});

describe("BatchVerifier", () => {
  it("accepts a batch of valid sets", async () => {
    const verifier = new BatchVerifier(bls, { maxBatch: 4, maxWaitMs: 5 });
    expect(await Promise.all(sets.map((s) => verifier.verify(s)))).toEqual(sets.map(() => true));
  });

  it("rejects only the bad set of a failing batch", async () => {
    const verifier = new BatchVerifier(bls, { maxBatch: 64, maxWaitMs: 5 });
    const bad = { ...sets[3]!, signature: sets[4]!.signature };
    const results = await Promise.all(
      [...sets.slice(0, 3), bad, ...sets.slice(4)].map((s) => verifier.verify(s)),
    );
    expect(results).toEqual(results.map((_, i) => i !== 3));
  });

  it("a lone set is verified after the wait", async () => {
    const verifier = new BatchVerifier(bls, { maxBatch: 64, maxWaitMs: 1 });
    expect(await verifier.verify({ ...sets[0]!, message: new Uint8Array(32).fill(9) })).toBe(false);
    expect(await verifier.verify(sets[0]!)).toBe(true);
  });
});
