import {
  Attestation,
  type AttestationValue,
  type AttesterSlashingValue,
  attestingIndicesIn,
  BlockError,
  computeAttestationSigningRoot,
  DepositTransaction,
  type DepositTransactionValue,
  IncomingReceipt,
  SignedBeaconBlock,
  type SignedBeaconBlockValue,
  SignedShardBlock,
  SignedVoluntaryExit,
  type SignedVoluntaryExitValue,
} from "@shardnet/consensus";
import { bytesToHex, type SignatureSet } from "@shardnet/crypto";
import type { GossipTopic, P2pNode, ValidationResult } from "@shardnet/p2p";
import type { Logger } from "pino";
import { BatchVerifier } from "../bls/batchVerifier.js";
import type { BeaconChain } from "../chain/beaconChain.js";
import { CrosslinkCandidateMessage, type OperationPools, SlashingMessage } from "../chain/pools.js";
import type { ShardChain } from "../chain/shardChain.js";
import { SlashingDetector } from "../chain/slashingDetector.js";
import type { ExitRefusal } from "../chain/voluntaryExitPool.js";
import type { DepositSubmission } from "../deposits/depositService.js";
import type { NodeMetrics } from "../metrics/nodeMetrics.js";
import type { IncomingReceiptValue, ReceiptRelay } from "../receipts/receiptRelay.js";
import { MAX_TX_GOSSIP_BYTES, type TxService } from "../tx/txService.js";

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
  /** Gossips attester-slashing evidence detected here. */
  publishSlashing: (evidence: AttesterSlashingValue) => void;
  /** Checks and pools a voluntary exit; why it was refused, or null. */
  addVoluntaryExit: (signed: SignedVoluntaryExitValue) => ExitRefusal | null;
  /** Checks and pools a deposit transaction. */
  addDeposit: (tx: DepositTransactionValue) => DepositSubmission;
}

const MAX_BLOCK_BYTES = 10 * 1024 * 1024;
const MAX_ATTESTATION_BYTES = 4096;

