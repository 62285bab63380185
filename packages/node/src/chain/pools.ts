import { ContainerType, ListCompositeType } from "@chainsafe/ssz";
import {
  Attestation,
  AttestationData,
  type AttestationValue,
  AttesterSlashing,
  aggregateAttestations,
  type CrosslinkCandidate,
  ProposerSlashing,
  ShardBlockHeader,
} from "@shardnet/consensus";
import { type BlsBackend, bytesToHex } from "@shardnet/crypto";

/** Gossip payload on the `slashing` topic: one piece of proposer or attester evidence. */
export const SlashingMessage = new ContainerType(
  {
    proposerSlashings: new ListCompositeType(ProposerSlashing, 1),
    attesterSlashings: new ListCompositeType(AttesterSlashing, 1),
  },
  { typeName: "SlashingMessage", jsonCase: "eth2" },
);

/** Gossip payload on the `crosslink` topic: a shard head and an aggregate voting for it. */
export const CrosslinkCandidateMessage = new ContainerType(
  { header: ShardBlockHeader, attestation: Attestation },
  { typeName: "CrosslinkCandidateMessage", jsonCase: "eth2" },
);

/**
 * Attestations waiting for aggregation and inclusion, and crosslink candidates waiting for a beacon proposer.
 * Keeps only the recent slots (`retainSlots`): older votes can no longer be included.
 */
export class OperationPools {
  /** Individual committee attestations by slot → shard → data root. */
  private readonly singles = new Map<number, Map<number, Map<string, AttestationValue[]>>>();
  /** Aggregates for block inclusion, by slot → key (data root + bits) → aggregate. */
  private readonly aggregates = new Map<number, Map<string, AttestationValue>>();
  /** Crosslink candidates by shard → shard block root → best candidate (most bits). */
  private readonly candidates = new Map<number, Map<string, CrosslinkCandidate & { slot: number }>>();

  constructor(
    private readonly bls: BlsBackend,
    private readonly retainSlots: number,
  ) {}

  /** Entries held per pool (shardnet_cache_entries). */
  cacheSizes(): Record<string, number> {
    let singles = 0;
    for (const byShard of this.singles.values())
      for (const byRoot of byShard.values()) singles += byRoot.size;
    let aggregates = 0;
    for (const bySlot of this.aggregates.values()) aggregates += bySlot.size;
    let candidates = 0;
    for (const byRoot of this.candidates.values()) candidates += byRoot.size;
    return { pool_attestations: singles, pool_aggregates: aggregates, pool_crosslink_candidates: candidates };
  }

  addSingle(attestation: AttestationValue): void {
    const { slot, shard } = attestation.data;
    const dataRoot = bytesToHex(AttestationData.hashTreeRoot(attestation.data));
    const byShard = getOrCreate(this.singles, slot, () => new Map<number, Map<string, AttestationValue[]>>());
    const byData = getOrCreate(byShard, shard, () => new Map<string, AttestationValue[]>());
    const list = byData.get(dataRoot) ?? [];
    const bit = attestation.aggregationBits.getTrueBitIndexes()[0];
    if (list.some((a) => a.aggregationBits.getTrueBitIndexes()[0] === bit)) return;
    list.push(attestation);
    byData.set(dataRoot, list);
  }

  /** Single attestations held for (slot, shard), over every data root (no new one: no better aggregate). */
  singleCount(slot: number, shard: number): number {
    let count = 0;
    for (const list of this.singles.get(slot)?.get(shard)?.values() ?? []) count += list.length;
    return count;
  }

  /** Aggregates of the single attestations seen for (slot, shard), largest first. */
  aggregateFor(slot: number, shard: number): AttestationValue[] {
    const byData = this.singles.get(slot)?.get(shard);
    if (!byData) return [];
    const all = [...byData.values()].flat();
    return aggregateAttestations(this.bls, all).sort(
      (a, b) => b.aggregationBits.getTrueBitIndexes().length - a.aggregationBits.getTrueBitIndexes().length,
    );
  }

  addAggregate(attestation: AttestationValue): void {
    const slot = attestation.data.slot;
    const bySlot = getOrCreate(this.aggregates, slot, () => new Map<string, AttestationValue>());
    const key = `${bytesToHex(AttestationData.hashTreeRoot(attestation.data))}:${attestation.aggregationBits.getTrueBitIndexes().join(",")}`;
    bySlot.set(key, attestation);
  }

  /** Aggregates of slots in [fromSlot, toSlot), merged where bits are disjoint. */
  aggregatesForBlock(fromSlot: number, toSlot: number): AttestationValue[] {
    const out: AttestationValue[] = [];
    for (const [slot, bySlot] of this.aggregates) {
      if (slot >= fromSlot && slot < toSlot) out.push(...bySlot.values());
    }
    return aggregateAttestations(this.bls, out);
  }

  addCandidate(candidate: CrosslinkCandidate): void {
    const shard = candidate.header.shard;
    const root = bytesToHex(ShardBlockHeader.hashTreeRoot(candidate.header));
    const byRoot = getOrCreate(
      this.candidates,
      shard,
      () => new Map<string, CrosslinkCandidate & { slot: number }>(),
    );
    const existing = byRoot.get(root);
    const bits = candidate.attestation.aggregationBits.getTrueBitIndexes().length;
    if (existing && existing.attestation.aggregationBits.getTrueBitIndexes().length >= bits) return;
    byRoot.set(root, { ...candidate, slot: candidate.header.slot });
  }

  crosslinkCandidates(): CrosslinkCandidate[] {
    const out: CrosslinkCandidate[] = [];
    for (const byRoot of this.candidates.values()) out.push(...byRoot.values());
    return out;
  }

  /** Forgets everything older than `currentSlot - retainSlots`. */
  prune(currentSlot: number): void {
    const oldest = currentSlot - this.retainSlots;
    for (const slot of this.singles.keys()) if (slot < oldest) this.singles.delete(slot);
    for (const slot of this.aggregates.keys()) if (slot < oldest) this.aggregates.delete(slot);
    for (const byRoot of this.candidates.values()) {
      for (const [root, c] of byRoot) if (c.slot < oldest) byRoot.delete(root);
    }
  }
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
