import {
  Attestation,
  type AttestationDataValue,
  type AttestationValue,
  AttesterSlashing,
  computeAttestationSigningRoot,
  computeEpochAtSlot,
  DepositTransaction,
  IncomingReceipt,
  ProposerSlashing,
  RECEIPT_BRANCH_DEPTH,
  ShardBlockHeader,
  type ShardBlockHeaderValue,
  SignedBeaconBlock,
  type SignedBeaconBlockHeaderValue,
  SignedShardBlock,
  SignedVoluntaryExit,
  shardOf,
  signTransaction,
  Transaction,
} from "@shardnet/consensus";
import { addressFromPubkey, type BlsSecretKey, devAccountKey, type Ed25519KeyPair } from "@shardnet/crypto";
import { CrosslinkCandidateMessage, SlashingMessage } from "@shardnet/node";
import type { GossipTopic, TopicKind } from "@shardnet/p2p";
import type { ChainView } from "./chainView.js";
import type { TargetNetwork } from "./network.js";
import type { AttackRandom } from "./random.js";

/** What is wrong with a rogue gossip message. Every kind is invalid: none may ever be relayed. */
export const GOSSIP_ATTACK_KINDS = [
  /** Random bytes of random length: undecodable. */
  "random_bytes",
  /** A well-formed message cut short: undecodable SSZ (or, for lists, a shorter list still badly signed). */
  "truncated",
  /** Above the topic's size limit (a well-formed message padded with garbage). */
  "oversized",
  /** Valid SSZ built on the real heads, signed by a key that is not the signer's (or a forged proof). */
  "bad_signature",
  /** As bad_signature, but for a slot epochs in the past. */
  "stale",
  /** Two different messages for one signer and slot (double proposal, double vote, double spend). */
  "equivocation",
] as const;
export type GossipAttackKind = (typeof GOSSIP_ATTACK_KINDS)[number];

/**
 * The largest message each topic kind accepts, mirroring packages/node/src/network/gossipHandlers.ts (its
 * constants are not exported) and MAX_TX_GOSSIP_BYTES (256 transactions) of txService.ts.
 */
export const TOPIC_MAX_BYTES: Record<TopicKind, number> = {
  beacon_block: 10 * 1024 * 1024,
  shard_block: 10 * 1024 * 1024,
  beacon_aggregate: 4096,
  shard_attestation: 4096,
  crosslink: 4096 + 1024,
  slashing: 64 * 1024,
  shard_tx: 256 * Transaction.maxSize,
  shard_receipts: 4096,
  voluntary_exit: SignedVoluntaryExit.maxSize,
  deposit: DepositTransaction.maxSize,
};

/** Gossipsub's inbound RPC limit of a node (createP2pNode maxGossipMessageBytes default). */
export const WIRE_MAX_BYTES = 10 * 1024 * 1024;

/** True when an oversized message on this topic also exceeds the wire limit (kills the receiving stream). */
export function oversizeBreaksStream(kind: TopicKind): boolean {
  return TOPIC_MAX_BYTES[kind] >= WIRE_MAX_BYTES;
}

/** What payload builders need: the network, the learned heads, the rogue's own BLS key and randomness. */
export interface PayloadContext {
  net: TargetNetwork;
  view: ChainView;
  /** A BLS key of no validator: its signatures are valid curve points that verify against no one. */
  key: BlsSecretKey;
  rng: AttackRandom;
  /** The network's current slot. */
  slot: number;
}

