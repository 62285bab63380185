import { merkleBranch } from "../shard/merkle.js";
import { receiptGindex } from "../shard/receipts.js";
import type { IncomingReceipt } from "../shard/types.js";
import type { BeaconStateView } from "../types/index.js";

/** The beacon block a shard block builds on, whose post-state holds the withdrawal receipts. */
export interface WithdrawalProofAnchor {
  slot: number;
  blockRoot: Uint8Array;
}

/**
 * The withdrawal receipts of `state` (the post-state of `anchor`) for shard `dest` from sequence number `from`
 * (the shard's inbox cursor SHARD_COUNT), at most `max`, each with its branch to the root of
 * `state.withdrawalOutboxes`: what a shard proposer includes so the receipts are credited (receipts.ts
 * checkIncomingReceipt, with crosslinkLookupFromList's beacon source). Reads `state`, never writes it.
 */
export function withdrawalReceiptProofs(
  state: BeaconStateView,
  shardCount: number,
  dest: number,
  from: number,
  max: number,
  anchor: WithdrawalProofAnchor,
): IncomingReceipt[] {
  if (dest >= state.withdrawalOutboxes.length) return [];
  const outbox = state.withdrawalOutboxes.getReadonly(dest);
  const end = Math.min(outbox.length, from + max);
  if (end <= from) return [];
  const root = state.withdrawalOutboxes.node;
  const out: IncomingReceipt[] = [];
  for (let seq = from; seq < end; seq++) {
    out.push({
      receipt: outbox.getReadonly(seq).toValue(),
      branch: merkleBranch(root, receiptGindex(dest, seq)),
      crosslinkShard: shardCount,
      crosslinkSlot: anchor.slot,
      crosslinkBlockRoot: anchor.blockRoot,
    });
  }
  return out;
}
