/**
 * Regression (chaos partition-heal, 6-epoch split): after the heal, peers refused blocks with INVALID_SIGNATURE
 * during sync. A proposer packed pooled operations verified against the head current when they arrived; after
 * a reorg some no longer verified on the new head, and importOwnBlock, which checks no signature, took the
 * block anyway: the node built on a block every peer refused. produceVerifiedBlock checks the block's
 * operations on its pre-state and leaves out those that fail.
 */

import {
  computeEpochAtSlot,
  processSlots,
  produceBlock,
  signBlock,
  signRandaoReveal,
  stateTransition,
} from "@shardnet/consensus";
import { getBls } from "@shardnet/crypto";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createTestChain, secretKey, signAggregate, voteAt } from "../../consensus/test/beacon/harness.js";
import { produceVerifiedBlock } from "../src/chain/verifiedProduction.js";

describe("block production checks the operations' signatures on the block's pre-state", () => {
  it("leaves out a pooled attestation that does not verify there, and peers accept the block", () => {
    const chain = createTestChain(64);
    const slot = 2;
    const pre = processSlots(chain.state, slot);
    const data = voteAt(chain.state, 1, 0, new Uint8Array(32));
    const committee = pre.epochCtx.getShardCommittee(0, 1);
    const valid = signAggregate(chain, committee, [0, 1, 2], data);
    // Bits of other members, signature of the first three: verifies on no state.
    const invalid = { ...signAggregate(chain, committee, [3, 4], data), signature: valid.signature };
    const proposer = pre.epochCtx.getBeaconProposer(slot);
    const input = {
      slot,
      randaoReveal: signRandaoReveal(
        secretKey(proposer),
        chain.genesisRoot,
        computeEpochAtSlot(chain.genesis.preset, slot),
      ),
      attestations: [valid, invalid],
    };
    // Without the check, the block holds both, and a peer refuses it.
    const unchecked = produceBlock(pre, input).block;
    expect(unchecked.body.attestations).toHaveLength(2);
    expect(() => stateTransition(pre, signBlock(secretKey(proposer), pre, unchecked))).toThrow(
      /INVALID_SIGNATURE/,
    );

    const { block } = produceVerifiedBlock(pre, input, getBls(), pino({ level: "silent" }));
    expect(block.body.attestations).toHaveLength(1);
    expect(block.body.attestations[0]!.aggregationBits.getTrueBitIndexes()).toEqual([0, 1, 2]);
    const post = stateTransition(pre, signBlock(secretKey(proposer), pre, block));
    expect(post.state.hashTreeRoot()).toEqual(block.stateRoot);
  });
});
