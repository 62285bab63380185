import { BitArray } from "@chainsafe/ssz";
import type { BlsBackend } from "@shardnet/crypto";
import type { CachedBeaconState } from "../cache/cachedState.js";
import { DOMAIN_ATTESTER } from "../params/constants.js";
import { getBlockRootAtSlot } from "../stateTransition/accessors.js";
import { attestationSigningRoot } from "../stateTransition/block/attestations.js";
import { AttestationData } from "../types/beacon.js";
import type { AttestationDataValue, AttestationValue } from "../types/index.js";
import { toHex } from "../util/bytes.js";
import { computeEpochAtSlot, computeStartSlotAtEpoch } from "../util/epoch.js";
import { computeDomain } from "../util/signing.js";

export interface AttestationDuty {
  slot: number;
  shard: number;
  /** The shard head the committee votes for (crosslink candidate). */
  shardBlockRoot: Uint8Array;
  /** The beacon head the validator votes for (LMD). */
  beaconBlockRoot: Uint8Array;
}

/**
 * AttestationData for a committee member (phase 0 `get_attestation_data`): `headState` is the state of
 * `beaconBlockRoot` advanced to `duty.slot`; source = its current justified checkpoint; target = the block
 * at the first slot of the slot's epoch (the head itself when the head is at that slot).
 */
export function buildAttestationData(
  headState: CachedBeaconState,
  duty: AttestationDuty,
): AttestationDataValue {
  const { state, epochCtx } = headState;
  const preset = epochCtx.preset;
  if (state.slot !== duty.slot) {
    throw new Error(
      `attestation for slot ${duty.slot} needs the head state advanced to that slot (it is at ${state.slot})`,
    );
  }
  const epoch = computeEpochAtSlot(preset, duty.slot);
  const startSlot = computeStartSlotAtEpoch(preset, epoch);
  const targetRoot = startSlot === state.slot ? duty.beaconBlockRoot : getBlockRootAtSlot(state, startSlot);
  return {
    slot: duty.slot,
    shard: duty.shard,
    shardBlockRoot: duty.shardBlockRoot,
    beaconBlockRoot: duty.beaconBlockRoot,
    source: state.currentJustifiedCheckpoint.toValue(),
    target: { epoch, root: targetRoot },
  };
}

/** The message a committee member signs for `data` on this network. */
export function computeAttestationSigningRoot(
  genesisRoot: Uint8Array,
  data: AttestationDataValue,
): Uint8Array {
  return attestationSigningRoot(computeDomain(DOMAIN_ATTESTER, genesisRoot), data);
}

/** An attestation by the member at `positionInCommittee` (one bit set) with its signature bytes. */
export function singleAttestation(
  data: AttestationDataValue,
  committeeSize: number,
  positionInCommittee: number,
  signature: Uint8Array,
): AttestationValue {
  return { aggregationBits: BitArray.fromSingleBit(committeeSize, positionInCommittee), data, signature };
}

/**
 * Merges attestations with equal data and disjoint bits (greedy, largest first), aggregating signatures.
 * Overlapping aggregates are kept separate. Output order: by data, largest aggregate first.
 */
export function aggregateAttestations(
  bls: BlsBackend,
  attestations: readonly AttestationValue[],
): AttestationValue[] {
  const byData = new Map<string, AttestationValue[]>();
  for (const attestation of attestations) {
    const key = toHex(AttestationData.hashTreeRoot(attestation.data));
    const group = byData.get(key) ?? [];
    group.push(attestation);
    byData.set(key, group);
  }
  const out: AttestationValue[] = [];
  for (const group of byData.values()) {
    const sorted = [...group].sort(
      (a, b) => b.aggregationBits.getTrueBitIndexes().length - a.aggregationBits.getTrueBitIndexes().length,
    );
    const merged: { bits: BitArray; signatures: Uint8Array[]; data: AttestationDataValue }[] = [];
    for (const attestation of sorted) {
      const target = merged.find(
        (m) =>
          m.bits.bitLen === attestation.aggregationBits.bitLen &&
          !attestation.aggregationBits.getTrueBitIndexes().some((i) => m.bits.get(i)),
      );
      if (target) {
        target.bits.mergeOrWith(attestation.aggregationBits);
        target.signatures.push(attestation.signature);
      } else {
        merged.push({
          bits: attestation.aggregationBits.clone(),
          signatures: [attestation.signature],
          data: attestation.data,
        });
      }
    }
    for (const m of merged) {
      const signature =
        m.signatures.length === 1
          ? (m.signatures[0] as Uint8Array)
          : bls.aggregateSignatures(m.signatures.map((s) => bls.signatureFromBytes(s))).toBytes();
      out.push({ aggregationBits: m.bits, data: m.data, signature });
    }
  }
  return out;
}
