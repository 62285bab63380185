import {
  Attestation,
  type AttestationValue,
  computeAttestationSigningRoot,
  computeEpochAtSlot,
  IncomingReceipt,
  SignedBeaconBlock,
  type SignedBeaconBlockValue,
  SignedShardBlock,
  TRANSACTION_SIZE,
} from "@shardnet/consensus";
import { type BlsPublicKey, bytesToHex } from "@shardnet/crypto";
import type { GossipTopic, P2pNode, ValidationResult } from "@shardnet/p2p";
import type { Logger } from "pino";
import type { BeaconChain } from "../chain/beaconChain.js";
import { CrosslinkCandidateMessage, type OperationPools } from "../chain/pools.js";
import type { ShardChain } from "../chain/shardChain.js";
import type { NodeMetrics } from "../metrics/nodeMetrics.js";
import type { IncomingReceiptValue, ReceiptRelay } from "../receipts/receiptRelay.js";
import type { TxService } from "../tx/txService.js";

export interface GossipDeps {
  p2p: P2pNode;
  beacon: BeaconChain;
  shards: () => ReadonlyMap<number, ShardChain>;
  pools: OperationPools;
  metrics: NodeMetrics;
  log: Logger;
  currentSlot: () => number;
  /** A block whose parent (or beacon block) is unknown arrived from `peer`: catch up. */
  requestSync: (peer: string) => void;
  /** Shard blocks waiting for their beacon block or parent; retried after each import. */
  parkShardBlock: (shard: number, block: SignedShardBlock) => void;
  txs: TxService;
  receipts: ReceiptRelay;
}

const MAX_BLOCK_BYTES = 10 * 1024 * 1024;
const MAX_ATTESTATION_BYTES = 4096;

