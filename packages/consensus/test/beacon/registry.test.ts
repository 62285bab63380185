import { describe, expect, it } from "vitest";
import {
  DOMAIN_VOLUNTARY_EXIT,
  FAR_FUTURE_EPOCH,
  MAX_STAKE,
  MIN_DEPOSIT_STAKE,
} from "../../src/params/constants.js";
import { processSlots } from "../../src/stateTransition/slots.js";
import { stateTransition } from "../../src/stateTransition/stateTransition.js";
import { VoluntaryExit } from "../../src/types/beacon.js";
import type { DepositValue } from "../../src/types/index.js";
import { computeDomain, computeSigningRoot } from "../../src/util/signing.js";
import { TestDepositOutbox } from "./depositHarness.js";
import { createTestChain, makeSignedBlock, secretKey } from "./harness.js";

const chain = createTestChain(64);
const genesis = chain.state;

function exit(validatorIndex: number, signer = validatorIndex) {
  const message = { epoch: 0, validatorIndex };
  const root = computeSigningRoot(
    VoluntaryExit.hashTreeRoot(message),
    computeDomain(DOMAIN_VOLUNTARY_EXIT, chain.genesisRoot),
  );
  return { message, signature: secretKey(signer).sign(root).toBytes() };
}

describe("registry operations", () => {
  it("a deposit paid on a shard and proven against its crosslink adds a validator active from the period after next (epoch 8 on local)", () => {
    const outbox = new TestDepositOutbox(chain, 1);
    outbox.add(64);
    const pre = outbox.crosslinkedOnto(genesis);
    const post = stateTransition(
      pre,
      makeSignedBlock(chain, pre, 1, (body) => void body.deposits.push(outbox.deposit(0))),
    );
    expect(post.state.validators.length).toBe(65);
    const v = post.state.validators.getReadonly(64);
    expect(v.pubkey).toEqual(secretKey(64).toPublicKey().toBytes());
    expect(v.stake).toBe(MAX_STAKE);
    expect(v.withdrawalAddress).toEqual(outbox.transactions[0]!.from);
    expect(v.activationEpoch).toBe(8);
    expect(v.exitEpoch).toBe(FAR_FUTURE_EPOCH);
    expect(post.state.currentEpochParticipation.length).toBe(65);
    expect(post.state.depositCursors.getAll()).toEqual([0, 1, 0, 0]);
    expect(post.state.depositedAmounts.getAll()).toEqual([0n, MAX_STAKE, 0n, 0n]);
  });

  it("refuses forged, unproven, replayed, out-of-order and tampered deposits, below the minimum or without proof of possession, and changes nothing", () => {
    const outbox = new TestDepositOutbox(chain, 1);
    outbox.add(64);
    outbox.add(65);
    outbox.add(66, { amount: MIN_DEPOSIT_STAKE - 1n });
    outbox.add(67, { signer: 68 });
    const pre = outbox.crosslinkedOnto(genesis);
    const refused = (state: typeof pre, slot: number, ...deposits: DepositValue[]) =>
      expect(() =>
        stateTransition(
          state,
          makeSignedBlock(chain, state, slot, (body) => void body.deposits.push(...deposits)),
        ),
      );
    // Not crosslinked: the genesis crosslink's outbox root is zero.
    refused(genesis, 1, outbox.deposit(0)).toThrow(
      /BAD_DEPOSIT: deposits\[0\] \(shard 1, deposit 0\): not proven/,
    );
    // Forged: a deposit that shard never paid (another outbox's receipt), under the real crosslink.
    const forger = new TestDepositOutbox(chain, 1);
    forger.add(70);
    refused(pre, 1, forger.deposit(0)).toThrow(/BAD_DEPOSIT: .*not proven/);
    // Tampered: more stake than paid.
    const tampered = outbox.deposit(0);
    tampered.transaction.deposit.amount *= 2n;
    refused(pre, 1, tampered).toThrow(/BAD_DEPOSIT: .*not proven/);
    // Out of order, and replayed.
    refused(pre, 1, outbox.deposit(1)).toThrow(
      /BAD_DEPOSIT: deposits\[0\] \(shard 1, deposit 0\): not proven/,
    );
    refused(pre, 1, outbox.deposit(0), outbox.deposit(0)).toThrow(
      /BAD_DEPOSIT: deposits\[1\] \(shard 1, deposit 1\)/,
    );
    const first = stateTransition(
      pre,
      makeSignedBlock(chain, pre, 1, (body) => void body.deposits.push(outbox.deposit(0), outbox.deposit(1))),
    );
    refused(first, 2, outbox.deposit(0)).toThrow(/BAD_DEPOSIT: .*deposit 2\): not proven/);
    // Below the minimum, and a proof of possession signed by another key.
    refused(first, 2, outbox.deposit(2)).toThrow(/BAD_DEPOSIT: .*below the minimum/);
    const skipped = stateTransition(
      first,
      makeSignedBlock(chain, first, 2, () => {}),
    );
    skipped.state.depositCursors.set(1, 3); // as if deposit 2 had been consumed, to reach deposit 3
    refused(skipped, 3, outbox.deposit(3)).toThrow(
      /INVALID_SIGNATURE: deposits\[0\] \(shard 1, deposit 3\) proof of possession/,
    );
    // Nothing changed in the states the refused blocks were applied to.
    expect(pre.state.depositCursors.get(1)).toBe(0);
    expect(pre.state.validators.length).toBe(64);
    expect(first.state.depositCursors.get(1)).toBe(2);
    expect(first.state.validators.length).toBe(66);
  });

  it("a deposit for a key already registered tops up its stake (Ethereum's rule): no second validator", () => {
    const outbox = new TestDepositOutbox(chain, 2);
    outbox.add(5, { amount: MIN_DEPOSIT_STAKE });
    const pre = outbox.crosslinkedOnto(genesis);
    const post = stateTransition(
      pre,
      makeSignedBlock(chain, pre, 1, (body) => void body.deposits.push(outbox.deposit(0))),
    );
    expect(post.state.validators.length).toBe(64);
    expect(post.state.validators.getReadonly(5).stake).toBe(MAX_STAKE + MIN_DEPOSIT_STAKE);
    expect(post.state.depositedAmounts.get(2)).toBe(MIN_DEPOSIT_STAKE);
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

    const outbox = new TestDepositOutbox(chain, 0);
    for (let i = 0; i < 17; i++) outbox.add(64 + i);
    const pre = outbox.crosslinkedOnto(genesis);
    const deposited = stateTransition(
      pre,
      makeSignedBlock(chain, pre, 1, (body) => {
        for (let i = 0; i < 16; i++) body.deposits.push(outbox.deposit(i));
      }),
    );
    for (let i = 64; i < 80; i++) expect(deposited.state.validators.getReadonly(i).activationEpoch).toBe(8);
    const queued = stateTransition(
      deposited,
      makeSignedBlock(chain, deposited, 2, (body) => void body.deposits.push(outbox.deposit(16))),
    );
    expect(queued.state.validators.getReadonly(80).activationEpoch).toBe(12);
  });
});

