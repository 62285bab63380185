import { describe, expect, it } from "vitest";
import { cloneCachedState } from "../../src/cache/cachedState.js";
import { DOMAIN_VOLUNTARY_EXIT, MAX_STAKE } from "../../src/params/constants.js";
import { ShardSimulation } from "../../src/shard/index.js";
import { processSlots } from "../../src/stateTransition/slots.js";
import { stateTransition } from "../../src/stateTransition/stateTransition.js";
import { VoluntaryExit } from "../../src/types/beacon.js";
import { computeDomain, computeSigningRoot } from "../../src/util/signing.js";
import { createTestChain, makeSignedBlock, secretKey } from "../beacon/harness.js";
import { accountsOnShard, genesisAllocations, INITIAL_BALANCE, SHARD_COUNT } from "./helpers.js";

const chain = createTestChain(64);
const preset = chain.genesis.preset;
const [carol] = accountsOnShard(1, 1);

/** A beacon state in which validator 3 (withdrawing to carol, shard 1) has been withdrawn: exits at 16, sent at the end of 19. */
function withdrawnBeaconState() {
  const pre = cloneCachedState(chain.state);
  pre.state.validators.get(3).withdrawalAddress = carol!.address;
  pre.state.commit();
  const message = { epoch: 0, validatorIndex: 3 };
  const root = computeSigningRoot(
    VoluntaryExit.hashTreeRoot(message),
    computeDomain(DOMAIN_VOLUNTARY_EXIT, chain.genesisRoot),
  );
  const exit = { message, signature: secretKey(3).sign(root).toBytes() };
  const post = stateTransition(
    pre,
    makeSignedBlock(chain, pre, 64, (body) => void body.voluntaryExits.push(exit)),
  );
  const beacon = processSlots(post, 20 * preset.SLOTS_PER_EPOCH);
  beacon.state.commit();
  return beacon.state;
}

describe("multi-shard simulation: withdrawals", () => {
  it("a block given the beacon state it builds on credits that state's withdrawals to its shard, once, counted apart from receipts", () => {
    const state = withdrawnBeaconState();
    expect(state.withdrawalOutboxes.getReadonly(1).length).toBe(1);
    const sim = new ShardSimulation({
      shardCount: SHARD_COUNT,
      maxTransactions: 8,
      allocations: genesisAllocations(2),
    });
    const beaconBlockRoot = new Uint8Array(32).fill(7);
    const beacon = { slot: state.slot, state };
    const block = (shard: number, slot: number, withBeacon: boolean) =>
      sim.produceBlock({
        shard,
        slot,
        proposerIndex: 0,
        beaconBlockRoot,
        crosslinks: [],
        ...(withBeacon ? { beacon } : {}),
      }).block;

    // Without the beacon state: nothing to prove against, nothing credited.
    expect(block(1, 1, false).body.incomingReceipts).toHaveLength(0);
    // With it: carol gets the stake, on shard 1 only.
    expect(block(1, 2, true).body.incomingReceipts).toHaveLength(1);
    expect(block(0, 2, true).body.incomingReceipts).toHaveLength(0);
    expect(sim.heads[1]!.getAccount(carol!.address)?.balance).toBe(INITIAL_BALANCE + MAX_STAKE);
    // Not again.
    expect(block(1, 3, true).body.incomingReceipts).toHaveLength(0);
    expect(sim.heads[1]!.getAccount(carol!.address)?.balance).toBe(INITIAL_BALANCE + MAX_STAKE);

    expect(sim.stats).toMatchObject({
      receiptsSent: 0,
      receiptsCredited: 0,
      withdrawalsCredited: 1,
      withdrawalAmountCredited: MAX_STAKE,
    });
    expect(sim.isSupplyConserved()).toBe(true);
  });
});