/** Registers the consensus validators of every gossip topic kind (DESIGN.md §5). */
export function registerGossipHandlers(d: GossipDeps): void {
  const { p2p, beacon, metrics } = d;
  const bls = beacon.bls;
  const detector = new SlashingDetector();
  const batch = new BatchVerifier(bls, {
    maxBatch: 64,
    maxWaitMs: 5,
    observe: (seconds) => metrics.blsVerifySeconds.observe(seconds),
  });
  /**
   * Validator indices of an attestation's set bits, or the reason it cannot be checked now. A vote for a
   * beacon block this node has not imported (it is syncing, or the block is late) is `unknown_block`: its
   * committee cannot be judged from this node's head, so it is ignored, never rejected (a syncing node
   * that rejected honest votes would graylist every peer and cut itself off).
   */
  const attestersOf = (
    att: AttestationValue,
  ): number[] | "future" | "too_old" | "unknown_block" | "bad_bits" => {
    const slot = att.data.slot;
    const now = d.currentSlot();
    if (slot > now + 1) return "future";
    if (slot + 2 * beacon.preset.SLOTS_PER_EPOCH < now) return "too_old";
    const voted = beacon.contextOf(bytesToHex(att.data.beaconBlockRoot));
    if (voted === undefined) return "unknown_block";
    // The committee is the voted chain's, whatever this node's head (a node behind or on another branch
    // computes other committees, and must not reject honest votes for them).
    try {
      const attesters = attestingIndicesIn(voted.epochCtx, att);
      return attesters.length > 0 ? attesters : "bad_bits";
    } catch (err) {
      return err instanceof BlockError && err.code === "TOO_OLD" ? "too_old" : "bad_bits";
    }
  };
  /** The attestation's aggregate signature, checked in a batch with other gossip signatures. */
  const verifyAttestation = async (att: AttestationValue, attesters: number[]): Promise<boolean> => {
    const state = beacon.head().state;
    let set: SignatureSet;
    try {
      const keys = attesters.map((i) => state.epochCtx.pubkeys.get(i));
      set = {
        publicKey: keys.length === 1 ? keys[0]! : bls.aggregatePublicKeys(keys),
        message: computeAttestationSigningRoot(state.state.genesisRoot, att.data),
        signature: bls.signatureFromBytes(att.signature),
      };
    } catch {
      return false;
    }
    return batch.verify(set);
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
    validate: async (att, _from, topic): Promise<ValidationResult> => {
      if (!("shard" in topic) || att.data.shard !== topic.shard) return count("reject", "wrong_shard");
      const attesters = attestersOf(att);
      if (attesters === "future" || attesters === "too_old" || attesters === "unknown_block")
        return count("ignore", attesters);
      if (attesters === "bad_bits" || attesters.length !== 1) return count("reject", "not_single");
      if (!(await verifyAttestation(att, attesters))) return count("reject", "bad_signature");
      const evidence = detector.onAttestation(attesters[0]!, att.data, att.signature);
      if (evidence && beacon.addAttesterSlashing(evidence) === null) d.publishSlashing(evidence);
      d.pools.addSingle(att);
      recordVotes(att, attesters);
      return count("accept", "valid");
    },
  });

  p2p.registerTopicHandler<AttestationValue>("beacon_aggregate", {
    maxBytes: MAX_ATTESTATION_BYTES,
    decode: (bytes) => Attestation.deserialize(bytes),
    validate: async (att): Promise<ValidationResult> => {
      const attesters = attestersOf(att);
      if (attesters === "future" || attesters === "too_old" || attesters === "unknown_block")
        return count("ignore", attesters);
      if (attesters === "bad_bits") return count("reject", "bad_bits");
      if (!(await verifyAttestation(att, attesters))) return count("reject", "bad_signature");
      d.pools.addAggregate(att);
      recordVotes(att, attesters);
      return count("accept", "valid");
    },
  });

  p2p.registerTopicHandler("crosslink", {
    maxBytes: MAX_ATTESTATION_BYTES + 1024,
    decode: (bytes) => CrosslinkCandidateMessage.deserialize(bytes),
    validate: async (msg): Promise<ValidationResult> => {
      const { header, attestation } = msg;
      if (header.shard !== attestation.data.shard) return "reject";
      const headerRoot = bytesToHex(CrosslinkCandidateMessage.fields.header.hashTreeRoot(header));
      if (headerRoot !== bytesToHex(attestation.data.shardBlockRoot)) return "reject";
      const attesters = attestersOf(attestation);
      if (attesters === "future" || attesters === "too_old" || attesters === "unknown_block") return "ignore";
      if (attesters === "bad_bits") return "reject";
      if (!(await verifyAttestation(attestation, attesters))) return "reject";
      d.pools.addCandidate(msg);
      return "accept";
    },
  });

  p2p.registerTopicHandler("slashing", {
    maxBytes: 64 * 1024,
    decode: (bytes) => SlashingMessage.deserialize(bytes),
    validate: (msg): ValidationResult => {
      const proposer = msg.proposerSlashings[0];
      const attester = msg.attesterSlashings[0];
      if ((proposer ? 1 : 0) + (attester ? 1 : 0) !== 1) return "reject";
      const refused = proposer ? beacon.addProposerSlashing(proposer) : beacon.addAttesterSlashing(attester!);
      if (refused === null) return "accept";
      // Known or stale evidence is ignored: a correct peer may send it before it learns what this node knows.
      return refused.kind === "invalid" ? "reject" : "ignore";
    },
  });

  p2p.registerTopicHandler("voluntary_exit", {
    maxBytes: SignedVoluntaryExit.maxSize,
    decode: (bytes) => SignedVoluntaryExit.deserialize(bytes),
    validate: (signed): ValidationResult => {
      const refused = d.addVoluntaryExit(signed);
      if (refused === null) return "accept";
      // Only a forgery or an unknown validator is the sender's fault; a known, early or stale exit is not.
      return refused.kind === "invalid" ? "reject" : "ignore";
    },
  });

  p2p.registerTopicHandler("deposit", {
    maxBytes: DepositTransaction.maxSize,
    decode: (bytes) => DepositTransaction.deserialize(bytes),
    validate: (tx): ValidationResult => {
      const result = d.addDeposit(tx);
      if ("status" in result) return result.status === "pooled" ? "accept" : "ignore";
      // Forged or malformed content is the sender's fault; a stale nonce or a full pool is not.
      return result.kind === "invalid" ? "reject" : "ignore";
    },
  });

  p2p.registerTopicHandler<Uint8Array>("shard_tx", {
    maxBytes: MAX_TX_GOSSIP_BYTES,
    decode: (bytes) => bytes,
    validate: (bytes, from, topic) =>
      "shard" in topic ? d.txs.onGossip(bytes, topic.shard, from) : "reject",
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
