import { Tree } from "@chainsafe/persistent-merkle-tree";
import { addressFromPubkey, devAccountKey } from "@shardnet/crypto";
import { type CachedBeaconState, cloneCachedState } from "../../src/cache/cachedState.js";
import { MAX_STAKE } from "../../src/params/constants.js";
import { shardOf } from "../../src/shard/address.js";
import { depositReceipt, signDepositData, signDepositTransaction } from "../../src/shard/deposit.js";
import { receiptGindex } from "../../src/shard/receipts.js";
import { Outboxes, type Receipt } from "../../src/shard/types.js";
import type { DepositTransactionValue, DepositValue } from "../../src/types/index.js";
import { secretKey, type TestChain } from "./harness.js";

/**
 * One shard's beacon outbox as a test builds it: deposit transactions signed by a dev account of that shard,
 * their receipts in order, and proofs of them against the outbox root a crosslink would carry.
 */
export class TestDepositOutbox {
  readonly receipts: Receipt[] = [];
  readonly transactions: DepositTransactionValue[] = [];
  private readonly sender: { secretKey: Uint8Array; publicKey: Uint8Array; address: Uint8Array };

  constructor(
    private readonly chain: TestChain,
    readonly shard: number,
  ) {
    const shardCount = chain.genesis.preset.SHARD_COUNT;
    for (let n = 0; ; n++) {
      const key = devAccountKey(n);
      const address = addressFromPubkey(key.publicKey);
      if (shardOf(address, shardCount) === shard) {
        this.sender = { ...key, address };
        break;
      }
    }
  }

  /** Appends a deposit for interop validator `index` (its proof of possession signed by `signer`). */
  add(index: number, options: { signer?: number; amount?: bigint } = {}): DepositTransactionValue {
    const amount = options.amount ?? MAX_STAKE;
    const data = signDepositData(
      secretKey(options.signer ?? index),
      { withdrawalAddress: this.sender.address, amount },
      this.chain.genesisRoot,
    );
    if (options.signer !== undefined) data.pubkey = secretKey(index).toPublicKey().toBytes();
    const tx = signDepositTransaction(
      {
        from: this.sender.address,
        nonce: this.transactions.length,
        fee: 0n,
        pubkey: this.sender.publicKey,
        deposit: data,
      },
      this.sender.secretKey,
      this.chain.genesisRoot,
    );
    const shardCount = this.chain.genesis.preset.SHARD_COUNT;
    this.receipts.push(depositReceipt(tx, this.shard, shardCount, this.receipts.length));
    this.transactions.push(tx);
    return tx;
  }

  /** The source shard's outbox root with these receipts in its beacon outbox (the other outboxes empty). */
  private tree(): Tree {
    const shardCount = this.chain.genesis.preset.SHARD_COUNT;
    const lists = Array.from({ length: shardCount + 1 }, (_, dest) =>
      dest === shardCount ? this.receipts : [],
    );
    return new Tree(Outboxes.toView(lists).node);
  }

  outboxRoot(): Uint8Array {
    return this.tree().root;
  }

  /** Deposit `seq` with its branch against outboxRoot(). */
  deposit(seq: number): DepositValue {
    const gindex = receiptGindex(this.chain.genesis.preset.SHARD_COUNT, seq);
    return {
      transaction: structuredClone(this.transactions[seq]!),
      branch: this.tree().getSingleProof(gindex),
    };
  }

  /** A copy of `pre` whose current crosslink of this shard carries outboxRoot() (as if crosslinked). */
  crosslinkedOnto(pre: CachedBeaconState): CachedBeaconState {
    const post = cloneCachedState(pre);
    post.state.currentCrosslinks.get(this.shard).outboxRoot = this.outboxRoot();
    return post;
  }
}
