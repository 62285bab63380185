import { describe, expect, it } from "vitest";
import { crosslinkFromCandidate, produceBlock } from "../../src/production/produceBlock.js";
import { signBlock, signRandaoReveal } from "../../src/production/signing.js";
import { verifyCrosslink } from "../../src/stateTransition/block/crosslinks.js";
import { processSlots } from "../../src/stateTransition/slots.js";
import { stateTransition } from "../../src/stateTransition/stateTransition.js";
import { ShardBlockHeader } from "../../src/types/shardHeader.js";
import {
  createTestChain,
  genesisBlockRoot,
  makeSignedBlock,
  placeholderHeader,
  secretKey,
  signAggregate,
  voteAt,
} from "./harness.js";

// 60 validators, 4 shards → committees of 15: 10 signers carry exactly 2/3 of the stake.
const chain = createTestChain(60);
const genesis = chain.state;
const shard = 0;
const beaconRoot = genesisBlockRoot(chain);
const header = placeholderHeader(shard, 1, beaconRoot);
const headerRoot = ShardBlockHeader.hashTreeRoot(header);
const committee = genesis.epochCtx.getShardCommittee(shard, 1);
const data = voteAt(genesis, 1, shard, headerRoot);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function crosslinkBlock(
  signers: number,
  tweak?: (item: ReturnType<typeof crosslinkFromCandidate>) => void,
  slot = 2,
) {
  return makeSignedBlock(chain, genesis, slot, (body, atSlot) => {
    const item = crosslinkFromCandidate(atSlot, {
      header,
      attestation: signAggregate(chain, committee, range(signers), data),
    });
    tweak?.(item);
    body.crosslinks = [item];
  });
}

