/**
 * `validator deposit`: a shard account pays a new validator's stake (issue 18). The deposit transaction carries
 * the validator's DepositData (pubkey, withdrawal address, amount, and the BLS proof of possession signed with
 * the keystore's key) and is signed by the sender's Ed25519 key; the node pools it (`POST /v1/deposits`). A shard
 * block executes it, and once that block is crosslinked the beacon chain registers the validator.
 */
import {
  DepositTransaction,
  type DepositTransactionValue,
  depositAmountProblem,
  depositTransactionHash,
  MAX_STAKE,
  MIN_DEPOSIT_STAKE,
  signDepositData,
  signDepositTransaction,
} from "@shardnet/consensus";
import {
  addressFromPubkey,
  type BlsSecretKey,
  bytesToHex,
  ed25519KeyPairFromSeed,
  hexToBytes,
} from "@shardnet/crypto";
import { genesisRootFromNode, getOk, request } from "./nodeApi.js";
import { parseSenderKey } from "./senderKey.js";
import { UserError } from "./userError.js";
import { readValidatorKey } from "./validatorKey.js";

const MAX_UINT64 = 2n ** 64n - 1n;
const hex = (bytes: Uint8Array) => `0x${bytesToHex(bytes)}`;

/** `--<flag>` as a decimal uint64 (gwei). */
export function parseGwei(flag: string, text: string): bigint {
  if (!/^[0-9]+$/.test(text) || BigInt(text) > MAX_UINT64)
    throw new UserError(
      "BAD_ARGUMENTS",
      `--${flag} must be a whole number of gwei (0 to ${MAX_UINT64}), got ${JSON.stringify(text)}`,
    );
  return BigInt(text);
}

/** Refuses an amount that cannot become stake: MIN_DEPOSIT_STAKE ≤ amount ≤ MAX_STAKE, as every node checks. */
export function checkDepositAmount(amount: bigint): void {
  const problem = depositAmountProblem(amount);
  if (problem)
    throw new UserError(
      "DEPOSIT_AMOUNT",
      `${problem}: a deposit is from ${MIN_DEPOSIT_STAKE} gwei (MIN_DEPOSIT_STAKE) to ${MAX_STAKE} gwei (MAX_STAKE)`,
    );
}

/** `--withdrawal-address`: 0x followed by 40 hex digits (a shard address). */
export function parseWithdrawalAddress(text: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text))
    throw new UserError(
      "BAD_ARGUMENTS",
      `--withdrawal-address must be 0x followed by 40 hex digits (a 20-byte shard address), got ${JSON.stringify(text)}`,
    );
  return hexToBytes(text);
}

export interface DepositInput {
  /** The new validator's BLS key (decrypted from its keystore). */
  validatorKey: BlsSecretKey;
  /** The sender's 32-byte Ed25519 seed: it pays amount + fee. */
  senderSeed: Uint8Array;
  /** The sender's next nonce. */
  nonce: number;
  amount: bigint;
  fee: bigint;
  /** Where the stake returns after the validator exits. */
  withdrawalAddress: Uint8Array;
  /** The network's genesis hash: both signatures bind to it. */
  genesisRoot: Uint8Array;
}

/** The signed deposit transaction: the validator's proof of possession inside, the sender's signature over it. */
export function buildDepositTransaction(input: DepositInput): DepositTransactionValue {
  checkDepositAmount(input.amount);
  const sender = ed25519KeyPairFromSeed(input.senderSeed);
  const deposit = signDepositData(
    input.validatorKey,
    { withdrawalAddress: input.withdrawalAddress, amount: input.amount },
    input.genesisRoot,
  );
  return signDepositTransaction(
    {
      from: addressFromPubkey(sender.publicKey),
      nonce: input.nonce,
      fee: input.fee,
      pubkey: sender.publicKey,
      deposit,
    },
    sender.secretKey,
    input.genesisRoot,
  );
}

export interface DepositOptions {
  node: string;
  keystoreFile: string;
  passwordFile: string;
  /** `dev:N` or a file holding the sender's Ed25519 seed (parseSenderKey). */
  fromKey: string;
  /** Gwei, decimal. */
  amount: string;
  /** Gwei, decimal. */
  fee: string;
  /** 0x + 40 hex; the sender's address when absent. */
  withdrawalAddress?: string;
}

