import { describe, expect, it } from "vitest";
import { cloneCachedState } from "../../src/cache/cachedState.js";
import { EpochContext } from "../../src/cache/epochContext.js";
import { EPOCHS_PER_HISTORICAL_VECTOR } from "../../src/params/constants.js";
import { processSlots } from "../../src/stateTransition/slots.js";
import { computeStartSlotAtEpoch } from "../../src/util/epoch.js";
import { createTestChain } from "./harness.js";

describe("committees", () => {
  it("partition the eligible validators into SHARD_COUNT contiguous committees of near-equal size", () => {
    const chain = createTestChain(101);
    const cached = cloneCachedState(chain.state);
    // Validator 7 exited before genesis: it must hold no seat.
    cached.state.validators.get(7).exitEpoch = 0;
    const ctx = new EpochContext(chain.state.epochCtx.caches, cached.state);
    const committees = ctx.currentShuffling.committees.map((c) => Array.from(c));
    expect(committees).toHaveLength(4);
    const all = committees.flat().sort((a, b) => a - b);
    const expected = Array.from({ length: 101 }, (_, i) => i).filter((i) => i !== 7);
    expect(all).toEqual(expected);
    const sizes = committees.map((c) => c.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const [shard, committee] of committees.entries()) {
      for (const index of committee) expect(ctx.currentShuffling.shardOfValidator.get(index)).toBe(shard);
    }
  });

  it("the shard proposer sits in that shard's committee; the beacon proposer is active", () => {
    const chain = createTestChain(64);
    const ctx = chain.state.epochCtx;
    for (let slot = 0; slot < 8; slot++) {
      for (let shard = 0; shard < 4; shard++) {
        expect(Array.from(ctx.getShardCommittee(shard, slot))).toContain(ctx.getShardProposer(shard, slot));
      }
      expect(ctx.getBeaconProposer(slot)).toBeLessThan(64);
    }
  });

  it("lookahead: period p's committees are fixed once period p-1 starts", () => {
    const chain = createTestChain(64);
    const preset = chain.genesis.preset; // SHARD_COMMITTEE_PERIOD 4 epochs, 8 slots each
    const period1Start = processSlots(chain.state, computeStartSlotAtEpoch(preset, 4));
    const predicted = period1Start.epochCtx.nextShuffling;
    expect(predicted.period).toBe(2);

    // RANDAO reveals during period 1 change the mixes of epochs 4..7; period 2 must not care.
    const later = cloneCachedState(period1Start);
    for (let epoch = 4; epoch < 8; epoch++)
      later.state.randaoMixes.set(epoch % EPOCHS_PER_HISTORICAL_VECTOR, new Uint8Array(32).fill(epoch));
    const period2Start = processSlots(later, computeStartSlotAtEpoch(preset, 8));
    expect(period2Start.epochCtx.period).toBe(2);
    expect(period2Start.epochCtx.currentShuffling.committees.map((c) => Array.from(c))).toEqual(
      predicted.committees.map((c) => Array.from(c)),
    );

    // The mix at the end of period 0 (epoch 3) does decide period 2.
    const other = cloneCachedState(period1Start);
    other.state.randaoMixes.set(3, new Uint8Array(32).fill(0xab));
    const changed = new EpochContext(period1Start.epochCtx.caches, other.state).nextShuffling;
    expect(changed.committees.map((c) => Array.from(c))).not.toEqual(
      predicted.committees.map((c) => Array.from(c)),
    );
  });
});
