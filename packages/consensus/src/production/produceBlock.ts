import { type CachedBeaconState, cloneCachedState } from "../cache/cachedState.js";
import {
  MAX_ATTESTATIONS,
  MAX_ATTESTER_SLASHINGS,
  MAX_DEPOSITS,
  MAX_PROPOSER_SLASHINGS,
  MAX_VOLUNTARY_EXITS,
  TIMELY_SOURCE_FLAG,
  TIMELY_TARGET_FLAG,
} from "../params/constants.js";
import { getAttestingIndices, processAttestation } from "../stateTransition/block/attestations.js";
import type { BlockContext } from "../stateTransition/block/context.js";
import { processCrosslink } from "../stateTransition/block/crosslinks.js";
import { processBlock } from "../stateTransition/block/index.js";
import { checkFfgVote } from "../stateTransition/block/participation.js";
import type { PendingSignatureSet } from "../stateTransition/signatureSets.js";
import { processSlotsInPlace } from "../stateTransition/slots.js";
import { BeaconBlockBody } from "../types/beacon.js";
import type {
  AttestationValue,
  AttesterSlashingValue,
  BeaconBlockValue,
  CrosslinkWithProofValue,
  DepositValue,
  ProposerSlashingValue,
  ShardBlockHeaderValue,
  SignedVoluntaryExitValue,
} from "../types/index.js";
import { ShardBlockHeader } from "../types/shardHeader.js";
import { ZERO_ROOT } from "../util/bytes.js";

/** A shard head and an aggregate voting for it: may become a crosslink. */
export interface CrosslinkCandidate {
  header: ShardBlockHeaderValue;
  attestation: AttestationValue;
}

export interface ProduceBlockInput {
  slot: number;
  randaoReveal: Uint8Array;
  crosslinkCandidates?: readonly CrosslinkCandidate[];
  attestations?: readonly AttestationValue[];
  proposerSlashings?: ProposerSlashingValue[];
  attesterSlashings?: AttesterSlashingValue[];
  deposits?: DepositValue[];
  voluntaryExits?: SignedVoluntaryExitValue[];
}

export interface ProducedBlock {
  /** Unsigned block with its post-state root filled in. */
  block: BeaconBlockValue;
  postState: CachedBeaconState;
  /**
   * The signature sets of the block's operations on its pre-state (not the block signature): the inputs come
   * from pools verified against whatever head was current then, so a proposer checks these before it signs.
   */
  signatureSets: PendingSignatureSet[];
}

function bitCount(attestation: AttestationValue): number {
  return attestation.aggregationBits.getTrueBitIndexes().length;
}

/** The crosslink a candidate would form on top of the shard's current crosslink in `cached`. */
export function crosslinkFromCandidate(
  cached: CachedBeaconState,
  candidate: CrosslinkCandidate,
): CrosslinkWithProofValue {
  const { header } = candidate;
  const current = cached.state.currentCrosslinks.getReadonly(header.shard);
  return {
    crosslink: {
      shard: header.shard,
      slot: header.slot,
      shardBlockRoot: ShardBlockHeader.hashTreeRoot(header),
      stateRoot: header.stateRoot,
      outboxRoot: header.outboxRoot,
      parentCrosslinkRoot: current ? current.hashTreeRoot() : ZERO_ROOT,
    },
    header,
    attestation: candidate.attestation,
  };
}

function draftBlock(cached: CachedBeaconState, input: ProduceBlockInput): BeaconBlockValue {
  const body = BeaconBlockBody.defaultValue();
  body.randaoReveal = input.randaoReveal;
  return {
    slot: input.slot,
    proposerIndex: cached.epochCtx.getBeaconProposer(input.slot),
    parentRoot: cached.state.latestBlockHeader.hashTreeRoot(),
    stateRoot: ZERO_ROOT,
    body,
  };
}