/** The payloads of one attack on one topic (two for an equivocation). */
export function buildAttack(kind: GossipAttackKind, topic: GossipTopic, ctx: PayloadContext): Uint8Array[] {
  const { rng } = ctx;
  const max = TOPIC_MAX_BYTES[topic.kind];
  switch (kind) {
    case "random_bytes":
      return [rng.bytes(rng.between(1, Math.min(max, 2048)))];
    case "truncated": {
      const whole = shaped(topic, ctx, ctx.slot, 0);
      return [whole.subarray(0, rng.between(1, Math.max(1, whole.length - 1)))];
    }
    case "oversized": {
      const whole = shaped(topic, ctx, ctx.slot, 0);
      const out = new Uint8Array(max + rng.between(1, 64));
      out.set(whole.subarray(0, Math.min(whole.length, out.length)));
      out.set(rng.bytes(32), out.length - 32); // unique even when the prefix repeats
      return [out];
    }
    case "bad_signature":
      return [shaped(topic, ctx, ctx.slot, 0)];
    case "stale": {
      const epochs = 4 * ctx.net.preset.SLOTS_PER_EPOCH;
      return [shaped(topic, ctx, Math.max(0, ctx.slot - epochs - rng.int(epochs)), 0)];
    }
    case "equivocation": {
      // Both variants share signer and slot; the variant number changes their content.
      const variant = 1 + rng.int(1_000_000);
      return [shaped(topic, ctx, ctx.slot, variant), shaped(topic, ctx, ctx.slot, variant + 1)];
    }
  }
}

/**
 * A well-formed message of the topic's type at `slot`, built on the learned heads, with a wrong signature (or
 * a forged receipt proof). `variant` picks one of several conflicting messages for the same signer and slot;
 * signer and slot depend only on the rng state before the call, so the caller's equivocation pairs match.
 */
function shaped(topic: GossipTopic, ctx: PayloadContext, slot: number, variant: number): Uint8Array {
  const shard = "shard" in topic ? topic.shard : ctx.rng.int(ctx.net.preset.SHARD_COUNT);
  switch (topic.kind) {
    case "beacon_block":
      return beaconBlock(ctx, slot, variant);
    case "shard_block":
      return SignedShardBlock.serialize({
        message: {
          header: shardHeader(ctx, shard, slot, variant),
          body: { transactions: [], incomingReceipts: [], deposits: [] },
        },
        signature: ctx.key.sign(variantRoot(variant)).toBytes(),
      });
    case "shard_attestation":
      return Attestation.serialize(attestation(ctx, shard, slot, variant, 1));
    case "beacon_aggregate":
      return Attestation.serialize(attestation(ctx, shard, slot, variant, 3));
    case "crosslink": {
      const header = shardHeader(ctx, shard, slot, variant);
      const att = attestation(ctx, shard, slot, variant, 3, ShardBlockHeader.hashTreeRoot(header));
      return CrosslinkCandidateMessage.serialize({ header, attestation: att });
    }
    case "slashing":
      return slashing(ctx, slot, variant);
    case "voluntary_exit":
      return voluntaryExit(ctx, slot, variant);
    case "deposit":
      return forgedDeposit(ctx, variant);
    case "shard_tx":
      return transactionBatch(ctx, shard, variant);
    case "shard_receipts":
      return receipt(ctx, shard, slot, variant);
  }
}

/** 32 bytes derived from a variant number: distinct roots for distinct variants. */
function variantRoot(variant: number): Uint8Array {
  const out = new Uint8Array(32);
  new DataView(out.buffer).setUint32(0, variant >>> 0, true);
  out[31] = 0xee;
  return out;
}

/** A variant's bytes, or fresh random bytes when the message need not match another (variant 0). */
function contentRoot(ctx: PayloadContext, variant: number): Uint8Array {
  return variant === 0 ? ctx.rng.bytes(32) : variantRoot(variant);
}

function beaconBlock(ctx: PayloadContext, slot: number, variant: number): Uint8Array {
  const block = SignedBeaconBlock.defaultValue();
  block.message.slot = slot;
  // The rogue cannot compute the proposer; a random index is right 1 time in validatorCount, and then the
  // block reaches the signature check. Equivocation pairs share it (chosen from the slot, not the rng).
  block.message.proposerIndex =
    variant === 0 ? ctx.rng.int(ctx.net.validatorCount) : slot % ctx.net.validatorCount;
  block.message.parentRoot = ctx.view.beaconHeadRoot;
  block.message.stateRoot = contentRoot(ctx, variant);
  block.message.body.randaoReveal = ctx.key.sign(variantRoot(slot)).toBytes();
  block.signature = ctx.key.sign(block.message.stateRoot).toBytes();
  return SignedBeaconBlock.serialize(block);
}

