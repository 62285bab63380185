import { getBls, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { MAX_STAKE } from "../../src/params/constants.js";
import {
  depositReceipt,
  Receipt,
  receiptGindex,
  ShardSimulation,
  signDepositData,
  signDepositTransaction,
  TransferWorkload,
} from "../../src/shard/index.js";
import { isValidBranch } from "../../src/shard/merkle.js";
import type { CrosslinkValue, DepositTransactionValue } from "../../src/types/index.js";
import { accountsOnShard, type DevAccount, genesisAllocations, SHARD_COUNT } from "./helpers.js";

/** mulberry32 */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("multi-shard simulation", () => {
  it("moves value within and across shards, credits every receipt once after crosslinking, conserves supply", () => {
    const allocations = genesisAllocations(3);
    const sim = new ShardSimulation({ shardCount: SHARD_COUNT, maxTransactions: 8, allocations });
    const fundedKeys = Array.from({ length: SHARD_COUNT }, (_, shard) =>
      accountsOnShard(shard, 3).map((a) => a.keys),
    ).flat();
    const workload = new TransferWorkload({
      accounts: fundedKeys,
      shardCount: SHARD_COUNT,
      crossShardShare: 0.5,
      random: seeded(42),
    });
    // The beacon side: crosslink each shard's head of the previous slot.
    let crosslinks: CrosslinkValue[] = sim.heads.map((head) => ({
      shard: head.shard,
      slot: 0,
      shardBlockRoot: head.latestBlockRoot,
      stateRoot: head.hashTreeRoot(),
      outboxRoot: head.outboxRoot(),
      parentCrosslinkRoot: new Uint8Array(32),
    }));
    for (let slot = 1; slot <= 12; slot++) {
      if (slot <= 8) workload.submit(sim, 10);
      const next: CrosslinkValue[] = [];
      for (let shard = 0; shard < SHARD_COUNT; shard++) {
        const { blockRoot, header } = sim.produceBlock({
          shard,
          slot,
          proposerIndex: shard,
          beaconBlockRoot: new Uint8Array(32).fill(slot),
          crosslinks,
        });
        next.push({
          ...crosslinks[shard],
          slot,
          shardBlockRoot: blockRoot,
          stateRoot: header.stateRoot,
          outboxRoot: header.outboxRoot,
        });
      }
      crosslinks = next;
      sim.pruneStates(crosslinks);
      expect(sim.isSupplyConserved()).toBe(true);
    }
    expect(sim.stats.txsIncluded).toBeGreaterThan(40);
    expect(sim.stats.receiptsSent).toBeGreaterThan(10);
    expect(sim.stats.receiptsCredited).toBe(sim.stats.receiptsSent);
  });
});

describe("multi-shard simulation: deposits", () => {
  const bls = getBls();
  const genesisRoot = new Uint8Array(32).fill(9);
  const [alice, bob] = accountsOnShard(2, 2) as [DevAccount, DevAccount];
  const allocations = [alice, bob].map((a) => ({ address: a.address, balance: 10n * MAX_STAKE }));

  function deposit(
    from: DevAccount,
    nonce: number,
    validator: number,
    signer = validator,
  ): DepositTransactionValue {
    const data = signDepositData(
      bls.secretKeyFromBytes(interopSecretKey(signer)),
      { withdrawalAddress: from.address, amount: MAX_STAKE },
      genesisRoot,
    );
    data.pubkey = bls.secretKeyFromBytes(interopSecretKey(validator)).toPublicKey().toBytes();
    return signDepositTransaction(
      { from: from.address, nonce, fee: 3n, pubkey: from.keys.publicKey, deposit: data },
      from.keys.secretKey,
      genesisRoot,
    );
  }

  it("includes pending deposits in the sender shard's block, proves them against its crosslink, drops refused ones", () => {
    const sim = new ShardSimulation({
      shardCount: SHARD_COUNT,
      maxTransactions: 8,
      allocations,
      deposits: { genesisRoot, bls },
    });
    const txs = [deposit(alice, 0, 100), deposit(alice, 1, 101), deposit(bob, 0, 102, 999)];
    for (const tx of txs) sim.submitDeposit(tx);
    expect(sim.pendingDepositCount).toBe(3);
    const produced = sim.produceBlock({
      shard: 2,
      slot: 1,
      proposerIndex: 0,
      beaconBlockRoot: new Uint8Array(32),
      crosslinks: [],
    });
    // Bob's has a bad proof of possession: refused, dropped, counted.
    expect(produced.block.body.deposits).toHaveLength(2);
    expect(sim.pendingDepositCount).toBe(0);
    expect(sim.stats).toMatchObject({ depositsSubmitted: 3, depositsIncluded: 2, depositsRejected: 1 });
    // Deposit receipts go to the beacon chain: not counted as shard→shard receipts.
    expect(sim.stats.receiptsSent).toBe(0);
    expect(sim.isSupplyConserved()).toBe(true);
    const head = sim.heads[2]!;
    expect(head.sentAmount(head.beaconOutbox)).toBe(2n * MAX_STAKE);
    expect(sim.depositsRegisteredProblem([0n, 0n, 2n * MAX_STAKE, 0n])).toBeNull();
    expect(sim.depositsRegisteredProblem([0n, 0n, 3n * MAX_STAKE, 0n])).toMatch(/registered .* from shard 2/);

    const crosslink: CrosslinkValue = {
      shard: 2,
      slot: 1,
      shardBlockRoot: produced.blockRoot,
      stateRoot: produced.header.stateRoot,
      outboxRoot: produced.header.outboxRoot,
      parentCrosslinkRoot: new Uint8Array(32),
    };
    const check = (cursor: number) => {
      const proven = sim.provenDeposits(crosslink, cursor, 16);
      expect(proven).toHaveLength(2 - cursor);
      proven.forEach((d, i) => {
        const seq = cursor + i;
        expect(d.transaction).toEqual(txs[seq]);
        const leaf = Receipt.hashTreeRoot(depositReceipt(d.transaction, 2, SHARD_COUNT, seq));
        expect(isValidBranch(leaf, d.branch, receiptGindex(SHARD_COUNT, seq), crosslink.outboxRoot)).toBe(
          true,
        );
      });
    };
    check(0);
    expect(sim.provenDeposits(crosslink, 0, 1)).toHaveLength(1);
    // Once a finalized beacon state registered the first, it is forgotten; the second is still provable.
    sim.pruneDeposits([0, 0, 1, 0]);
    check(1);
    expect(() => sim.provenDeposits(crosslink, 0, 16)).toThrow();
    expect(sim.provenDeposits(crosslink, 2, 16)).toEqual([]);
    // A crosslink to a block whose state is not kept proves nothing.
    expect(sim.provenDeposits({ ...crosslink, shardBlockRoot: new Uint8Array(32).fill(1) }, 0, 16)).toEqual(
      [],
    );
  });

  it("refuses deposits when the simulation has no network to check them against", () => {
    const sim = new ShardSimulation({ shardCount: SHARD_COUNT, maxTransactions: 8, allocations });
    expect(() => sim.submitDeposit(deposit(alice, 0, 100))).toThrow(/options.deposits/);
  });
});
