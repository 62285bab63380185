import { ContainerType } from "@chainsafe/ssz";
import { getBls, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import {
  blockTxRoot,
  crosslinkLookupFromList,
  DepositTransactions,
  getAccountProof,
  processShardBlock,
  produceShardBlock,
  type ShardBlock,
  ShardBlockError,
  type ShardBlockErrorCode,
  shardBlockRoot,
  signShardBlock,
  Transactions,
  transactionHash,
  verifyAccountProof,
  verifyShardBlockSignature,
} from "../../src/shard/index.js";
import { accountsOnShard, genesisStates, INITIAL_BALANCE, SHARD_COUNT, transfer } from "./helpers.js";

const BEACON_ROOT = new Uint8Array(32).fill(9);
const ctx = { shardCount: SHARD_COUNT, maxTransactions: 3, crosslinks: crosslinkLookupFromList([]) };

function produceOnGenesis() {
  const state = genesisStates(3)[0];
  const [alice, bob, dave] = accountsOnShard(0, 3);
  const [carol] = accountsOnShard(2, 1);
  const transactions = [
    transfer(alice, bob.address, 10n, 0),
    transfer(bob, carol.address, 20n, 0, 5n),
    transfer(alice, dave.address, 30n, 5), // nonce gap: skipped
    transfer(alice, dave.address, 40n, 1),
    transfer(dave, bob.address, 1n, 0), // over maxTransactions
  ];
  const produced = produceShardBlock(
    state,
    { slot: 3, proposerIndex: 11, beaconBlockRoot: BEACON_ROOT, transactions, pendingReceipts: [] },
    ctx,
  );
  return { state, produced, alice, bob, dave, carol };
}

function expectBlockError(fn: () => unknown, code: ShardBlockErrorCode): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ShardBlockError);
    expect((e as ShardBlockError).code).toBe(code);
    return;
  }
  throw new Error(`expected ShardBlockError ${code}`);
}

