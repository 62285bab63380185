import { ByteVectorType, ContainerType, VectorCompositeType } from "@chainsafe/ssz";
import { RECEIPT_BRANCH_DEPTH } from "../shard/constants.js";
import { BLSPubkey, BLSSignature, Bytes20, Bytes32, Gwei, Uint64 } from "./primitives.js";

/**
 * Deposits (issue 18): stake is paid from a shard balance. A deposit transaction on the sender's shard debits
 * it and appends a receipt to the shard's beacon outbox (index SHARD_COUNT); the beacon chain registers the
 * validator once that receipt is proven against the shard's current crosslink (processDeposit).
 */

const opts = <N extends string>(typeName: N) => ({ typeName, jsonCase: "eth2" as const });

/** What the new validator's BLS key signs with DOMAIN_DEPOSIT: its proof of possession. */
export const DepositMessage = new ContainerType(
  { pubkey: BLSPubkey, withdrawalAddress: Bytes20, amount: Gwei },
  opts("DepositMessage"),
);

/** The validator a deposit registers: key, where its stake returns after exit, stake, proof of possession. */
export const DepositData = new ContainerType(
  { pubkey: BLSPubkey, withdrawalAddress: Bytes20, amount: Gwei, signature: BLSSignature },
  opts("DepositData"),
);

/** The fields of a deposit transaction the sender's Ed25519 key signs (see depositTransactionSigningRoot). */
export const DepositTransactionData = new ContainerType(
  { from: Bytes20, nonce: Uint64, fee: Gwei, pubkey: Bytes32, deposit: DepositData },
  opts("DepositTransactionData"),
);

/** A signed deposit transaction (shard block body `deposits`); its hash is hash_tree_root of the whole. */
export const DepositTransaction = new ContainerType(
  {
    from: Bytes20,
    nonce: Uint64,
    fee: Gwei,
    pubkey: Bytes32,
    deposit: DepositData,
    signature: new ByteVectorType(64),
  },
  opts("DepositTransaction"),
);

/** Merkle branch of a deposit receipt to a crosslink's outbox root (the receipt branch layout). */
export const DepositBranch = new VectorCompositeType(Bytes32, RECEIPT_BRANCH_DEPTH);

/**
 * A deposit as a beacon block carries it: the deposit transaction and the branch proving that its receipt is
 * the next one (the beacon state's deposit cursor of the sender's shard) in that shard's beacon outbox, under
 * the shard's current crosslink.
 */
export const Deposit = new ContainerType(
  { transaction: DepositTransaction, branch: DepositBranch },
  opts("Deposit"),
);
