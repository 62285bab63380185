/**
 * Duties follow the chain they were computed on (the partition-heal fix of stop 26): the dependent root of an
 * epoch is its chain's last block before the epoch's first slot, so two branches that differ there give different
 * roots, and the cache computes the duties again when the head moves to the other branch.
 */
import { BeaconBlock, processSlots, stateTransition } from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { createTestChain, makeSignedBlock } from "../../consensus/test/beacon/harness.js";
import { dutiesDependentRoot, EpochDutiesCache } from "../src/validator/dutiesCache.js";

describe("duties and their dependent root", () => {
  const chain = createTestChain(16);
  const preset = chain.genesis.preset;

  it("is the last block before the epoch on each branch, and a reorg there recomputes the duties", () => {
    // Branch A has blocks at slots 1..7; branch B the same up to 6 and none at 7. Epoch 1 starts at slot 8.
    let common = chain.state;
    const roots: string[] = [];
    for (let slot = 1; slot <= 6; slot++) {
      const signed = makeSignedBlock(chain, common, slot, () => {});
      common = stateTransition(common, signed);
      roots[slot] = bytesToHex(BeaconBlock.hashTreeRoot(signed.message));
    }
    const seven = makeSignedBlock(chain, common, 7, () => {});
    const branchA = processSlots(stateTransition(common, seven), 8);
    const branchB = processSlots(common, 8);
    const rootA = dutiesDependentRoot(branchA, preset, 1);
    const rootB = dutiesDependentRoot(branchB, preset, 1);
    expect(rootA).toBe(bytesToHex(BeaconBlock.hashTreeRoot(seven.message)));
    expect(rootB).toBe(roots[6]);
    expect(dutiesDependentRoot(branchA, preset, 0)).toBe("genesis");

    const cache = new EpochDutiesCache<string>();
    let computed = 0;
    const duties = (branch: string) => () => {
      computed++;
      return `duties on ${branch}`;
    };
    expect(cache.get(1, rootA, duties("A"))).toBe("duties on A");
    expect(cache.get(1, rootA, duties("A"))).toBe("duties on A");
    expect(computed).toBe(1);
    // The head moves to branch B within the epoch: same epoch, other dependent root.
    expect(cache.get(1, rootB, duties("B"))).toBe("duties on B");
    expect(computed).toBe(2);
    expect(cache.get(2, rootB, duties("B"))).toBe("duties on B");
    expect(computed).toBe(3);
  });
});
