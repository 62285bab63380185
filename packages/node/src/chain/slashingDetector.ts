import {
  AttestationData,
  type AttestationDataValue,
  type AttesterSlashingValue,
  isSlashableAttestationData,
} from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";

interface Vote {
  slot: number;
  dataRoot: string;
  data: AttestationDataValue;
  signature: Uint8Array;
}

/**
 * Watches single-validator attestations for slashable pairs (DESIGN.md §4): two different votes for one
 * slot, two different FFG votes for one target epoch, or a surround vote. Keeps each validator's votes of
 * the last `retainEpochs` target epochs.
 */
export class SlashingDetector {
  private readonly votes = new Map<number, Vote[]>();

  constructor(private readonly retainEpochs = 4) {}

  /** Records a verified single attestation; returns evidence when it conflicts with an earlier one. */
  onAttestation(
    validatorIndex: number,
    data: AttestationDataValue,
    signature: Uint8Array,
  ): AttesterSlashingValue | undefined {
    const dataRoot = bytesToHex(AttestationData.hashTreeRoot(data));
    const list = this.votes.get(validatorIndex) ?? [];
    let evidence: AttesterSlashingValue | undefined;
    for (const vote of list) {
      if (vote.dataRoot === dataRoot) return undefined; // the same vote again
      const candidate =
        vote.slot === data.slot ||
        vote.data.target.epoch === data.target.epoch ||
        (vote.data.source.epoch < data.source.epoch && data.target.epoch < vote.data.target.epoch) ||
        (data.source.epoch < vote.data.source.epoch && vote.data.target.epoch < data.target.epoch);
      if (candidate && isSlashableAttestationData(vote.data, data)) {
        evidence = {
          attestation1: { attestingIndices: [validatorIndex], data: vote.data, signature: vote.signature },
          attestation2: { attestingIndices: [validatorIndex], data, signature },
        };
        break;
      }
    }
    const kept = list.filter((v) => v.data.target.epoch + this.retainEpochs > data.target.epoch);
    kept.push({ slot: data.slot, dataRoot, data, signature });
    this.votes.set(validatorIndex, kept);
    return evidence;
  }
}
