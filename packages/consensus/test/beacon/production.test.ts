import { getBls } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { ForkChoice } from "../../src/forkChoice/forkChoice.js";
import { createBeaconGenesis, loadCachedBeaconState } from "../../src/genesis/beaconGenesis.js";
import { TIMELY_TARGET_FLAG } from "../../src/params/constants.js";
import {
  aggregateAttestations,
  computeAttestationSigningRoot,
  singleAttestation,
} from "../../src/production/attestation.js";
import { getDuties } from "../../src/production/duties.js";
import { produceBlock } from "../../src/production/produceBlock.js";
import { signBlock, signRandaoReveal } from "../../src/production/signing.js";
import { verifyAttestationSignature } from "../../src/stateTransition/block/attestations.js";
import { processSlots } from "../../src/stateTransition/slots.js";
import { stateTransition } from "../../src/stateTransition/stateTransition.js";
import { createTestChain, makeSignedBlock, secretKey, signAggregate, voteAt } from "./harness.js";

const chain = createTestChain(64);
const genesis = chain.state;
const zero = new Uint8Array(32);

describe("duties", () => {
  it("each validator serves exactly the shard whose committee holds it; proposer slots match the EpochContext", () => {
    const indices = Array.from({ length: 64 }, (_, i) => i);
    const duties = getDuties(genesis, indices, 0);
    const ctx = genesis.epochCtx;
    for (const duty of duties) {
      expect(duty.shard).not.toBeNull();
      const committee = ctx.getShardCommittee(duty.shard as number, 0);
      expect(committee[duty.committeePosition as number]).toBe(duty.validatorIndex);
      expect(duty.committeeSize).toBe(committee.length);
      for (const slot of duty.shardProposerSlots)
        expect(ctx.getShardProposer(duty.shard as number, slot)).toBe(duty.validatorIndex);
      for (const slot of duty.beaconProposerSlots)
        expect(ctx.getBeaconProposer(slot)).toBe(duty.validatorIndex);
    }
    expect(duties.reduce((n, d) => n + d.beaconProposerSlots.length, 0)).toBe(8);
    expect(duties.reduce((n, d) => n + d.shardProposerSlots.length, 0)).toBe(8 * 4);
    // next period (epochs 4..7) is known one period ahead; beyond that it is not
    expect(getDuties(genesis, [0], 4)[0]?.period).toBe(1);
    expect(() => getDuties(genesis, [0], 8)).toThrow(/not known/);
  });
});

describe("attestation aggregation", () => {
  it("merges disjoint single votes into one verifiable aggregate and keeps overlaps apart", () => {
    const committee = genesis.epochCtx.getShardCommittee(1, 0);
    const data = voteAt(processSlots(genesis, 1), 1, 1, zero);
    const message = computeAttestationSigningRoot(chain.genesisRoot, data);
    const singles = [0, 1, 2].map((p) =>
      singleAttestation(
        data,
        committee.length,
        p,
        secretKey(committee[p] as number)
          .sign(message)
          .toBytes(),
      ),
    );
    const [merged, ...rest] = aggregateAttestations(getBls(), [
      ...singles,
      singles[0] as (typeof singles)[0],
    ]);
    expect(merged?.aggregationBits.getTrueBitIndexes()).toEqual([0, 1, 2]);
    expect(rest).toHaveLength(1);
    const bls = getBls();
    const keys = [0, 1, 2].map((p) => genesis.epochCtx.pubkeys.get(committee[p] as number));
    expect(
      bls.fastAggregateVerify(keys, message, bls.signatureFromBytes(merged?.signature as Uint8Array)),
    ).toBe(true);
  });
});