function shardHeader(
  ctx: PayloadContext,
  shard: number,
  slot: number,
  variant: number,
): ShardBlockHeaderValue {
  return {
    shard,
    slot,
    proposerIndex:
      variant === 0 ? ctx.rng.int(ctx.net.validatorCount) : (slot + shard) % ctx.net.validatorCount,
    parentRoot: ctx.view.shardHead(shard).root,
    beaconBlockRoot: ctx.view.beaconHeadRoot,
    stateRoot: contentRoot(ctx, variant),
    txRoot: new Uint8Array(32),
    outboxRoot: new Uint8Array(32),
    receiptsInRoot: new Uint8Array(32),
  };
}

/** A bit list of `size` bits with `count` of them set, from the start (a committee size guessed by the rogue). */
function bits(size: number, count: number): AttestationValue["aggregationBits"] {
  // SSZ bitlist: the bits, then a 1 marking the length.
  const bytes = new Uint8Array(Math.floor(size / 8) + 1);
  for (let i = 0; i < Math.min(count, size); i++) bytes[i >> 3]! |= 1 << (i & 7);
  bytes[size >> 3]! |= 1 << (size & 7);
  return Attestation.fields.aggregationBits.deserialize(bytes);
}

function attestation(
  ctx: PayloadContext,
  shard: number,
  slot: number,
  variant: number,
  voters: number,
  shardBlockRoot: Uint8Array = ctx.view.shardHead(shard).root,
): AttestationValue {
  const { view, net } = ctx;
  const epoch = computeEpochAtSlot(net.preset, slot);
  const data: AttestationDataValue = {
    slot,
    shard,
    // A double vote: the same voter, slot and target, for two different shard heads.
    shardBlockRoot: variant === 0 ? shardBlockRoot : variantRoot(variant),
    beaconBlockRoot: view.beaconHeadRoot,
    source: { epoch: view.finalizedEpoch, root: view.finalizedRoot },
    target: { epoch, root: view.beaconHeadRoot },
  };
  const committeeSize = variant === 0 ? ctx.rng.between(1, Math.max(1, net.validatorCount)) : 4;
  return {
    aggregationBits: bits(committeeSize, voters),
    data,
    signature: ctx.key.sign(computeAttestationSigningRoot(net.genesisHash, data)).toBytes(),
  };
}

function slashing(ctx: PayloadContext, slot: number, variant: number): Uint8Array {
  const proposerIndex = variant === 0 ? ctx.rng.int(ctx.net.validatorCount) : slot % ctx.net.validatorCount;
  const header = (bodyRoot: Uint8Array): SignedBeaconBlockHeaderValue => ({
    message: {
      slot,
      proposerIndex,
      parentRoot: ctx.view.beaconHeadRoot,
      stateRoot: new Uint8Array(32),
      bodyRoot,
    },
    signature: ctx.key.sign(bodyRoot).toBytes(),
  });
  if (variant % 2 === 1) {
    // Attester-slashing evidence whose two votes carry the rogue's signature.
    const evidence = AttesterSlashing.defaultValue();
    const a = attestation(ctx, 0, slot, variant, 1);
    const b = attestation(ctx, 0, slot, variant + 1, 1);
    evidence.attestation1 = { attestingIndices: [proposerIndex], data: a.data, signature: a.signature };
    evidence.attestation2 = { attestingIndices: [proposerIndex], data: b.data, signature: b.signature };
    return SlashingMessage.serialize({ proposerSlashings: [], attesterSlashings: [evidence] });
  }
  const evidence = ProposerSlashing.defaultValue();
  evidence.signedHeader1 = header(contentRoot(ctx, variant));
  evidence.signedHeader2 = header(ctx.rng.bytes(32));
  return SlashingMessage.serialize({ proposerSlashings: [evidence], attesterSlashings: [] });
}

/** An exit of a real validator signed by the rogue's key; the variant changes the exit's epoch. */
function voluntaryExit(ctx: PayloadContext, slot: number, variant: number): Uint8Array {
  const validatorIndex = variant === 0 ? ctx.rng.int(ctx.net.validatorCount) : slot % ctx.net.validatorCount;
  const epoch = Math.max(0, computeEpochAtSlot(ctx.net.preset, slot) - (variant % 2));
  const message = { epoch, validatorIndex };
  return SignedVoluntaryExit.serialize({
    message,
    signature: ctx.key.sign(contentRoot(ctx, variant)).toBytes(),
  });
}

