import { type CachedBeaconState, cloneCachedState } from "../../cache/cachedState.js";
import type { CrosslinkWithProofValue } from "../../types/index.js";
import { Crosslink, ShardBlockHeader } from "../../types/shardHeader.js";
import { bytesEqual, toHex } from "../../util/bytes.js";
import { isBlockRootOnChainAtOrBefore } from "../accessors.js";
import { BlockError } from "../errors.js";
import { type PendingSignatureSet, verifySignatureSets } from "../signatureSets.js";
import { getAttestingIndices, pushAttestationSignatureSet } from "./attestations.js";
import type { BlockContext } from "./context.js";
import { checkFfgVote, creditParticipation } from "./participation.js";

/** True when `attesting` carries at least 2/3 of `total` (and total > 0): 3·attesting ≥ 2·total. */
export function hasSupermajority(attesting: bigint, total: bigint): boolean {
  return total > 0n && attesting * 3n >= total * 2n;
}

/**
 * One crosslink (DESIGN.md §4): (a) an aggregate over AttestationData with that shard_block_root carrying
 * ≥ 2/3 of the shard committee's stake (one fastAggregateVerify, batched); (b) parent_crosslink_root = root of
 * the shard's current crosslink; (c) the header hashes to shard_block_root; (d, an addition to DESIGN.md §4) the
 * header's beacon_block_root is a block of this chain at or before the header's slot, so the receipts that shard
 * block credited were proven against crosslinks this chain holds; plus slot bounds (header and
 * attestation before the block, attestation not older than one epoch) and one crosslink per shard per block.
 * The aggregate also counts as an FFG vote when its source/target are valid.
 */
export function processCrosslink(
  ctx: BlockContext,
  item: CrosslinkWithProofValue,
  seenShards: Set<number>,
  position: number,
): void {
  const { state, epochCtx } = ctx.cached;
  const preset = epochCtx.preset;
  const { crosslink, header, attestation } = item;
  const data = attestation.data;
  const where = `crosslinks[${position}] (shard ${crosslink.shard})`;
  if (!(Number.isInteger(crosslink.shard) && crosslink.shard >= 0 && crosslink.shard < preset.SHARD_COUNT)) {
    throw new BlockError("WRONG_SHARD", `${where}: shard does not exist (SHARD_COUNT ${preset.SHARD_COUNT})`);
  }
  if (header.shard !== crosslink.shard || data.shard !== crosslink.shard) {
    throw new BlockError(
      "WRONG_SHARD",
      `${where}: header shard ${header.shard} / attestation shard ${data.shard} differ`,
    );
  }
  if (seenShards.has(crosslink.shard)) {
    throw new BlockError("DUPLICATE_SHARD", `${where}: a block may carry at most one crosslink per shard`);
  }
  seenShards.add(crosslink.shard);
  const headerRoot = ShardBlockHeader.hashTreeRoot(header);
  if (!bytesEqual(headerRoot, crosslink.shardBlockRoot)) {
    throw new BlockError(
      "HEADER_ROOT_MISMATCH",
      `${where}: header hashes to ${toHex(headerRoot)}, not shard_block_root`,
    );
  }
  if (
    crosslink.slot !== header.slot ||
    !bytesEqual(crosslink.stateRoot, header.stateRoot) ||
    !bytesEqual(crosslink.outboxRoot, header.outboxRoot)
  ) {
    throw new BlockError(
      "CROSSLINK_HEADER_MISMATCH",
      `${where}: slot, state_root or outbox_root differ from the header`,
    );
  }
  if (!isBlockRootOnChainAtOrBefore(state, header.beaconBlockRoot, header.slot)) {
    throw new BlockError(
      "BEACON_BLOCK_NOT_ON_CHAIN",
      `${where}: the shard block builds on beacon block ${toHex(header.beaconBlockRoot)}, which is not on this chain at or before slot ${header.slot}; crosslink a shard block built on this chain`,
    );
  }
  if (!bytesEqual(data.shardBlockRoot, crosslink.shardBlockRoot)) {
    throw new BlockError(
      "ATTESTATION_ROOT_MISMATCH",
      `${where}: the aggregate votes for another shard block`,
    );
  }
  if (crosslink.slot >= state.slot || data.slot >= state.slot) {
    throw new BlockError(
      "FUTURE_SLOT",
      `${where}: shard block slot ${crosslink.slot} / vote slot ${data.slot} not before block slot ${state.slot}`,
    );
  }
  if (data.slot < crosslink.slot) {
    throw new BlockError(
      "FUTURE_SLOT",
      `${where}: vote slot ${data.slot} precedes the shard block's slot ${crosslink.slot}`,
    );
  }
  if (data.slot + preset.SLOTS_PER_EPOCH < state.slot) {
    throw new BlockError(
      "TOO_OLD",
      `${where}: vote of slot ${data.slot} is older than one epoch at slot ${state.slot}`,
    );
  }
  const current = state.currentCrosslinks.getReadonly(crosslink.shard);
  if (!bytesEqual(crosslink.parentCrosslinkRoot, current.hashTreeRoot())) {
    throw new BlockError(
      "WRONG_PARENT_CROSSLINK",
      `${where}: parent_crosslink_root is not the shard's current crosslink`,
    );
  }
  if (crosslink.slot <= current.slot) {
    throw new BlockError(
      "TOO_OLD",
      `${where}: slot ${crosslink.slot} is not after the current crosslink's slot ${current.slot}`,
    );
  }
  const attesters = getAttestingIndices(ctx, attestation);
  const committee = epochCtx.getShardCommittee(data.shard, data.slot);
  let committeeStake = 0n;
  for (const index of committee) committeeStake += epochCtx.stakeOf(index);
  let attestingStake = 0n;
  for (const index of attesters) attestingStake += epochCtx.stakeOf(index);
  if (!hasSupermajority(attestingStake, committeeStake)) {
    throw new BlockError(
      "INSUFFICIENT_STAKE",
      `${where}: aggregate carries ${attestingStake} of ${committeeStake} gwei, needs 2/3`,
    );
  }
  pushAttestationSignatureSet(ctx, attestation, attesters, where);
  state.currentCrosslinks.set(crosslink.shard, Crosslink.toViewDU(crosslink));
  creditParticipation(ctx, checkFfgVote(ctx, data), attesters);
}

/**
 * Gossip check of one crosslink against `cached` (a state at the slot where a block would include it): every
 * rule of `processCrosslink` plus its aggregate signature. Throws BlockError; `cached` is not modified.
 */
export function verifyCrosslink(cached: CachedBeaconState, item: CrosslinkWithProofValue): void {
  const signatureSets: PendingSignatureSet[] = [];
  const ctx: BlockContext = {
    cached: cloneCachedState(cached),
    block: { slot: cached.state.slot } as BlockContext["block"],
    signatureSets,
  };
  processCrosslink(ctx, item, new Set(), 0);
  verifySignatureSets(cached.epochCtx.pubkeys.bls, signatureSets);
}

export function processCrosslinks(ctx: BlockContext): void {
  const seen = new Set<number>();
  for (const [i, item] of ctx.block.body.crosslinks.entries()) processCrosslink(ctx, item, seen, i);
}