export interface DepositResult {
  /** The deposit transaction's hash (hash_tree_root). */
  hash: string;
  /** `pooled`, or `known` when the node already held this transaction. */
  status: string;
  /** The validator's BLS pubkey. */
  pubkey: string;
  from: string;
  /** The sender's shard: a block of this shard includes the deposit. */
  shard: number;
  nonce: number;
  withdrawalAddress: string;
  amount: string;
  fee: string;
}

/** The sender's shard, nonce and balance from the node (GET /v1/accounts/<address>). */
async function senderAccount(
  node: string,
  address: Uint8Array,
): Promise<{ shard: number; nonce: number; balance: bigint }> {
  const body = await getOk(node, `/v1/accounts/${hex(address)}`);
  const shard = Number(body.shard);
  const nonce = Number(body.nonce);
  if (
    !Number.isSafeInteger(shard) ||
    !Number.isSafeInteger(nonce) ||
    typeof body.balance !== "string" ||
    !/^[0-9]+$/.test(body.balance)
  )
    throw new UserError(
      "NODE_REPLY",
      `node ${node} sent no shard, nonce or balance for account ${hex(address)}: is --node a shardnet node API?`,
    );
  return { shard, nonce, balance: BigInt(body.balance) };
}

export async function sendDeposit(opts: DepositOptions): Promise<DepositResult> {
  const amount = parseGwei("amount", opts.amount);
  checkDepositAmount(amount);
  const fee = parseGwei("fee", opts.fee);
  const sender = parseSenderKey(opts.fromKey);
  const withdrawalAddress =
    opts.withdrawalAddress === undefined ? sender.address : parseWithdrawalAddress(opts.withdrawalAddress);
  const validator = await readValidatorKey(opts.keystoreFile, opts.passwordFile);

  const genesisRoot = await genesisRootFromNode(opts.node);
  const account = await senderAccount(opts.node, sender.address);
  if (account.balance < amount + fee)
    throw new UserError(
      "INSUFFICIENT_BALANCE",
      `sender ${hex(sender.address)} (shard ${account.shard}) holds ${account.balance} gwei; the deposit needs amount ${amount} + fee ${fee} = ${amount + fee}`,
    );
  const tx = buildDepositTransaction({
    validatorKey: validator.secretKey,
    senderSeed: sender.secretKey,
    nonce: account.nonce,
    amount,
    fee,
    withdrawalAddress,
    genesisRoot,
  });
  const hash = hex(depositTransactionHash(tx));

  const reply = await request(opts.node, "/v1/deposits", DepositTransaction.toJson(tx));
  const body = reply.body as { hash?: unknown; status?: unknown; code?: unknown; message?: unknown };
  if (reply.status !== 202) {
    const code = typeof body.code === "string" ? body.code : "NODE_REFUSED";
    throw new UserError(
      code,
      `node ${opts.node} refused the deposit (${reply.status} ${code}): ${String(body.message ?? "no message")}`,
    );
  }
  if (typeof body.hash === "string" && body.hash.toLowerCase().replace(/^0x/, "") !== hash.slice(2))
    throw new UserError(
      "NODE_REPLY",
      `node ${opts.node} took the deposit (${String(body.status)}) but names it ${body.hash}, while its hash_tree_root is ${hash}: the node and this tool disagree on the transaction's encoding`,
    );
  return {
    hash,
    status: typeof body.status === "string" ? body.status : "pooled",
    pubkey: validator.pubkey,
    from: hex(sender.address),
    shard: account.shard,
    nonce: account.nonce,
    withdrawalAddress: hex(withdrawalAddress),
    amount: amount.toString(),
    fee: fee.toString(),
  };
}

/** What `deposit` prints without --json: the transaction, who pays, where the stake returns, what happens next. */
export function describeDeposit(result: DepositResult, node: string): string {
  return [
    `deposit ${result.hash} ${result.status} by ${node}`,
    `  validator pubkey    ${result.pubkey}`,
    `  amount              ${result.amount} gwei (fee ${result.fee})`,
    `  from                ${result.from} (shard ${result.shard}, nonce ${result.nonce})`,
    `  withdrawal address  ${result.withdrawalAddress}`,
    "",
    `Next: a shard ${result.shard} block includes the deposit and debits the sender. Once that block is crosslinked,`,
    "the beacon chain registers the validator and it joins the activation queue (it becomes active at a committee",
    "period start, as the churn limit allows). Until it is registered, status says it is not in the registry:",
    `  npm run validator -- status ${result.pubkey}`,
  ].join("\n");
}
