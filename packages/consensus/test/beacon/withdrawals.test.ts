import { describe, expect, it } from "vitest";
import type { CachedBeaconState } from "../../src/cache/cachedState.js";
import { cloneCachedState } from "../../src/cache/cachedState.js";
import { DOMAIN_VOLUNTARY_EXIT, EPOCHS_PER_SLASHINGS_VECTOR, MAX_STAKE } from "../../src/params/constants.js";
import { withdrawalReceiptProofs } from "../../src/production/withdrawalProofs.js";
import {
  checkIncomingReceipt,
  crosslinkLookupFromList,
  isSupplyConserved,
  processShardBlock,
  produceShardBlock,
  withdrawalsCredited,
  withdrawalsCreditedProblem,
} from "../../src/shard/index.js";
import { slashValidator } from "../../src/stateTransition/accessors.js";
import { stakeLedgerProblem, withdrawalTxHash } from "../../src/stateTransition/epoch/withdrawals.js";
import { processSlots } from "../../src/stateTransition/slots.js";
import { stateTransition } from "../../src/stateTransition/stateTransition.js";
import { VoluntaryExit } from "../../src/types/beacon.js";
import { computeDomain, computeSigningRoot } from "../../src/util/signing.js";
import { withdrawableEpoch } from "../../src/util/validator.js";
import {
  accountsOnShard,
  genesisAllocations,
  genesisStates,
  INITIAL_BALANCE,
  SHARD_COUNT,
} from "../shard/helpers.js";
import { createTestChain, makeSignedBlock, secretKey } from "./harness.js";

const chain = createTestChain(64);
const preset = chain.genesis.preset;
const GENESIS_STAKE = MAX_STAKE * 64n;
const SHARD_SUPPLY = INITIAL_BALANCE * BigInt(genesisAllocations(2).length);
const [carol] = accountsOnShard(1, 1);

function exit(validatorIndex: number) {
  const message = { epoch: 0, validatorIndex };
  const root = computeSigningRoot(
    VoluntaryExit.hashTreeRoot(message),
    computeDomain(DOMAIN_VOLUNTARY_EXIT, chain.genesisRoot),
  );
  return { message, signature: secretKey(validatorIndex).sign(root).toBytes() };
}

/** Validator 3, withdrawing to carol (shard 1), exits at slot 64: exit epoch 16, withdrawable from epoch 20. */
function exited(): CachedBeaconState {
  const pre = cloneCachedState(chain.state);
  pre.state.validators.get(3).withdrawalAddress = carol!.address;
  pre.state.commit();
  return stateTransition(
    pre,
    makeSignedBlock(chain, pre, 64, (body) => void body.voluntaryExits.push(exit(3))),
  );
}

function beaconSource(state: CachedBeaconState, blockRoot: Uint8Array) {
  return {
    source: SHARD_COUNT,
    slot: state.state.slot,
    blockRoot,
    withdrawalOutboxRoot: state.state.withdrawalOutboxes.hashTreeRoot(),
  };
}