describe("crosslinks (DESIGN.md §4)", () => {
  it("committee size is 15", () => {
    expect(committee.length).toBe(15);
  });

  it("accepted at exactly 2/3 of the committee's stake; the shard's crosslink advances", () => {
    const post = stateTransition(genesis, crosslinkBlock(10));
    const current = post.state.currentCrosslinks.getReadonly(shard);
    expect(current.shardBlockRoot).toEqual(headerRoot);
    expect(current.slot).toBe(1);
    expect(current.stateRoot).toEqual(header.stateRoot);
    expect(genesis.state.currentCrosslinks.getReadonly(shard).slot).toBe(0);
  });

  it("verifyCrosslink (gossip) accepts a valid crosslink and rejects a forged aggregate", () => {
    const atSlot2 = processSlots(genesis, 2);
    const item = crosslinkFromCandidate(atSlot2, {
      header,
      attestation: signAggregate(chain, committee, range(10), data),
    });
    expect(() => verifyCrosslink(atSlot2, item)).not.toThrow();
    const forged = {
      ...item,
      attestation: {
        ...item.attestation,
        signature: signAggregate(chain, committee, range(9), data).signature,
      },
    };
    expect(() => verifyCrosslink(atSlot2, forged)).toThrow(/INVALID_SIGNATURE/);
    expect(atSlot2.state.currentCrosslinks.getReadonly(shard).slot).toBe(0);
  });

  it("rejected one signer below 2/3", () => {
    expect(() => stateTransition(genesis, crosslinkBlock(9))).toThrow(/INSUFFICIENT_STAKE/);
  });

  it("rejected with a bad aggregate signature", () => {
    const block = makeSignedBlock(chain, genesis, 2, (body, atSlot) => {
      const attestation = signAggregate(chain, committee, range(10), data);
      // signature of a different vote by the same signers
      attestation.signature = signAggregate(chain, committee, range(10), {
        ...data,
        shardBlockRoot: new Uint8Array(32).fill(9),
      }).signature;
      body.crosslinks = [crosslinkFromCandidate(atSlot, { header, attestation })];
    });
    expect(() => stateTransition(genesis, block)).toThrow(/INVALID_SIGNATURE: crosslinks\[0\]/);
  });

  it("rejected with a wrong parent crosslink", () => {
    const block = crosslinkBlock(10, (item) => {
      item.crosslink.parentCrosslinkRoot = new Uint8Array(32).fill(1);
    });
    expect(() => stateTransition(genesis, block)).toThrow(/WRONG_PARENT_CROSSLINK/);
  });

  it("rejected for a wrong or unknown shard", () => {
    expect(() =>
      stateTransition(
        genesis,
        crosslinkBlock(10, (item) => {
          item.crosslink.shard = 1;
        }),
      ),
    ).toThrow(/WRONG_SHARD/);
    expect(() =>
      stateTransition(
        genesis,
        crosslinkBlock(10, (item) => {
          item.crosslink.shard = 99;
        }),
      ),
    ).toThrow(/WRONG_SHARD/);
  });

  it("rejected when the header does not hash to shard_block_root", () => {
    const block = crosslinkBlock(10, (item) => {
      item.header = { ...item.header, txRoot: new Uint8Array(32).fill(3) };
    });
    expect(() => stateTransition(genesis, block)).toThrow(/HEADER_ROOT_MISMATCH/);
  });

  it("rejected for a shard block from the block's own (future) slot", () => {
    const futureHeader = placeholderHeader(shard, 2, beaconRoot);
    const futureRoot = ShardBlockHeader.hashTreeRoot(futureHeader);
    const block = makeSignedBlock(chain, genesis, 2, (body, atSlot) => {
      const vote = voteAt(genesis, 2, shard, futureRoot);
      const attestation = signAggregate(chain, committee, range(15), vote);
      body.crosslinks = [crosslinkFromCandidate(atSlot, { header: futureHeader, attestation })];
    });
    expect(() => stateTransition(genesis, block)).toThrow(/FUTURE_SLOT/);
  });

  it("rejected when the vote is older than one epoch", () => {
    expect(() => stateTransition(genesis, crosslinkBlock(15, undefined, 10))).toThrow(/TOO_OLD/);
  });

  it("rejected when one block carries two crosslinks for a shard", () => {
    const block = makeSignedBlock(chain, genesis, 2, (body, atSlot) => {
      const item = crosslinkFromCandidate(atSlot, {
        header,
        attestation: signAggregate(chain, committee, range(10), data),
      });
      body.crosslinks = [item, item];
    });
    expect(() => stateTransition(genesis, block)).toThrow(/DUPLICATE_SHARD/);
  });

  it("rejected when the shard block builds on a beacon block that is not on the including chain", () => {
    // Two beacon branches from genesis: A has a block at slot 1, B skips it and has one at slot 2.
    const blockA = makeSignedBlock(chain, genesis, 1, () => {});
    const postA = stateTransition(genesis, blockA);
    const postB = stateTransition(
      genesis,
      makeSignedBlock(chain, genesis, 2, () => {}),
    );
    const onA = placeholderHeader(shard, 1, processSlots(postA, 2).state.latestBlockHeader.hashTreeRoot());
    expect(onA.beaconBlockRoot).not.toEqual(beaconRoot);
    const onB = placeholderHeader(shard, 1, processSlots(postB, 3).state.latestBlockHeader.hashTreeRoot());
    const crosslinkOn = (pre: typeof genesis, slot: number, h: typeof onA) =>
      makeSignedBlock(chain, pre, slot, (body, atSlot) => {
        const vote = voteAt(pre, slot - 1, shard, ShardBlockHeader.hashTreeRoot(h));
        const attestation = signAggregate(chain, committee, range(10), vote);
        body.crosslinks = [crosslinkFromCandidate(atSlot, { header: h, attestation })];
      });
    // Branch A holds the beacon block the shard block built on: accepted.
    const accepted = stateTransition(postA, crosslinkOn(postA, 2, onA));
    expect(accepted.state.currentCrosslinks.getReadonly(shard).shardBlockRoot).toEqual(
      ShardBlockHeader.hashTreeRoot(onA),
    );
    // Branch B does not: its receipts could have been proven against crosslinks B never held.
    expect(() => stateTransition(postB, crosslinkOn(postB, 3, onA))).toThrow(
      /BEACON_BLOCK_NOT_ON_CHAIN: crosslinks\[0\] \(shard 0\)/,
    );
    // B's own block of slot 2 is on B, but after the shard block's slot 1: the shard block cannot have seen it.
    expect(() => stateTransition(postB, crosslinkOn(postB, 3, onB))).toThrow(/BEACON_BLOCK_NOT_ON_CHAIN/);
    expect(postB.state.currentCrosslinks.getReadonly(shard).slot).toBe(0);
  });

  it("chains: the next crosslink must name the previous one as parent; produceBlock picks the newest valid one", () => {
    const post2 = stateTransition(genesis, crosslinkBlock(10));
    const next = placeholderHeader(shard, 2, beaconRoot, headerRoot);
    const nextRoot = ShardBlockHeader.hashTreeRoot(next);
    const vote = voteAt(post2, 2, shard, nextRoot);
    const good = signAggregate(chain, committee, range(11), vote);
    const weak = signAggregate(
      chain,
      committee,
      range(9),
      voteAt(
        post2,
        2,
        shard,
        ShardBlockHeader.hashTreeRoot(placeholderHeader(shard, 2, beaconRoot, new Uint8Array(32).fill(7))),
      ),
    );
    const atSlot3 = processSlots(post2, 3);
    const proposer = atSlot3.epochCtx.getBeaconProposer(3);
    const { block } = produceBlock(post2, {
      slot: 3,
      randaoReveal: signRandaoReveal(secretKey(proposer), chain.genesisRoot, 0),
      crosslinkCandidates: [
        { header: placeholderHeader(shard, 2, beaconRoot, new Uint8Array(32).fill(7)), attestation: weak }, // < 2/3
        { header, attestation: signAggregate(chain, committee, range(15), data) }, // already crosslinked
        { header: next, attestation: good },
      ],
    });
    expect(block.body.crosslinks).toHaveLength(1);
    expect(block.body.crosslinks[0]?.crosslink.shardBlockRoot).toEqual(nextRoot);
    const post3 = stateTransition(post2, signBlock(secretKey(proposer), atSlot3, block));
    const current = post3.state.currentCrosslinks.getReadonly(shard);
    expect(current.slot).toBe(2);
    expect(current.parentCrosslinkRoot).toEqual(
      post2.state.currentCrosslinks.getReadonly(shard).hashTreeRoot(),
    );
  });
});
