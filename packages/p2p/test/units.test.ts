import { describe, expect, it } from "vitest";
import {
  allTopicStrings,
  encodeErrorChunk,
  encodeRequest,
  encodeResponseChunk,
  parseTopicString,
  ReqRespError,
  RequestReader,
  ResponseReader,
  TokenBucketLimiter,
  topicString,
} from "../src/index.js";

describe("topics", () => {
  it("names topics as in DESIGN.md §5 and parses them back", () => {
    expect(topicString("abcd", { kind: "beacon_block" })).toBe("/shardnet/abcd/beacon_block/ssz");
    expect(topicString("abcd", { kind: "shard_attestation", shard: 3 })).toBe(
      "/shardnet/abcd/shard_3_attestation/ssz",
    );
    expect(parseTopicString("/shardnet/abcd/shard_12_receipts/ssz")).toEqual({
      forkDigest: "abcd",
      topic: { kind: "shard_receipts", shard: 12 },
    });
    expect(parseTopicString("/shardnet/abcd/shard_1_nope/ssz")).toBeNull();
    expect(parseTopicString("/eth2/abcd/beacon_block/ssz_snappy")).toBeNull();
    expect(allTopicStrings("ab", 2)).toHaveLength(6 + 2 * 4);
    expect(() => topicString("ab", { kind: "shard_tx", shard: -1 })).toThrow(RangeError);
  });
});

describe("req/resp framing", () => {
  it("parses requests and response chunks split at every byte boundary", () => {
    const payload = new Uint8Array(300).map((_, i) => i & 0xff);
    const req = encodeRequest(payload);
    const reader = new RequestReader(300);
    let out: Uint8Array | null = null;
    for (const b of req) out = reader.push(Uint8Array.of(b));
    expect(out).toEqual(payload);

    const wire = Uint8Array.from([
      ...encodeResponseChunk(0, payload),
      ...encodeResponseChunk(0, new Uint8Array(0)),
      ...encodeErrorChunk(3, "rate limited"),
    ]);
    const resp = new ResponseReader(300);
    const chunks = [...wire].flatMap((b) => resp.push(Uint8Array.of(b)));
    expect(chunks.map((c) => [c.status, c.payload.length])).toEqual([
      [0, 300],
      [0, 0],
      [3, 12],
    ]);
    expect(resp.hasPartialChunk()).toBe(false);
  });

  it("rejects oversize requests and chunks from the length prefix alone", () => {
    expect(() => new RequestReader(10).push(encodeRequest(new Uint8Array(11)).subarray(0, 2))).toThrow(
      ReqRespError,
    );
    expect(() =>
      new ResponseReader(10).push(encodeResponseChunk(0, new Uint8Array(11)).subarray(0, 3)),
    ).toThrow(/exceeds limit of 10 bytes/);
  });
});

describe("token bucket", () => {
  it("allows a burst, then refills at the configured rate per key", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(2, 3, () => now);
    expect([1, 2, 3, 4].map(() => limiter.tryTake("p"))).toEqual([true, true, true, false]);
    expect(limiter.tryTake("q")).toBe(true);
    now = 499;
    expect(limiter.tryTake("p")).toBe(false);
    now = 500;
    expect(limiter.tryTake("p")).toBe(true);
  });
});