describe("pubkey cache across forks", () => {
  it("a deposit on one fork does not block the same deposit on another; a conflicting index gets its own key", () => {
    const forked = createTestChain(64);
    const root = forked.state;
    const depositOn = (pre: typeof root, index: number) => {
      const outbox = new TestDepositOutbox(forked, 3);
      outbox.add(index);
      const crosslinked = outbox.crosslinkedOnto(pre);
      const post = stateTransition(
        crosslinked,
        makeSignedBlock(forked, crosslinked, 1, (body) => void body.deposits.push(outbox.deposit(0))),
      );
      return { post, outbox };
    };
    const forkA = depositOn(root, 64).post;
    const forkAEpoch1 = processSlots(forkA, 8); // new EpochContext: key 64 enters the shared cache at index 64
    expect(forkAEpoch1.epochCtx.pubkeys.get(64).toBytes()).toEqual(secretKey(64).toPublicKey().toBytes());

    const { post: forkB, outbox: outboxB } = depositOn(root, 65); // index 64 = key 65 on this fork
    const forkBEpoch1 = processSlots(forkB, 8);
    expect(forkBEpoch1.epochCtx.pubkeys.get(64).toBytes()).toEqual(secretKey(65).toPublicKey().toBytes());
    expect(forkBEpoch1.epochCtx.pubkeys.indexOf(secretKey(64).toPublicKey().toBytes())).toBeUndefined();
    expect(() => depositOn(root, 64)).not.toThrow();
    // Key 65 again on fork B: a top-up of validator 64 there, not a new validator.
    outboxB.add(65);
    const again = outboxB.crosslinkedOnto(forkBEpoch1);
    const toppedUp = stateTransition(
      again,
      makeSignedBlock(forked, again, 9, (body) => void body.deposits.push(outboxB.deposit(1))),
    );
    expect(toppedUp.state.validators.length).toBe(65);
    expect(toppedUp.state.validators.getReadonly(64).stake).toBe(2n * MAX_STAKE);
  });
});

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
