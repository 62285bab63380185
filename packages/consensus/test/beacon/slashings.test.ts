import { getBls } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { DOMAIN_BEACON_PROPOSER, FAR_FUTURE_EPOCH, MAX_STAKE } from "../../src/params/constants.js";
import { computeAttestationSigningRoot } from "../../src/production/attestation.js";
import { isSlashableAttestationData } from "../../src/stateTransition/block/slashings.js";
import { stateTransition } from "../../src/stateTransition/stateTransition.js";
import { BeaconBlockHeader } from "../../src/types/beacon.js";
import type {
  AttestationDataValue,
  BeaconBlockHeaderValue,
  IndexedAttestationValue,
} from "../../src/types/index.js";
import { computeDomain, computeSigningRoot } from "../../src/util/signing.js";
import { createTestChain, makeSignedBlock, secretKey } from "./harness.js";

const chain = createTestChain(64);
const genesis = chain.state;
const zero = new Uint8Array(32);

function vote(slot: number, shardRoot: number, source: number, target: number): AttestationDataValue {
  return {
    slot,
    shard: 0,
    shardBlockRoot: new Uint8Array(32).fill(shardRoot),
    beaconBlockRoot: zero,
    source: { epoch: source, root: zero },
    target: { epoch: target, root: zero },
  };
}

function indexed(indices: number[], data: AttestationDataValue): IndexedAttestationValue {
  const message = computeAttestationSigningRoot(chain.genesisRoot, data);
  const signature = getBls()
    .aggregateSignatures(indices.map((i) => secretKey(i).sign(message)))
    .toBytes();
  return { attestingIndices: indices, data, signature };
}

function signedHeader(h: BeaconBlockHeaderValue, signer: number) {
  const domain = computeDomain(DOMAIN_BEACON_PROPOSER, chain.genesisRoot);
  return {
    message: h,
    signature: secretKey(signer)
      .sign(computeSigningRoot(BeaconBlockHeader.hashTreeRoot(h), domain))
      .toBytes(),
  };
}

describe("slashable attestation pairs", () => {
  it("double vote (same slot), FFG double vote (same target epoch), surround; not: identical or honest successors", () => {
    expect(isSlashableAttestationData(vote(3, 1, 0, 0), vote(3, 2, 0, 0))).toBe(true);
    expect(isSlashableAttestationData(vote(9, 1, 0, 1), vote(10, 1, 0, 1))).toBe(false);
    expect(
      isSlashableAttestationData(vote(9, 1, 0, 1), {
        ...vote(10, 1, 0, 1),
        target: { epoch: 1, root: root7() },
      }),
    ).toBe(true);
    expect(isSlashableAttestationData(vote(40, 1, 1, 5), vote(33, 1, 2, 4))).toBe(true);
    expect(isSlashableAttestationData(vote(33, 1, 2, 4), vote(40, 1, 1, 5))).toBe(true);
    expect(isSlashableAttestationData(vote(3, 1, 0, 0), vote(3, 1, 0, 0))).toBe(false);
    expect(isSlashableAttestationData(vote(17, 1, 1, 2), vote(25, 1, 2, 3))).toBe(false);
  });
});

function root7() {
  return new Uint8Array(32).fill(7);
}

describe("slashing operations in blocks", () => {
  it("proposer slashing: two headers for one slot slash the proposer (penalty, exit, stake stops counting)", () => {
    const offender = 5;
    const h1: BeaconBlockHeaderValue = {
      slot: 0,
      proposerIndex: offender,
      parentRoot: zero,
      stateRoot: zero,
      bodyRoot: zero,
    };
    const h2 = { ...h1, bodyRoot: new Uint8Array(32).fill(1) };
    const block = makeSignedBlock(chain, genesis, 1, (body) => {
      body.proposerSlashings = [
        { signedHeader1: signedHeader(h1, offender), signedHeader2: signedHeader(h2, offender) },
      ];
    });
    const post = stateTransition(genesis, block);
    const v = post.state.validators.getReadonly(offender);
    expect(v.slashed).toBe(true);
    expect(v.stake).toBe(MAX_STAKE - MAX_STAKE / 32n);
    expect(v.exitEpoch).not.toBe(FAR_FUTURE_EPOCH);
    expect(post.state.slashings.get(0)).toBe(MAX_STAKE / 32n);
  });

  it("proposer slashing with identical headers or a forged signature is rejected", () => {
    const h1: BeaconBlockHeaderValue = {
      slot: 0,
      proposerIndex: 5,
      parentRoot: zero,
      stateRoot: zero,
      bodyRoot: zero,
    };
    const same = makeSignedBlock(chain, genesis, 1, (body) => {
      body.proposerSlashings = [{ signedHeader1: signedHeader(h1, 5), signedHeader2: signedHeader(h1, 5) }];
    });
    expect(() => stateTransition(genesis, same)).toThrow(/NOT_SLASHABLE/);
    const forged = makeSignedBlock(chain, genesis, 1, (body) => {
      const h2 = { ...h1, bodyRoot: new Uint8Array(32).fill(1) };
      body.proposerSlashings = [{ signedHeader1: signedHeader(h1, 5), signedHeader2: signedHeader(h2, 6) }];
    });
    expect(() => stateTransition(genesis, forged)).toThrow(/INVALID_SIGNATURE/);
  });

  it("attester slashing: a double vote slashes exactly the validators that signed both", () => {
    const block = makeSignedBlock(chain, genesis, 1, (body) => {
      body.attesterSlashings = [
        {
          attestation1: indexed([2, 3, 4], vote(0, 1, 0, 0)),
          attestation2: indexed([3, 4, 9], vote(0, 2, 0, 0)),
        },
      ];
    });
    const post = stateTransition(genesis, block);
    const slashed = [2, 3, 4, 9].filter((i) => post.state.validators.getReadonly(i).slashed);
    expect(slashed).toEqual([3, 4]);
  });

  it("attester slashing that is not slashable is rejected", () => {
    const block = makeSignedBlock(chain, genesis, 1, (body) => {
      body.attesterSlashings = [
        { attestation1: indexed([2, 3], vote(0, 1, 0, 0)), attestation2: indexed([2, 3], vote(1, 1, 0, 0)) },
      ];
    });
    expect(() => stateTransition(genesis, block)).toThrow(/NOT_SLASHABLE/);
  });
});
