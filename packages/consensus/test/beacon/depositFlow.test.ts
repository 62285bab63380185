import { getBls } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { cloneCachedState } from "../../src/cache/cachedState.js";
import { MAX_STAKE, MIN_DEPOSIT_STAKE } from "../../src/params/constants.js";
import {
  buildReceiptProof,
  createShardGenesisState,
  crosslinkLookupFromList,
  type DepositValidationContext,
  isSupplyConserved,
  OutboxLog,
  processShardBlock,
  produceShardBlock,
  ShardBlockError,
  signDepositData,
  signDepositTransaction,
  validateDepositTransaction,
} from "../../src/shard/index.js";
import { stateTransition } from "../../src/stateTransition/stateTransition.js";
import type { DepositTransactionValue } from "../../src/types/index.js";
import { accountsOnShard, type DevAccount, SHARD_COUNT } from "../shard/helpers.js";
import { createTestChain, makeSignedBlock, secretKey } from "./harness.js";

const chain = createTestChain(64);
const BALANCE = 100n * MAX_STAKE;
const bls = getBls();
const [alice, bob, poor] = accountsOnShard(1, 3) as [DevAccount, DevAccount, DevAccount];
const allocations = [
  ...[alice, bob].map((a) => ({ address: a.address, balance: BALANCE })),
  { address: poor.address, balance: MAX_STAKE },
];
const context = {
  shardCount: SHARD_COUNT,
  maxTransactions: 16,
  crosslinks: crosslinkLookupFromList([]),
  deposits: { genesisRoot: chain.genesisRoot, bls },
};

function depositTx(
  from: DevAccount,
  validator: number,
  options: { nonce?: number; amount?: bigint; signer?: number; genesisRoot?: Uint8Array } = {},
): DepositTransactionValue {
  const data = signDepositData(
    secretKey(options.signer ?? validator),
    { withdrawalAddress: from.address, amount: options.amount ?? MAX_STAKE },
    options.genesisRoot ?? chain.genesisRoot,
  );
  data.pubkey = secretKey(validator).toPublicKey().toBytes();
  return signDepositTransaction(
    { from: from.address, nonce: options.nonce ?? 0, fee: 7n, pubkey: from.keys.publicKey, deposit: data },
    from.keys.secretKey,
    options.genesisRoot ?? chain.genesisRoot,
  );
}

describe("deposits: paid on a shard, registered on the beacon chain", () => {
  it("a shard block debits the sender and sends the receipt to its beacon outbox; the beacon chain registers it against the crosslink", () => {
    expect(SHARD_COUNT).toBe(chain.genesis.preset.SHARD_COUNT);
    const genesis = createShardGenesisState(1, SHARD_COUNT, allocations);
    const supply = 2n * BALANCE + MAX_STAKE;
    const produced = produceShardBlock(
      genesis,
      {
        slot: 1,
        proposerIndex: 0,
        beaconBlockRoot: new Uint8Array(32),
        transactions: [],
        pendingReceipts: [],
        deposits: [depositTx(alice, 64)],
      },
      context,
    );
    expect(produced.skippedDeposits).toEqual([]);
    const post = produced.postState;
    expect(post.getAccount(alice.address)?.balance).toBe(BALANCE - MAX_STAKE - 7n);
    expect(post.outboxLength(post.beaconOutbox)).toBe(1);
    expect(post.sentAmount(post.beaconOutbox)).toBe(MAX_STAKE);
    expect(isSupplyConserved([post], supply)).toBe(true);
    // Every node re-validates the block with its deposit.
    expect(processShardBlock(genesis, produced.block, context).postState.hashTreeRoot()).toEqual(
      post.hashTreeRoot(),
    );

    // Crosslinked: the beacon state's crosslink for shard 1 now carries this block's outboxRoot.
    const log = OutboxLog.fromState(genesis);
    for (const receipt of produced.receiptsSent) log.append(receipt);
    const proof = buildReceiptProof(post, log, post.beaconOutbox, 0);
    const pre = cloneCachedState(chain.state);
    pre.state.currentCrosslinks.get(1).outboxRoot = produced.block.header.outboxRoot;
    const deposit = { transaction: produced.block.body.deposits[0]!, branch: proof.branch };
    const beacon = stateTransition(
      pre,
      makeSignedBlock(chain, pre, 1, (body) => void body.deposits.push(deposit)),
    );
    expect(beacon.state.validators.length).toBe(65);
    expect(beacon.state.validators.getReadonly(64).stake).toBe(MAX_STAKE);
    expect(beacon.state.depositedAmounts.get(1)).toBe(post.sentAmount(post.beaconOutbox));
  });

  it("refuses deposits below the minimum, with a bad proof of possession or signature, or for another network, and changes nothing", () => {
    const genesis = createShardGenesisState(1, SHARD_COUNT, allocations);
    const check = (
      tx: DepositTransactionValue,
      ctx: DepositValidationContext = { shardCount: SHARD_COUNT, ...context.deposits },
    ) => validateDepositTransaction(tx, genesis, ctx);
    expect(check(depositTx(alice, 64))).toEqual({ ok: true });
    expect(check(depositTx(alice, 64, { amount: MIN_DEPOSIT_STAKE - 1n }))).toMatchObject({
      ok: false,
      reason: "deposit_amount",
    });
    expect(check(depositTx(alice, 64, { amount: MAX_STAKE + 1n }))).toMatchObject({
      ok: false,
      reason: "deposit_amount",
    });
    expect(check(depositTx(alice, 64, { signer: 65 }))).toMatchObject({
      ok: false,
      reason: "bad_proof_of_possession",
    });
    expect(check(depositTx(alice, 64, { genesisRoot: new Uint8Array(32).fill(1) }))).toMatchObject({
      ok: false,
      reason: "bad_signature",
    });
    const forged = { ...depositTx(alice, 64), pubkey: bob.keys.publicKey };
    expect(check(forged)).toMatchObject({ ok: false, reason: "pubkey_mismatch" });
    expect(check(depositTx(alice, 64, { nonce: 1 }))).toMatchObject({ ok: false, reason: "nonce_gap" });
    expect(check(depositTx(poor, 64))).toMatchObject({ ok: false, reason: "insufficient_balance" });
    const [carol] = accountsOnShard(2, 1) as [DevAccount];
    expect(check(depositTx(carol, 64))).toMatchObject({ ok: false, reason: "wrong_shard" });

    // Production skips them; a block holding one is invalid; the pre-state never changes.
    const before = genesis.hashTreeRoot();
    const produced = produceShardBlock(
      genesis,
      {
        slot: 1,
        proposerIndex: 0,
        beaconBlockRoot: new Uint8Array(32),
        transactions: [],
        pendingReceipts: [],
        deposits: [depositTx(alice, 64, { signer: 65 }), depositTx(alice, 66)],
      },
      context,
    );
    expect(produced.skippedDeposits.map((s) => s.reason)).toEqual(["bad_proof_of_possession"]);
    expect(produced.block.body.deposits).toHaveLength(1);
    const bad = structuredClone(produced.block);
    bad.body.deposits[0] = depositTx(alice, 66, { signer: 65 });
    expect(() => processShardBlock(genesis, bad, context)).toThrow(ShardBlockError);
    const { deposits: _d, ...noBls } = context;
    expect(() => processShardBlock(genesis, produced.block, noBls)).toThrow(/cannot validate deposits/);
    expect(genesis.hashTreeRoot()).toEqual(before);
  });
});
