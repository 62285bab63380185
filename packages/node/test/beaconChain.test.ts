import {
  BeaconBlock,
  BeaconBlockBody,
  type BeaconBlockValue,
  blockSigningRoot,
  buildAttestationData,
  type CachedBeaconState,
  computeAttestationSigningRoot,
  computeDomain,
  computeSigningRoot,
  DOMAIN_BEACON_PROPOSER,
  produceBlock,
  signRandaoReveal,
} from "@shardnet/consensus";
import { getBls, hexToBytes, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import type { BeaconChain } from "../src/chain/beaconChain.js";
import { selectSlashingsForBlock } from "../src/chain/slashingSelection.js";
import { openBeacon, proposeAt, tempDir } from "./helpers.js";

const bls = getBls();

/**
 * `block`'s header with its state root replaced by `stateRootByte`, signed by its proposer: two of them with
 * different bytes are a double proposal.
 */
function conflictingHeader(chain: BeaconChain, block: BeaconBlockValue, stateRootByte: number) {
  const sk = bls.secretKeyFromBytes(interopSecretKey(block.proposerIndex));
  const domain = computeDomain(DOMAIN_BEACON_PROPOSER, chain.networkRoot);
  const message = {
    slot: block.slot,
    proposerIndex: block.proposerIndex,
    parentRoot: block.parentRoot,
    stateRoot: new Uint8Array(32).fill(stateRootByte),
    bodyRoot: BeaconBlockBody.hashTreeRoot(block.body),
  };
  const root = BeaconBlock.hashTreeRoot({ ...block, stateRoot: message.stateRoot });
  return { message, signature: sk.sign(computeSigningRoot(root, domain)).toBytes() };
}

/**
 * `validator`'s signed vote at slot 2 on `state` for a shard-0 block root filled with `shardRootByte`: two
 * with different bytes are a double vote.
 */
function shardVote(chain: BeaconChain, state: CachedBeaconState, validator: number, shardRootByte: number) {
  const sk = bls.secretKeyFromBytes(interopSecretKey(validator));
  const data = buildAttestationData(state, {
    slot: 2,
    shard: 0,
    shardBlockRoot: new Uint8Array(32).fill(shardRootByte),
    beaconBlockRoot: hexToBytes(chain.head().root),
  });
  return {
    attestingIndices: [validator],
    data,
    signature: sk.sign(computeAttestationSigningRoot(chain.networkRoot, data)).toBytes(),
  };
}

describe("BeaconChain", () => {
  it("imports a valid block, rejects a tampered one, and restores its head from the database", async () => {
    const dir = tempDir("shardnet-chain-");
    const { db, beacon: chain } = await openBeacon(dir);
    const block = proposeAt(chain, 1);
    const result = chain.importBlock(block);
    expect(result.status).toBe("imported");
    await (result as { persisted?: Promise<void> }).persisted;
    expect(chain.head().slot).toBe(1);
    expect(chain.importBlock(block).status).toBe("known");
    const tampered = { ...block, signature: new Uint8Array(block.signature).fill(7, 10, 20) };
    const forged = proposeAt(chain, 2);
    forged.message.stateRoot = new Uint8Array(32).fill(1);
    expect(chain.importBlock(forged).status).toBe("invalid");
    expect(chain.importBlock({ ...proposeAt(chain, 2), signature: tampered.signature }).status).toBe(
      "invalid",
    );
    expect(chain.head().slot).toBe(1);
    await db.close();

    const reopened = await openBeacon(dir);
    expect(reopened.beacon.head().root).toBe(chain.head().root);
    await reopened.db.close();
  });

  it("accepts proposer-slashing evidence only with two different, validly signed headers of one slot", async () => {
    const dir = tempDir("shardnet-chain-");
    const { db, beacon: chain } = await openBeacon(dir);
    const block = proposeAt(chain, 1).message;
    const header = (stateRootByte: number) => conflictingHeader(chain, block, stateRootByte);
    const h1 = header(1);
    const h2 = header(2);
    expect(chain.addProposerSlashing({ signedHeader1: h1, signedHeader2: h1 })).toEqual({
      kind: "invalid",
      reason: "identical headers",
    });
    expect(
      chain.addProposerSlashing({ signedHeader1: h1, signedHeader2: { ...h2, signature: h1.signature } }),
    ).toEqual({ kind: "invalid", reason: "bad header signature" });
    expect(chain.addProposerSlashing({ signedHeader1: h1, signedHeader2: h2 })).toBeNull();
    expect(chain.pendingProposerSlashings()).toHaveLength(1);
    expect(chain.addProposerSlashing({ signedHeader1: h1, signedHeader2: h2 })).toEqual({
      kind: "known",
      reason: "already known",
    });
    await db.close();
  });

  it("attester-slashing evidence is checked, included by the next proposer, and slashes the validator", async () => {
    const dir = tempDir("shardnet-chain-");
    const { db, beacon: chain } = await openBeacon(dir);
    const first = chain.importBlock(proposeAt(chain, 1));
    expect(first.status).toBe("imported");
    const state = chain.headStateAt(2);
    const validator = state.epochCtx.getShardCommittee(0, 1)[0]!;
    const vote = (shardRootByte: number) => shardVote(chain, state, validator, shardRootByte);
    const a = vote(1);
    const b = vote(2);
    expect(chain.addAttesterSlashing({ attestation1: a, attestation2: a })).toEqual({
      kind: "invalid",
      reason: "votes are not slashable",
    });
    expect(
      chain.addAttesterSlashing({ attestation1: a, attestation2: { ...b, signature: a.signature } }),
    ).toEqual({ kind: "invalid", reason: "bad attestation signature" });
    expect(chain.addAttesterSlashing({ attestation1: a, attestation2: b })).toBeNull();
    const pending = chain.pendingAttesterSlashings();
    expect(pending).toHaveLength(1);

    const pre = chain.headStateAt(2);
    const proposer = pre.epochCtx.getBeaconProposer(2);
    const proposerKey = bls.secretKeyFromBytes(interopSecretKey(proposer));
    const { block } = produceBlock(pre, {
      slot: 2,
      randaoReveal: signRandaoReveal(proposerKey, pre.state.genesisRoot, 0),
      attesterSlashings: pending,
    });
    const imported = chain.importBlock({
      message: block,
      signature: proposerKey.sign(blockSigningRoot(pre, block)).toBytes(),
    });
    expect(imported.status).toBe("imported");
    expect(chain.head().state.state.validators.getReadonly(validator).slashed).toBe(true);
    expect(chain.pendingAttesterSlashings()).toHaveLength(0);
    // The same offence again, or another vote pair of the same validator: true but stale (gossip ignores it).
    expect(chain.addAttesterSlashing({ attestation1: a, attestation2: vote(3) })).toEqual({
      kind: "stale",
      reason: "no slashable validator in both votes",
    });
    // Conflicting votes of two different validators are no evidence against either (gossip rejects it).
    const other = state.epochCtx.getShardCommittee(0, 1)[1]!;
    const otherVote = { ...vote(4), attestingIndices: [other] };
    expect(chain.addAttesterSlashing({ attestation1: a, attestation2: otherVote })).toEqual({
      kind: "invalid",
      reason: "no validator in both votes",
    });
    await db.close();
  });

  it("a validator that proposed twice and voted twice: the block takes the proposer slashing and leaves the attester slashing out (it would slash nobody)", async () => {
    const dir = tempDir("shardnet-chain-");
    const { db, beacon: chain } = await openBeacon(dir);
    const first = proposeAt(chain, 1).message;
    const offender = first.proposerIndex;
    expect(chain.importBlock(proposeAt(chain, 1)).status).toBe("imported");
    const state = chain.headStateAt(2);
    const h = (stateRootByte: number) => conflictingHeader(chain, first, stateRootByte);
    const vote = (shardRootByte: number) => shardVote(chain, state, offender, shardRootByte);
    expect(chain.addProposerSlashing({ signedHeader1: h(1), signedHeader2: h(2) })).toBeNull();
    expect(chain.addAttesterSlashing({ attestation1: vote(1), attestation2: vote(2) })).toBeNull();

    const pre = chain.headStateAt(2);
    const proposer = pre.epochCtx.getBeaconProposer(2);
    const proposerKey = bls.secretKeyFromBytes(interopSecretKey(proposer));
    const input = { slot: 2, randaoReveal: signRandaoReveal(proposerKey, pre.state.genesisRoot, 0) };
    // Both pooled operations together make an invalid block: the second slashes nobody.
    expect(() =>
      produceBlock(pre, {
        ...input,
        proposerSlashings: chain.pendingProposerSlashings(),
        attesterSlashings: chain.pendingAttesterSlashings(),
      }),
    ).toThrow(/NOT_SLASHABLE/);
    const selected = selectSlashingsForBlock(
      pre,
      chain.pendingProposerSlashings(),
      chain.pendingAttesterSlashings(),
    );
    expect(selected.proposerSlashings).toHaveLength(1);
    expect(selected.attesterSlashings).toHaveLength(0);
    const { block } = produceBlock(pre, { ...input, ...selected });
    const imported = chain.importBlock({
      message: block,
      signature: proposerKey.sign(blockSigningRoot(pre, block)).toBytes(),
    });
    expect(imported.status).toBe("imported");
    expect(chain.head().state.state.validators.getReadonly(offender).slashed).toBe(true);
    expect(chain.pendingProposerSlashings()).toHaveLength(0);
    expect(chain.pendingAttesterSlashings()).toHaveLength(0);
    await db.close();
  });

  it("names the beacon proposers of the head's epoch and the next, and keeps the duty state it prepared", async () => {
    const { db, beacon: chain } = await openBeacon(tempDir("shardnet-proposers-"));
    const spe = chain.preset.SLOTS_PER_EPOCH;
    const imported = chain.importBlock(proposeAt(chain, 1));
    await (imported as { persisted?: Promise<void> }).persisted;
    const prepared = chain.headStateAt(spe + 1); // what a duty at the next epoch's second slot prepared
    const current = chain.beaconProposersOf(0);
    expect(current).toEqual(
      Array.from({ length: spe }, (_, i) => chain.head().state.epochCtx.getBeaconProposer(i)),
    );
    expect(chain.beaconProposersOf(1)).toEqual(
      Array.from({ length: spe }, (_, i) => prepared.epochCtx.getBeaconProposer(spe + i)),
    );
    expect(chain.beaconProposersOf(2)).toBeUndefined();
    expect(chain.headStateAt(spe + 1)).toBe(prepared); // the API's lookup did not replace it
    await db.close();
  });
});