describe("shard block production and validation", () => {
  it("produces a block that skips invalid transactions, respects the cap, and re-validates", () => {
    const { state, produced, alice, dave } = produceOnGenesis();
    expect(produced.block.body.transactions).toHaveLength(3);
    expect(produced.skippedTransactions.map((s) => s.reason)).toEqual(["nonce_gap"]);
    expect(produced.receiptsSent).toHaveLength(1);
    expect(produced.postState.getAccount(alice.address)?.nonce).toBe(2);
    expect(produced.postState.getAccount(dave.address)?.balance).toBe(INITIAL_BALANCE + 40n);
    expect(state.getAccount(alice.address)?.nonce).toBe(0); // pre-state untouched
    const operations = new ContainerType({ transactions: Transactions, deposits: DepositTransactions });
    expect(produced.block.header.txRoot).toEqual(
      operations.hashTreeRoot({ transactions: produced.block.body.transactions, deposits: [] }),
    );
    const imported = processShardBlock(state, produced.block, ctx, { expectedProposerIndex: 11 });
    expect(imported.blockRoot).toEqual(shardBlockRoot(produced.block));
    expect(imported.postState.hashTreeRoot()).toEqual(produced.block.header.stateRoot);
    expect(imported.postState.latestBlockRoot).toEqual(imported.blockRoot);
    expect(imported.txHashes).toEqual(produced.txHashes);
  });

  it("rejects tampered roots, parent, slot, shard, proposer and tx count", () => {
    const { state, produced } = produceOnGenesis();
    const block = produced.block;
    const withHeader = (edit: Partial<ShardBlock["header"]>): ShardBlock => ({
      ...block,
      header: { ...block.header, ...edit },
    });
    const zero = new Uint8Array(32);
    expectBlockError(
      () => processShardBlock(state, withHeader({ stateRoot: zero }), ctx),
      "state_root_mismatch",
    );
    expectBlockError(
      () => processShardBlock(state, withHeader({ outboxRoot: zero }), ctx),
      "outbox_root_mismatch",
    );
    expectBlockError(() => processShardBlock(state, withHeader({ txRoot: zero }), ctx), "tx_root_mismatch");
    expectBlockError(
      () => processShardBlock(state, withHeader({ receiptsInRoot: zero }), ctx),
      "receipts_in_root_mismatch",
    );
    expectBlockError(
      () => processShardBlock(state, withHeader({ parentRoot: new Uint8Array(32).fill(5) }), ctx),
      "wrong_parent",
    );
    expectBlockError(() => processShardBlock(state, withHeader({ slot: 0 }), ctx), "slot_not_after_parent");
    expectBlockError(() => processShardBlock(state, withHeader({ shard: 1 }), ctx), "wrong_shard");
    expectBlockError(
      () => processShardBlock(state, block, ctx, { expectedProposerIndex: 12 }),
      "wrong_proposer",
    );
    expectBlockError(
      () => processShardBlock(state, block, { ...ctx, maxTransactions: 2 }),
      "too_many_transactions",
    );
    // A dropped transaction with a matching txRoot still fails on the state root.
    const fewer = block.body.transactions.slice(0, -1);
    const dropped: ShardBlock = {
      header: { ...block.header, txRoot: blockTxRoot(fewer.map(transactionHash), []) },
      body: { ...block.body, transactions: fewer },
    };
    expectBlockError(() => processShardBlock(state, dropped, ctx), "state_root_mismatch");
  });

  it("rejects a block with a badly signed transaction unless its hash was verified before", () => {
    const { state, produced } = produceOnGenesis();
    const [first, ...rest] = produced.block.body.transactions;
    const forged = { ...first, signature: new Uint8Array(64).fill(1) };
    const transactions = [forged, ...rest];
    const block: ShardBlock = {
      header: { ...produced.block.header, txRoot: blockTxRoot(transactions.map(transactionHash), []) },
      body: { ...produced.block.body, transactions },
    };
    expectBlockError(() => processShardBlock(state, block, ctx), "invalid_transaction");
    const verified = new Set([Buffer.from(transactionHash(forged)).toString("hex")]);
    // The set is trusted: it stands for bytes whose signature the mempool checked itself.
    // The signature is not part of the state: with the check skipped the block imports.
    const imported = processShardBlock(state, block, { ...ctx, verifiedTxHashes: verified });
    expect(imported.postState.hashTreeRoot()).toEqual(block.header.stateRoot);
  });

  it("signs and verifies the proposer's BLS signature over the header", () => {
    const bls = getBls("blst");
    const { produced } = produceOnGenesis();
    const sk = bls.secretKeyFromBytes(interopSecretKey(11));
    const domain = new Uint8Array(32).fill(3);
    const signed = signShardBlock(produced.block, sk, domain);
    expect(verifyShardBlockSignature(bls, signed, sk.toPublicKey(), domain)).toBe(true);
    expect(verifyShardBlockSignature(bls, signed, sk.toPublicKey(), new Uint8Array(32))).toBe(false);
    const other = bls.secretKeyFromBytes(interopSecretKey(12)).toPublicKey();
    expect(verifyShardBlockSignature(bls, signed, other, domain)).toBe(false);
  });
});

describe("account proofs", () => {
  it("verify against the state root, and fail when tampered", () => {
    const { produced, alice } = produceOnGenesis();
    const state = produced.postState;
    const root = state.hashTreeRoot();
    const result = getAccountProof(state, alice.address);
    if (result === undefined) throw new Error("alice has an account");
    const { account, proof } = result;
    expect(verifyAccountProof(root, alice.address, account, proof)).toBe(true);
    expect(
      verifyAccountProof(root, alice.address, { ...account, balance: account.balance + 1n }, proof),
    ).toBe(false);
    expect(verifyAccountProof(root, alice.address, { ...account, nonce: account.nonce + 1 }, proof)).toBe(
      false,
    );
    expect(verifyAccountProof(root, alice.address, account, { ...proof, index: proof.index + 1 })).toBe(
      false,
    );
    const branch = proof.branch.map((n) => Uint8Array.from(n));
    branch[0][0] ^= 1;
    expect(verifyAccountProof(root, alice.address, account, { ...proof, branch })).toBe(false);
    expect(verifyAccountProof(new Uint8Array(32), alice.address, account, proof)).toBe(false);
    const [, bob] = accountsOnShard(0, 2);
    expect(verifyAccountProof(root, bob.address, account, proof)).toBe(false);
  });

  it("is undefined for an address without an account", () => {
    const state = genesisStates(1)[0];
    const [, , , stranger] = accountsOnShard(0, 4);
    expect(getAccountProof(state, stranger.address)).toBeUndefined();
  });
});
