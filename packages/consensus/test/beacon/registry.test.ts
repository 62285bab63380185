import { describe, expect, it } from "vitest";
import {
  DOMAIN_DEPOSIT,
  DOMAIN_VOLUNTARY_EXIT,
  FAR_FUTURE_EPOCH,
  MAX_STAKE,
} from "../../src/params/constants.js";
import { processSlots } from "../../src/stateTransition/slots.js";
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
    // Epoch 8 (slot 64): genesis validators have been active MIN_VALIDATOR_ACTIVE_PERIODS (2) periods of 4 epochs.
    const post = stateTransition(
      genesis,
      makeSignedBlock(chain, genesis, 64, (body) => void body.voluntaryExits.push(exit(3))),
    );
    expect(post.state.validators.getReadonly(3).exitEpoch).toBe(16);
    expect(() =>
      stateTransition(
        genesis,
        makeSignedBlock(chain, genesis, 64, (body) => void body.voluntaryExits.push(exit(3, 4))),
      ),
    ).toThrow(/INVALID_SIGNATURE/);
  });

  it("refuses an exit before MIN_VALIDATOR_ACTIVE_PERIODS, and of an unknown or already exiting validator", () => {
    expect(() =>
      stateTransition(
        genesis,
        makeSignedBlock(chain, genesis, 63, (body) => void body.voluntaryExits.push(exit(3))),
      ),
    ).toThrow(
      /BAD_EXIT: voluntaryExits\[0\] \(validator 3\): active since epoch 0, it may exit from epoch 8/,
    );
    expect(() =>
      stateTransition(
        genesis,
        makeSignedBlock(chain, genesis, 64, (body) => void body.voluntaryExits.push(exit(64, 3))),
      ),
    ).toThrow(/BAD_EXIT: .*unknown validator/);
    const exited = stateTransition(
      genesis,
      makeSignedBlock(chain, genesis, 64, (body) => void body.voluntaryExits.push(exit(3))),
    );
    expect(() =>
      stateTransition(
        exited,
        makeSignedBlock(chain, exited, 65, (body) => void body.voluntaryExits.push(exit(3))),
      ),
    ).toThrow(/BAD_EXIT: .*exit already scheduled/);
  });

  it("exits and activations queue: at most the churn limit per epoch times the period's epochs take effect at one period start", () => {
    // local: churn max(4, 64 / 65536) = 4 per epoch, 4 epochs per period → 16 changes per period start.
    const sixteen = Array.from({ length: 16 }, (_, i) => i);
    const first = stateTransition(
      genesis,
      makeSignedBlock(
        chain,
        genesis,
        64,
        (body) => void body.voluntaryExits.push(...sixteen.map((i) => exit(i))),
      ),
    );
    for (const i of sixteen) expect(first.state.validators.getReadonly(i).exitEpoch).toBe(16);
    const second = stateTransition(
      first,
      makeSignedBlock(chain, first, 65, (body) => void body.voluntaryExits.push(exit(16))),
    );
    expect(second.state.validators.getReadonly(16).exitEpoch).toBe(20);

    const deposited = stateTransition(
      genesis,
      makeSignedBlock(chain, genesis, 1, (body) => {
        for (let i = 0; i < 16; i++) body.deposits.push(deposit(64 + i));
      }),
    );
    for (let i = 64; i < 80; i++) expect(deposited.state.validators.getReadonly(i).activationEpoch).toBe(8);
    const queued = stateTransition(
      deposited,
      makeSignedBlock(chain, deposited, 2, (body) => void body.deposits.push(deposit(80))),
    );
    expect(queued.state.validators.getReadonly(80).activationEpoch).toBe(12);
  });
});

describe("pubkey cache across forks", () => {
  it("a deposit on one fork does not block the same deposit on another; a conflicting index gets its own key", () => {
    const forked = createTestChain(64);
    const root = forked.state;
    const depositOn = (pre: typeof root, index: number) =>
      stateTransition(
        pre,
        makeSignedBlock(forked, pre, 1, (body) => void body.deposits.push(depositFor(forked, index))),
      );
    const forkA = depositOn(root, 64);
    const forkAEpoch1 = processSlots(forkA, 8); // new EpochContext: key 64 enters the shared cache at index 64
    expect(forkAEpoch1.epochCtx.pubkeys.get(64).toBytes()).toEqual(secretKey(64).toPublicKey().toBytes());

    const forkB = depositOn(root, 65); // index 64 = key 65 on this fork
    const forkBEpoch1 = processSlots(forkB, 8);
    expect(forkBEpoch1.epochCtx.pubkeys.get(64).toBytes()).toEqual(secretKey(65).toPublicKey().toBytes());
    expect(forkBEpoch1.epochCtx.pubkeys.indexOf(secretKey(64).toPublicKey().toBytes())).toBeUndefined();
    expect(() => depositOn(root, 64)).not.toThrow();
    expect(() =>
      stateTransition(
        forkBEpoch1,
        makeSignedBlock(forked, forkBEpoch1, 9, (body) => void body.deposits.push(depositFor(forked, 65))),
      ),
    ).toThrow(/DUPLICATE_DEPOSIT/);
  });
});

function depositFor(c: ReturnType<typeof createTestChain>, index: number) {
  const pubkey = secretKey(index).toPublicKey().toBytes();
  const message = computeSigningRoot(
    DepositMessage.hashTreeRoot({ pubkey, stake: MAX_STAKE }),
    computeDomain(DOMAIN_DEPOSIT, c.genesisRoot),
  );
  return { pubkey, stake: MAX_STAKE, signature: secretKey(index).sign(message).toBytes() };
}

describe("ejection", () => {
  it("a validator whose stake fell below half of MAX_STAKE is ejected at the epoch boundary", () => {
    const lastSlotOfEpoch0 = processSlots(genesis, 7);
    lastSlotOfEpoch0.state.validators.get(10).stake = MAX_STAKE / 2n - 1n;
    lastSlotOfEpoch0.state.validators.get(11).stake = MAX_STAKE / 2n;
    const next = processSlots(lastSlotOfEpoch0, 8);
    expect(next.state.validators.getReadonly(10).exitEpoch).toBe(8);
    expect(next.state.validators.getReadonly(11).exitEpoch).toBe(FAR_FUTURE_EPOCH);
  });
});
