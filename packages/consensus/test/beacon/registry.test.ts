import { describe, expect, it } from "vitest";
import {
  DOMAIN_DEPOSIT,
  DOMAIN_VOLUNTARY_EXIT,
  FAR_FUTURE_EPOCH,
  MAX_STAKE,
} from "../../src/params/constants.js";
import { stateTransition } from "../../src/stateTransition/stateTransition.js";
import { DepositMessage, VoluntaryExit } from "../../src/types/beacon.js";
import { computeDomain, computeSigningRoot } from "../../src/util/signing.js";
import { createTestChain, makeSignedBlock, secretKey } from "./harness.js";

const chain = createTestChain(64);
const genesis = chain.state;

function deposit(index: number, signer = index) {
  const pubkey = secretKey(index).toPublicKey().toBytes();
  const message = computeSigningRoot(
    DepositMessage.hashTreeRoot({ pubkey, stake: MAX_STAKE }),
    computeDomain(DOMAIN_DEPOSIT, chain.genesisRoot),
  );
  return { pubkey, stake: MAX_STAKE, signature: secretKey(signer).sign(message).toBytes() };
}

function exit(validatorIndex: number, signer = validatorIndex) {
  const message = { epoch: 0, validatorIndex };
  const root = computeSigningRoot(
    VoluntaryExit.hashTreeRoot(message),
    computeDomain(DOMAIN_VOLUNTARY_EXIT, chain.genesisRoot),
  );
  return { message, signature: secretKey(signer).sign(root).toBytes() };
}

describe("registry operations", () => {
  it("a deposit adds a validator active from the period after next (epoch 8 on local)", () => {
    const post = stateTransition(
      genesis,
      makeSignedBlock(chain, genesis, 1, (body) => void body.deposits.push(deposit(64))),
    );
    expect(post.state.validators.length).toBe(65);
    const v = post.state.validators.getReadonly(64);
    expect(v.activationEpoch).toBe(8);
    expect(v.exitEpoch).toBe(FAR_FUTURE_EPOCH);
    expect(post.state.currentEpochParticipation.length).toBe(65);
  });

  it("rejects a duplicate key and a deposit without proof of possession", () => {
    expect(() =>
      stateTransition(
        genesis,
        makeSignedBlock(chain, genesis, 1, (body) => void body.deposits.push(deposit(5))),
      ),
    ).toThrow(/DUPLICATE_DEPOSIT/);
    expect(() =>
      stateTransition(
        genesis,
        makeSignedBlock(chain, genesis, 1, (body) => void body.deposits.push(deposit(65, 66))),
      ),
    ).toThrow(/INVALID_SIGNATURE: deposits\[0\]/);
  });

  it("a voluntary exit schedules the exit at the period after next; a forged one is rejected", () => {
    const post = stateTransition(
      genesis,
      makeSignedBlock(chain, genesis, 1, (body) => void body.voluntaryExits.push(exit(3))),
    );
    expect(post.state.validators.getReadonly(3).exitEpoch).toBe(8);
    expect(() =>
      stateTransition(
        genesis,
        makeSignedBlock(chain, genesis, 1, (body) => void body.voluntaryExits.push(exit(3, 4))),
      ),
    ).toThrow(/INVALID_SIGNATURE/);
  });
});