describe("withdrawals", () => {
  it("send an exited validator's stake to its withdrawal address at its withdrawable epoch, once", () => {
    const post = exited();
    const v = post.state.validators.getReadonly(3);
    expect(v.exitEpoch).toBe(16);
    expect(withdrawableEpoch(preset, v)).toBe(16 + preset.MIN_VALIDATOR_WITHDRAWABILITY_DELAY);

    // The last slot before epoch 19 ends: nothing sent yet.
    const before = processSlots(post, 19 * preset.SLOTS_PER_EPOCH);
    expect(before.state.validators.getReadonly(3).stake).toBe(MAX_STAKE);
    expect(before.state.withdrawalOutboxes.getReadonly(1).length).toBe(0);
    expect(stakeLedgerProblem(before.state, GENESIS_STAKE)).toBeNull();

    // Epoch 19's processing sends it (withdrawable by epoch 20), and no epoch after sends it again.
    const after = processSlots(before, 22 * preset.SLOTS_PER_EPOCH);
    expect(after.state.validators.getReadonly(3).stake).toBe(0n);
    const outbox = after.state.withdrawalOutboxes.getReadonly(1);
    expect(outbox.length).toBe(1);
    expect(outbox.getReadonly(0).toValue()).toMatchObject({
      source: SHARD_COUNT,
      dest: 1,
      seq: 0,
      to: carol!.address,
      amount: MAX_STAKE,
      txHash: withdrawalTxHash(3, 19),
    });
    expect(after.state.withdrawnAmounts.getAll()).toEqual([0n, MAX_STAKE, 0n, 0n]);
    expect(stakeLedgerProblem(after.state, GENESIS_STAKE)).toBeNull();
    // Every other validator keeps its stake.
    expect(after.state.validators.getReadonly(4).stake).toBe(MAX_STAKE);
  });

  it("a slashed validator waits EPOCHS_PER_SLASHINGS_VECTOR epochs, and its burned stake is in the ledger", () => {
    const state = cloneCachedState(chain.state);
    slashValidator(preset, state.state, 5);
    const v = state.state.validators.getReadonly(5);
    expect(withdrawableEpoch(preset, v)).toBe(v.exitEpoch + EPOCHS_PER_SLASHINGS_VECTOR);
    expect(state.state.burnedStake).toBeGreaterThan(0n);
    expect(stakeLedgerProblem(state.state, GENESIS_STAKE)).toBeNull();
    state.state.burnedStake = 0n;
    expect(stakeLedgerProblem(state.state, GENESIS_STAKE)).toMatch(/≠ genesis stake/);
  });

  it("the destination shard credits the receipt proven against the beacon state its block builds on, exactly once", () => {
    const beacon = processSlots(exited(), 20 * preset.SLOTS_PER_EPOCH);
    const blockRoot = new Uint8Array(32).fill(9); // the beacon block whose post-state `beacon` stands for
    const ctx = {
      shardCount: SHARD_COUNT,
      maxTransactions: 100,
      crosslinks: crosslinkLookupFromList([], beaconSource(beacon, blockRoot)),
    };
    const states = genesisStates(2);
    const proofs = withdrawalReceiptProofs(beacon.state, SHARD_COUNT, 1, 0, 16, {
      slot: beacon.state.slot,
      blockRoot,
    });
    expect(proofs).toHaveLength(1);
    const credited = produceShardBlock(
      states[1]!,
      { slot: 1, proposerIndex: 0, beaconBlockRoot: blockRoot, transactions: [], pendingReceipts: proofs },
      ctx,
    );
    expect(credited.block.body.incomingReceipts).toHaveLength(1);
    expect(credited.postState.getAccount(carol!.address)?.balance).toBe(INITIAL_BALANCE + MAX_STAKE);
    expect(credited.postState.inboxCursor(SHARD_COUNT)).toBe(1);
    expect(processShardBlock(states[1]!, credited.block, ctx).postState.hashTreeRoot()).toEqual(
      credited.postState.hashTreeRoot(),
    );

    // Supply: the shards' ledger nets the credit out; the crossing check holds against the beacon state.
    const heads = [states[0]!, credited.postState, states[2]!, states[3]!];
    expect(isSupplyConserved(heads, SHARD_SUPPLY)).toBe(true);
    expect(withdrawalsCredited(heads)).toBe(MAX_STAKE);
    expect(withdrawalsCreditedProblem(heads, beacon.state.withdrawnAmounts.getAll())).toBeNull();
    expect(withdrawalsCreditedProblem(heads, [0n, 0n, 0n, 0n])).toMatch(/shard 1 credited/);

    // Credited twice: refused as a replay, and a block carrying it again is invalid.
    expect(checkIncomingReceipt(credited.postState, proofs[0]!, ctx.crosslinks)).toMatchObject({
      ok: false,
      reason: "receipt_replay",
    });
    const again = produceShardBlock(
      credited.postState,
      { slot: 2, proposerIndex: 0, beaconBlockRoot: blockRoot, transactions: [], pendingReceipts: proofs },
      ctx,
    );
    expect(again.block.body.incomingReceipts).toHaveLength(0);
    expect(again.postState.getAccount(carol!.address)?.balance).toBe(INITIAL_BALANCE + MAX_STAKE);
  });

  it("refuses a forged withdrawal, one against another beacon block, and one the lookup has no beacon state for", () => {
    const beacon = processSlots(exited(), 20 * preset.SLOTS_PER_EPOCH);
    const blockRoot = new Uint8Array(32).fill(9);
    const [proof] = withdrawalReceiptProofs(beacon.state, SHARD_COUNT, 1, 0, 16, {
      slot: beacon.state.slot,
      blockRoot,
    });
    const state = genesisStates(2)[1]!;
    const lookup = crosslinkLookupFromList([], beaconSource(beacon, blockRoot));
    expect(checkIncomingReceipt(state, proof!, lookup)).toEqual({ ok: true });
    const forged = { ...proof!, receipt: { ...proof!.receipt, amount: proof!.receipt.amount * 2n } };
    expect(checkIncomingReceipt(state, forged, lookup)).toMatchObject({ reason: "bad_receipt_proof" });
    const otherBlock = { ...proof!, crosslinkBlockRoot: new Uint8Array(32).fill(8) };
    expect(checkIncomingReceipt(state, otherBlock, lookup)).toMatchObject({ reason: "unknown_crosslink" });
    expect(checkIncomingReceipt(state, proof!, crosslinkLookupFromList([]))).toMatchObject({
      reason: "unknown_crosslink",
    });
    // A beacon state from before the withdrawal: the receipt is not under its root.
    const early = processSlots(exited(), 19 * preset.SLOTS_PER_EPOCH);
    expect(
      checkIncomingReceipt(
        state,
        proof!,
        crosslinkLookupFromList([], { ...beaconSource(early, blockRoot), slot: beacon.state.slot }),
      ),
    ).toMatchObject({ reason: "bad_receipt_proof" });
    // A source beyond the beacon chain's index.
    const beyond = { ...proof!, receipt: { ...proof!.receipt, source: SHARD_COUNT + 1 } };
    expect(checkIncomingReceipt(state, beyond, lookup)).toMatchObject({ reason: "wrong_source" });
  });
});