describe("FFG attestations in blocks", () => {
  const committee = genesis.epochCtx.getShardCommittee(2, 1);
  const data = voteAt(genesis, 1, 2, zero);
  const all = Array.from({ length: committee.length }, (_, i) => i);

  it("a valid aggregate credits source+target flags to its attesters", () => {
    const block = makeSignedBlock(chain, genesis, 2, (body) => {
      body.attestations = [signAggregate(chain, committee, all, data)];
    });
    const post = stateTransition(genesis, block);
    for (const index of committee)
      expect(post.state.currentEpochParticipation.get(index) & TIMELY_TARGET_FLAG).toBe(TIMELY_TARGET_FLAG);
  });

  it("rejects a wrong source, a vote outside the inclusion window, and wrong-length bits", () => {
    const wrongSource = { ...data, source: { epoch: 0, root: new Uint8Array(32).fill(5) } };
    const b1 = makeSignedBlock(chain, genesis, 2, (body) => {
      body.attestations = [signAggregate(chain, committee, all, wrongSource)];
    });
    expect(() => stateTransition(genesis, b1)).toThrow(/WRONG_SOURCE/);
    const b2 = makeSignedBlock(chain, genesis, 1, (body) => {
      body.attestations = [signAggregate(chain, committee, all, data)];
    });
    expect(() => stateTransition(genesis, b2)).toThrow(/inclusion window/);
    const b3 = makeSignedBlock(chain, genesis, 2, (body) => {
      const attestation = signAggregate(chain, committee, all, data);
      attestation.aggregationBits = signAggregate(
        chain,
        genesis.epochCtx.getShardCommittee(0, 1).subarray(0, 3),
        [0],
        data,
      ).aggregationBits;
      body.attestations = [attestation];
    });
    expect(() => stateTransition(genesis, b3)).toThrow(/BAD_AGGREGATION_BITS/);
  });

  it("produceBlock keeps only attestations that add participation and its state root imports", () => {
    const first = signAggregate(chain, committee, all.slice(0, 8), data);
    const duplicate = signAggregate(chain, committee, all.slice(0, 4), data);
    const stale = { ...first, data: { ...data, source: { epoch: 0, root: new Uint8Array(32).fill(5) } } };
    const proposer = processSlots(genesis, 2).epochCtx.getBeaconProposer(2);
    const { block } = produceBlock(genesis, {
      slot: 2,
      randaoReveal: signRandaoReveal(secretKey(proposer), chain.genesisRoot, 0),
      attestations: [duplicate, stale, first],
    });
    expect(block.body.attestations).toHaveLength(1);
    expect(block.body.attestations[0]?.aggregationBits.getTrueBitIndexes()).toHaveLength(8);
    const post = stateTransition(genesis, signBlock(secretKey(proposer), processSlots(genesis, 2), block));
    expect(post.state.hashTreeRoot()).toEqual(block.stateRoot);
  });
});

describe("node helpers", () => {
  it("verifyAttestationSignature accepts a real aggregate and refuses a forged one", () => {
    const committee = genesis.epochCtx.getShardCommittee(3, 1);
    const data = voteAt(genesis, 1, 3, zero);
    const good = signAggregate(chain, committee, [0, 1, 2], data);
    expect(verifyAttestationSignature(genesis, good)).toBe(true);
    const forged = { ...good, signature: signAggregate(chain, committee, [0, 1], data).signature };
    expect(verifyAttestationSignature(genesis, forged)).toBe(false);
  });

  it("a serialized state reloads to the same root with working caches", () => {
    const post = processSlots(genesis, 9);
    const loaded = loadCachedBeaconState(post.state.serialize(), genesis.epochCtx.caches);
    expect(loaded.state.hashTreeRoot()).toEqual(post.state.hashTreeRoot());
    expect(loaded.epochCtx.getBeaconProposer(9)).toBe(post.epochCtx.getBeaconProposer(9));
  });

  it("createBeaconGenesis anchors fork choice at the genesis block", () => {
    const g = createBeaconGenesis(chain.genesis);
    expect(g.block.stateRoot).toEqual(g.state.state.hashTreeRoot());
    const fc = new ForkChoice(
      {
        root: g.blockRoot,
        parentRoot: zero,
        slot: 0,
        justifiedCheckpoint: g.state.state.currentJustifiedCheckpoint.toValue(),
        finalizedCheckpoint: g.state.state.finalizedCheckpoint.toValue(),
      },
      g.state.epochCtx.stakes,
    );
    expect(fc.getHead()).toEqual(g.blockRoot);
  });
});
