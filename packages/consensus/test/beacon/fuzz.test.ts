import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crosslinkFromCandidate } from "../../src/production/produceBlock.js";
import { computeShuffledIndex, shuffleList, unshuffleList } from "../../src/shuffling/shuffle.js";
import { BlockError } from "../../src/stateTransition/errors.js";
import { stateTransition } from "../../src/stateTransition/stateTransition.js";
import { ShardBlockHeader } from "../../src/types/shardHeader.js";
import {
  createTestChain,
  genesisBlockRoot,
  makeSignedBlock,
  placeholderHeader,
  signAggregate,
  voteAt,
} from "./harness.js";

describe("shuffle properties", () => {
  it("unshuffleList is a permutation, inverted by shuffleList, and agrees with computeShuffledIndex", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 300 }),
        (seed, n) => {
          const input = Array.from({ length: n }, (_, i) => i);
          const out = unshuffleList(input, seed, 10);
          expect([...out].sort((a, b) => a - b)).toEqual(input);
          expect(Array.from(shuffleList(out, seed, 10))).toEqual(input);
          if (n > 0) {
            const k = seed[0] ?? 0;
            expect(out[k % n]).toBe(computeShuffledIndex(k % n, n, seed, 10));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("block processing never crashes on malformed input", () => {
  const chain = createTestChain(60);
  const genesis = chain.state;
  const header = placeholderHeader(0, 1, genesisBlockRoot(chain));
  const committee = genesis.epochCtx.getShardCommittee(0, 1);
  const data = voteAt(genesis, 1, 0, ShardBlockHeader.hashTreeRoot(header));
  const attestation = signAggregate(
    chain,
    committee,
    Array.from({ length: 12 }, (_, i) => i),
    data,
  );

  it("mutated crosslinks are accepted or rejected with a BlockError, nothing else", () => {
    fc.assert(
      fc.property(
        fc.record({
          shard: fc.integer({ min: -2, max: 6 }),
          slot: fc.integer({ min: 0, max: 12 }),
          voteSlot: fc.integer({ min: 0, max: 12 }),
          bits: fc.integer({ min: 0, max: 20 }),
          parentByte: fc.option(fc.integer({ min: 0, max: 255 })),
          blockSlot: fc.integer({ min: 1, max: 12 }),
          duplicate: fc.boolean(),
        }),
        (m) => {
          const block = makeSignedBlock(chain, genesis, m.blockSlot, (body, atSlot) => {
            const item = crosslinkFromCandidate(atSlot, { header, attestation });
            item.crosslink.shard = m.shard;
            item.crosslink.slot = m.slot;
            item.attestation = {
              ...attestation,
              data: { ...attestation.data, slot: m.voteSlot },
              aggregationBits: signAggregate(chain, committee.subarray(0, Math.max(1, m.bits)), [0], data)
                .aggregationBits,
            };
            if (m.parentByte !== null)
              item.crosslink.parentCrosslinkRoot = new Uint8Array(32).fill(m.parentByte);
            body.crosslinks = m.duplicate ? [item, item] : [item];
          });
          try {
            stateTransition(genesis, block, { verifySignatures: false, verifyStateRoot: false });
          } catch (e) {
            expect(e).toBeInstanceOf(BlockError);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