/**
 * A deposit from a funded dev account whose signatures are the rogue's (neither the sender's Ed25519 nor the
 * validator key's proof of possession verify): it must never be pooled or relayed.
 */
function forgedDeposit(ctx: PayloadContext, variant: number): Uint8Array {
  const sender = devAccountKey(variant % 64);
  const tx = DepositTransaction.defaultValue();
  tx.from = addressFromPubkey(sender.publicKey);
  tx.pubkey = sender.publicKey;
  tx.deposit.pubkey = ctx.key.toPublicKey().toBytes();
  tx.deposit.withdrawalAddress = tx.from;
  tx.deposit.amount = 32_000_000_000n;
  tx.deposit.signature = ctx.key.sign(contentRoot(ctx, variant)).toBytes();
  tx.signature = new Uint8Array(64).fill(7);
  return DepositTransaction.serialize(tx);
}

/** Dev accounts (funded in a devnet genesis) by shard, so forged transfers spend real balances. */
const senders = new Map<string, Ed25519KeyPair[]>();
function sendersOf(shard: number, shardCount: number): Ed25519KeyPair[] {
  const key = `${shardCount}:${shard}`;
  let list = senders.get(key);
  if (list === undefined) {
    list = [];
    for (let n = 0; n < 256 && list.length < 8; n++) {
      const pair = devAccountKey(n);
      if (shardOf(addressFromPubkey(pair.publicKey), shardCount) === shard) list.push(pair);
    }
    senders.set(key, list);
  }
  return list;
}

/** A transaction batch whose signatures do not verify (a signature with one bit flipped). */
function transactionBatch(ctx: PayloadContext, shard: number, variant: number): Uint8Array {
  const { rng } = ctx;
  const from = sendersOf(shard, ctx.net.preset.SHARD_COUNT);
  const sender = from.length > 0 ? rng.pick(from) : devAccountKey(rng.int(1_000_000));
  const count = variant === 0 ? rng.between(1, 4) : 1;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const tx = signTransaction(
      {
        from: addressFromPubkey(sender.publicKey),
        // A double spend: same sender and nonce, two recipients.
        to: variant === 0 ? rng.bytes(20) : variantRoot(variant).subarray(0, 20),
        amount: BigInt(rng.between(1, 1_000_000)),
        nonce: variant === 0 ? rng.int(64) : 0,
        fee: 1n,
        pubkey: sender.publicKey,
      },
      sender.secretKey,
    );
    tx.signature = Uint8Array.from(tx.signature);
    tx.signature[rng.int(64)]! ^= 1 << rng.int(8);
    parts.push(Transaction.serialize(tx));
  }
  // A list of fixed-size elements serialises as their concatenation (TransactionGossipBatch of txService.ts).
  return Buffer.concat(parts);
}

/** A receipt with a forged Merkle branch: never provable, so never creditable. */
function receipt(ctx: PayloadContext, dest: number, slot: number, variant: number): Uint8Array {
  const { rng, net } = ctx;
  const source =
    net.preset.SHARD_COUNT > 1
      ? (dest + 1 + rng.int(net.preset.SHARD_COUNT - 1)) % net.preset.SHARD_COUNT
      : dest;
  return IncomingReceipt.serialize({
    receipt: {
      source,
      dest,
      seq: variant === 0 ? rng.int(1000) : 0,
      from: rng.bytes(20),
      to: rng.bytes(20),
      // A double credit: same (source, dest, seq), two amounts.
      amount: BigInt(variant === 0 ? rng.between(1, 1_000_000) : variant),
      txHash: contentRoot(ctx, variant),
    },
    branch: Array.from({ length: RECEIPT_BRANCH_DEPTH }, () => rng.bytes(32)),
    crosslinkShard: source,
    crosslinkSlot: slot,
    crosslinkBlockRoot: ctx.view.shardHead(source).root,
  });
}
