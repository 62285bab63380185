import {
  type DepositTransactionValue,
  MAX_STAKE,
  signDepositData,
  signDepositTransaction,
} from "@shardnet/consensus";
import { addressFromPubkey, devAccountKey, getBls, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { DepositService, PENDING_DEPOSIT_EPOCHS } from "../src/deposits/depositService.js";
import { openBeacon, proposeAt, silentLog, tempDir } from "./helpers.js";

describe("DepositService: the pool of deposits on their way to a shard block", () => {
  it("pools a deposit of a shard it does not track once, refuses forgeries and a second deposit for its key, and drops it after PENDING_DEPOSIT_EPOCHS", async () => {
    const { beacon, db } = await openBeacon(tempDir("deposit-pool-"));
    try {
      const service = new DepositService({ beacon, shards: () => new Map(), log: silentLog });
      const sender = devAccountKey(3);
      const from = addressFromPubkey(sender.publicKey);
      const bls = getBls();
      const deposit = (validator: number, nonce = 0, signer = validator): DepositTransactionValue => {
        const data = signDepositData(
          bls.secretKeyFromBytes(interopSecretKey(signer)),
          { withdrawalAddress: from, amount: MAX_STAKE },
          beacon.networkRoot,
        );
        data.pubkey = bls.secretKeyFromBytes(interopSecretKey(validator)).toPublicKey().toBytes();
        return signDepositTransaction(
          { from, nonce, fee: 1n, pubkey: sender.publicKey, deposit: data },
          sender.secretKey,
          beacon.networkRoot,
        );
      };
      expect(service.add(deposit(20))).toMatchObject({ status: "pooled" });
      expect(service.add(deposit(20))).toMatchObject({ status: "known" });
      expect(service.add(deposit(20, 1))).toMatchObject({
        kind: "invalid",
        code: "DEPOSIT_DUPLICATE_PUBKEY",
      });
      expect(service.add(deposit(3))).toMatchObject({ kind: "invalid", code: "DEPOSIT_DUPLICATE_PUBKEY" });
      expect(service.add(deposit(21, 0, 22))).toMatchObject({
        kind: "invalid",
        code: "DEPOSIT_BAD_PROOF_OF_POSSESSION",
      });
      const forged = { ...deposit(23), signature: new Uint8Array(64).fill(1) };
      expect(service.add(forged)).toMatchObject({ kind: "invalid", code: "DEPOSIT_BAD_SIGNATURE" });
      expect(service.size).toBe(1);

      // No shard block includes it (this node tracks no shard): it leaves after PENDING_DEPOSIT_EPOCHS epochs.
      const lastSlot = (PENDING_DEPOSIT_EPOCHS + 1) * beacon.preset.SLOTS_PER_EPOCH;
      for (let slot = 1; slot <= lastSlot; slot++) {
        const result = beacon.importBlock(proposeAt(beacon, slot));
        expect(result.status).toBe("imported");
      }
      expect(service.add(deposit(24))).toMatchObject({ status: "pooled" });
      expect(service.size).toBe(1);
    } finally {
      await db.close();
    }
  }, 60_000);
});