/** Per shard, the best candidate that passes every crosslink rule: newest shard block, then most votes. */
function selectCrosslinks(
  scratch: CachedBeaconState,
  block: BeaconBlockValue,
  candidates: readonly CrosslinkCandidate[],
): {
  chosen: CrosslinkWithProofValue[];
  state: CachedBeaconState;
} {
  const byShard = new Map<number, CrosslinkCandidate[]>();
  for (const candidate of candidates) {
    const list = byShard.get(candidate.header.shard) ?? [];
    list.push(candidate);
    byShard.set(candidate.header.shard, list);
  }
  let state = scratch;
  const chosen: CrosslinkWithProofValue[] = [];
  for (const shard of [...byShard.keys()].sort((a, b) => a - b)) {
    const ranked = (byShard.get(shard) ?? []).sort(
      (a, b) => b.header.slot - a.header.slot || bitCount(b.attestation) - bitCount(a.attestation),
    );
    for (const candidate of ranked) {
      const trial = cloneCachedState(state);
      const item = crosslinkFromCandidate(trial, candidate);
      try {
        processCrosslink({ cached: trial, block, signatureSets: null }, item, new Set(), chosen.length);
      } catch {
        continue;
      }
      chosen.push(item);
      state = trial;
      break;
    }
  }
  return { chosen, state };
}

/** FFG attestations that pass every rule and add a participation flag not yet recorded. */
function selectAttestations(
  scratch: CachedBeaconState,
  block: BeaconBlockValue,
  attestations: readonly AttestationValue[],
): AttestationValue[] {
  const ctx: BlockContext = { cached: scratch, block, signatureSets: null };
  const chosen: AttestationValue[] = [];
  const ranked = [...attestations].sort((a, b) => bitCount(b) - bitCount(a));
  for (const attestation of ranked) {
    if (chosen.length >= MAX_ATTESTATIONS) break;
    const vote = checkFfgVote(ctx, attestation.data);
    if (!vote.ok) continue;
    let attesters: number[];
    try {
      attesters = getAttestingIndices(ctx, attestation);
    } catch {
      continue;
    }
    const participation = vote.isCurrentEpoch
      ? scratch.state.currentEpochParticipation
      : scratch.state.previousEpochParticipation;
    const wanted = vote.flags & (TIMELY_SOURCE_FLAG | TIMELY_TARGET_FLAG);
    if (attesters.every((i) => (participation.get(i) & wanted) === wanted)) continue;
    processAttestation(ctx, attestation, chosen.length);
    chosen.push(attestation);
  }
  return chosen;
}

/**
 * Produces an unsigned beacon block on `pre` for `input.slot`: picks the best valid crosslink per shard and
 * the FFG attestations that add participation, applies the block and fills in the post-state root.
 * Signatures in the inputs are not checked here: the block's signature sets are returned for the caller.
 */
export function produceBlock(pre: CachedBeaconState, input: ProduceBlockInput): ProducedBlock {
  const atSlot = cloneCachedState(pre);
  if (input.slot > atSlot.state.slot) processSlotsInPlace(atSlot, input.slot);
  const block = draftBlock(atSlot, input);
  const selected = selectCrosslinks(cloneCachedState(atSlot), block, input.crosslinkCandidates ?? []);
  block.body.crosslinks = selected.chosen;
  block.body.attestations = selectAttestations(selected.state, block, input.attestations ?? []);
  // Operation lists are capped at their SSZ limits: a longer list would serialize to bytes no peer can decode.
  block.body.proposerSlashings = (input.proposerSlashings ?? []).slice(0, MAX_PROPOSER_SLASHINGS);
  block.body.attesterSlashings = (input.attesterSlashings ?? []).slice(0, MAX_ATTESTER_SLASHINGS);
  block.body.deposits = (input.deposits ?? []).slice(0, MAX_DEPOSITS);
  block.body.voluntaryExits = (input.voluntaryExits ?? []).slice(0, MAX_VOLUNTARY_EXITS);
  const post = cloneCachedState(atSlot);
  const signatureSets = processBlock(post, block);
  block.stateRoot = post.state.hashTreeRoot();
  return { block, postState: post, signatureSets };
}
