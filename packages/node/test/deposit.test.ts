/**
 * Deposits end to end on a real node (issue 18): a deposit transaction sent to the API is pooled, included in a
 * shard block, and registered by the beacon chain once that block is crosslinked, proven against the crosslink.
 * Stake comes only from the sender's balance. Bad deposits get a clear error and change nothing.
 *
 * One node in this process hosts all 8 genesis validators and the new validator's key (LevelDB in a temp dir, libp2p on 127.0.0.1), 1-second slots.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DepositTransaction,
  type DepositTransactionValue,
  depositsRegisteredProblem,
  isSupplyConserved,
  MAX_STAKE,
  MIN_DEPOSIT_STAKE,
  shardOf,
  signDepositData,
  signDepositTransaction,
} from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey, getBls, interopSecretKey } from "@shardnet/crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { ShardnetNode } from "../src/index.js";
import { startNode, until, writeSmallGenesis } from "./realNodes.js";

const SLOTS_PER_EPOCH = 4;
const BALANCE = 100n * MAX_STAKE;
const FEE = 5n;

describe("deposits on a running node (issue 18)", () => {
  const dir = mkdtempSync(join(tmpdir(), "deposit-"));
  let node: ShardnetNode | undefined;

  afterAll(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a deposit sent to the API is included in a shard block and registered against its crosslink; bad ones are refused", async () => {
    const sender = devAccountKey(7);
    const from = addressFromPubkey(sender.publicKey);
    const loaded = writeSmallGenesis(dir, "deposit", SLOTS_PER_EPOCH, {}, [
      { address: `0x${bytesToHex(from)}`, balance: String(BALANCE) },
    ]);
    // The node also hosts the new validator's key before any deposit registers it.
    const newKey = getBls().secretKeyFromBytes(interopSecretKey(8));
    node = await startNode(dir, loaded, "node", [0, 1, 2, 3, 4, 5, 6, 7], { unregisteredKeys: [newKey] });
    const n = node;
    const shard = shardOf(from, n.beacon.preset.SHARD_COUNT);
    const genesisRoot = n.beacon.networkRoot;
    const bls = getBls();
    const deposit = (
      validator: number,
      options: { nonce?: number; amount?: bigint; signer?: number } = {},
    ): DepositTransactionValue => {
      const data = signDepositData(
        bls.secretKeyFromBytes(interopSecretKey(options.signer ?? validator)),
        { withdrawalAddress: from, amount: options.amount ?? MAX_STAKE },
        genesisRoot,
      );
      data.pubkey = bls.secretKeyFromBytes(interopSecretKey(validator)).toPublicKey().toBytes();
      return signDepositTransaction(
        { from, nonce: options.nonce ?? 0, fee: FEE, pubkey: sender.publicKey, deposit: data },
        sender.secretKey,
        genesisRoot,
      );
    };
    const post = async (body: unknown) => {
      const res = await fetch(`${n.apiUrl()}/v1/deposits`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return {
        status: res.status,
        body: (await res.json()) as { status?: string; code?: string; message?: string },
      };
    };
    await until(
      () => n.beacon.head().slot >= 2,
      () => `slot 2 (head ${n.beacon.head().slot})`,
      30_000,
    );

    // Refused, each with its reason, nothing pooled.
    expect(await post({ nonsense: true })).toMatchObject({ status: 400, body: { code: "INVALID_BODY" } });
    const refusals = [
      [deposit(9, { amount: MIN_DEPOSIT_STAKE - 1n }), "DEPOSIT_AMOUNT"],
      [deposit(9, { signer: 10 }), "DEPOSIT_BAD_PROOF_OF_POSSESSION"],
      [deposit(3), "DEPOSIT_DUPLICATE_PUBKEY"],
      [deposit(9, { nonce: 4 }), "DEPOSIT_NONCE_GAP"],
    ] as const;
    for (const [tx, code] of refusals) {
      const res = await post(DepositTransaction.toJson(tx));
      expect(res.status, code).toBe(400);
      expect(res.body.code).toBe(code);
      expect(res.body.message).toBeTruthy();
    }
    expect(n.deposits.size).toBe(0);

    const accepted = await post(DepositTransaction.toJson(deposit(8)));
    expect(accepted).toMatchObject({ status: 202, body: { status: "pooled" } });
    expect(await post(DepositTransaction.toJson(deposit(8)))).toMatchObject({
      status: 202,
      body: { status: "known" },
    });
    expect((await post(DepositTransaction.toJson(deposit(8, { nonce: 1 })))).body.code).toBe(
      "DEPOSIT_DUPLICATE_PUBKEY",
    );

    // Generous: shard inclusion, a crosslink, then the next beacon block (a few slots each).
    await until(
      () => n.beacon.head().state.state.validators.length === 9,
      () =>
        `the deposit to be registered (head ${n.beacon.head().slot}, deposit cursor ${n.beacon.head().state.state.depositCursors.get(shard)}, shard ${shard} beacon outbox ${n.shardChains.get(shard)?.head().state.outboxLength(n.beacon.preset.SHARD_COUNT)})`,
      20 * SLOTS_PER_EPOCH * 1000,
    );
    const state = n.beacon.head().state.state;
    const validator = state.validators.getReadonly(8);
    expect(bytesToHex(validator.pubkey)).toBe(
      bytesToHex(bls.secretKeyFromBytes(interopSecretKey(8)).toPublicKey().toBytes()),
    );
    expect(validator.stake).toBe(MAX_STAKE);
    expect(bytesToHex(validator.withdrawalAddress)).toBe(bytesToHex(from));
    expect(Number.isFinite(validator.activationEpoch)).toBe(true);
    expect(state.depositCursors.get(shard)).toBe(1);
    // The hosted key now signs as validator 8.
    await until(
      () => n.opts.keys.has(8),
      () => "the hosted key to be registered as validator 8",
      10_000,
    );
    expect(state.depositedAmounts.get(shard)).toBe(MAX_STAKE);

    // Paid from the sender's balance; supply conserved; the beacon registered no more than the shard paid.
    const shardStates = [0, 1].map((s) => n.shardChains.get(s)!.head().state);
    expect(shardStates[shard]!.getAccount(from)?.balance).toBe(BALANCE - MAX_STAKE - FEE);
    expect(isSupplyConserved(shardStates, BALANCE)).toBe(true);
    expect(depositsRegisteredProblem(shardStates, state.depositedAmounts.getAll())).toBeNull();
  }, 120_000);
});