/** Registers the consensus validators of every gossip topic kind (DESIGN.md §5). */
export function registerGossipHandlers(d: GossipDeps): void {
  const { p2p, beacon, metrics } = d;
  const bls = beacon.bls;
  const verifyTimed = (fn: () => boolean): boolean => {
    const started = performance.now();
    try {
      return fn();
    } catch {
      return false;
    } finally {
      metrics.blsVerifySeconds.observe((performance.now() - started) / 1000);
    }
  };
  /** Committee and signing root of an attestation, or a reason it cannot be checked. */
  const committeeOf = (att: AttestationValue): { committee: Uint32Array; epoch: number } | string => {
    const slot = att.data.slot;
    const now = d.currentSlot();
    if (slot > now + 1) return "future";
    if (slot + 2 * beacon.preset.SLOTS_PER_EPOCH < now) return "too_old";
    try {
      const committee = beacon.head().state.epochCtx.getShardCommittee(att.data.shard, slot);
      return { committee, epoch: computeEpochAtSlot(beacon.preset, slot) };
    } catch {
      return "committee_unknown";
    }
  };
  const attestersOf = (att: AttestationValue, committee: Uint32Array): number[] | undefined => {
    if (att.aggregationBits.bitLen !== committee.length) return undefined;
    const bits = att.aggregationBits.getTrueBitIndexes();
    if (bits.length === 0) return undefined;
    return bits.map((i) => committee[i]!);
  };
  const verifyAttestation = (att: AttestationValue, attesters: number[]): boolean => {
    const state = beacon.head().state;
    const pubkeys: BlsPublicKey[] = attesters.map((i) => state.epochCtx.pubkeys.get(i));
    const root = computeAttestationSigningRoot(state.state.genesisRoot, att.data);
    return verifyTimed(() => bls.fastAggregateVerify(pubkeys, root, bls.signatureFromBytes(att.signature)));
  };
  const recordVotes = (att: AttestationValue, attesters: number[]): void => {
    const beaconRoot = bytesToHex(att.data.beaconBlockRoot);
    const shardRoot = bytesToHex(att.data.shardBlockRoot);
    const shardChain = d.shards().get(att.data.shard);
    const stakes = beacon.head().state.epochCtx.stakes;
    for (const v of attesters) {
      beacon.onAttestation(v, beaconRoot, att.data.target.epoch);
      shardChain?.onAttestation(v, shardRoot, stakes[v] ?? 0n, att.data.slot);
    }
  };

  p2p.registerTopicHandler<SignedBeaconBlockValue>("beacon_block", {
    maxBytes: MAX_BLOCK_BYTES,
    decode: (bytes) => SignedBeaconBlock.deserialize(bytes),
    validate: async (block, from): Promise<ValidationResult> => {
      if (block.message.slot > d.currentSlot() + 1) return "ignore";
      const result = beacon.importBlock(block);
      switch (result.status) {
        case "imported":
          await result.persisted;
          return "accept";
        case "unknown_parent":
          d.requestSync(from);
          return "ignore";
        case "invalid":
          d.log.warn(
            { slot: block.message.slot, root: result.root, reason: result.reason, from },
            "invalid beacon block from gossip",
          );
          return "reject";
        default:
          return "ignore";
      }
    },
  });

  p2p.registerTopicHandler<SignedShardBlock>("shard_block", {
    maxBytes: MAX_BLOCK_BYTES,
    decode: (bytes) => SignedShardBlock.deserialize(bytes),
    validate: async (block, from, topic: GossipTopic): Promise<ValidationResult> => {
      const shard = "shard" in topic ? topic.shard : -1;
      if (block.message.header.shard !== shard) return "reject";
      if (block.message.header.slot > d.currentSlot() + 1) return "ignore";
      const chain = d.shards().get(shard);
      if (!chain) return "ignore";
      const result = chain.importBlock(block);
      switch (result.status) {
        case "imported":
          await result.persisted;
          return "accept";
        case "unknown_parent":
        case "unknown_beacon_block":
          d.parkShardBlock(shard, block);
          d.requestSync(from);
          return "ignore";
        case "invalid":
          d.log.warn(
            { shard, slot: block.message.header.slot, reason: result.reason, from },
            "invalid shard block from gossip",
          );
          return "reject";
        default:
          return "ignore";
      }
    },
  });

  p2p.registerTopicHandler<AttestationValue>("shard_attestation", {
    maxBytes: MAX_ATTESTATION_BYTES,
    decode: (bytes) => Attestation.deserialize(bytes),
    validate: (att, _from, topic): ValidationResult => {
      if (!("shard" in topic) || att.data.shard !== topic.shard) return count("reject", "wrong_shard");
      const found = committeeOf(att);
      if (typeof found === "string") return count("ignore", found);
      const attesters = attestersOf(att, found.committee);
      if (attesters?.length !== 1) return count("reject", "not_single");
      if (!verifyAttestation(att, attesters)) return count("reject", "bad_signature");
      d.pools.addSingle(att);
      recordVotes(att, attesters);
      return count("accept", "valid");
    },
  });

  p2p.registerTopicHandler<AttestationValue>("beacon_aggregate", {
    maxBytes: MAX_ATTESTATION_BYTES,
    decode: (bytes) => Attestation.deserialize(bytes),
    validate: (att): ValidationResult => {
      const found = committeeOf(att);
      if (typeof found === "string") return count("ignore", found);
      const attesters = attestersOf(att, found.committee);
      if (!attesters) return count("reject", "bad_bits");
      if (!verifyAttestation(att, attesters)) return count("reject", "bad_signature");
      d.pools.addAggregate(att);
      recordVotes(att, attesters);
      return count("accept", "valid");
    },
  });

  p2p.registerTopicHandler("crosslink", {
    maxBytes: MAX_ATTESTATION_BYTES + 1024,
    decode: (bytes) => CrosslinkCandidateMessage.deserialize(bytes),
    validate: (msg): ValidationResult => {
      const { header, attestation } = msg;
      if (header.shard !== attestation.data.shard) return "reject";
      const headerRoot = bytesToHex(CrosslinkCandidateMessage.fields.header.hashTreeRoot(header));
      if (headerRoot !== bytesToHex(attestation.data.shardBlockRoot)) return "reject";
      const found = committeeOf(attestation);
      if (typeof found === "string") return "ignore";
      const attesters = attestersOf(attestation, found.committee);
      if (!attesters) return "reject";
      if (!verifyAttestation(attestation, attesters)) return "reject";
      d.pools.addCandidate(msg);
      return "accept";
    },
  });

  p2p.registerTopicHandler<Uint8Array>("shard_tx", {
    maxBytes: TRANSACTION_SIZE,
    decode: (bytes) => bytes,
    validate: (bytes, _from, topic) => ("shard" in topic ? d.txs.onGossip(bytes, topic.shard) : "reject"),
  });

  p2p.registerTopicHandler<IncomingReceiptValue>("shard_receipts", {
    maxBytes: 4096,
    decode: (bytes) => IncomingReceipt.deserialize(bytes),
    validate: (incoming, _from, topic): ValidationResult => {
      if (!("shard" in topic) || incoming.receipt.dest !== topic.shard) return "reject";
      if (!d.receipts.verify(incoming)) return "ignore";
      d.receipts.pool(incoming);
      return "accept";
    },
  });

  function count(result: ValidationResult, reason: string): ValidationResult {
    metrics.attestationsTotal.inc({
      result: result === "accept" ? "accepted" : `${result === "reject" ? "rejected" : "ignored"}_${reason}`,
    });
    return result;
  }
}
