import { describe, expect, it } from "vitest";
import { produceBlock } from "../../src/production/produceBlock.js";
import { signBlock, signRandaoReveal } from "../../src/production/signing.js";
import { stateTransition } from "../../src/stateTransition/stateTransition.js";
import { createTestChain, secretKey } from "./harness.js";

describe("empty blocks", () => {
  it("a produced, signed block imports; a wrong proposer signature is rejected", () => {
    const chain = createTestChain(64);
    const slot = 1;
    const pre = chain.state;
    const proposer = pre.epochCtx.getBeaconProposer(slot);
    const { block } = produceBlock(pre, {
      slot,
      randaoReveal: signRandaoReveal(secretKey(proposer), chain.genesisRoot, 0),
    });
    const signed = signBlock(secretKey(proposer), pre, block);
    const post = stateTransition(pre, signed);
    expect(post.state.slot).toBe(1);
    expect(pre.state.slot).toBe(0);
    const forged = signBlock(secretKey((proposer + 1) % 64), pre, block);
    expect(() => stateTransition(pre, forged)).toThrow(/INVALID_SIGNATURE: block signature/);
  });
});
