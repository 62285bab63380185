import type { CrosslinkValue } from "../types/index.js";
import { addressKey } from "./address.js";
import { RECEIPT_BRANCH_DEPTH } from "./constants.js";
import type { ReceiptRejection } from "./errors.js";
import { isValidBranch } from "./merkle.js";
import { outboxesBranch } from "./outboxAccumulator.js";
import type { OutboxLog } from "./outboxLog.js";
import type { ShardState } from "./state.js";
import { type IncomingReceipt, Outboxes, Receipt } from "./types.js";

/**
 * The crosslinks present in the beacon state a shard block builds on (its `beaconBlockRoot`): a receipt may
 * only be proven against one of these. The beacon side decides how much history it exposes (at least each
 * shard's current crosslink).
 */
export interface CrosslinkLookup {
  get(shard: number, shardBlockRoot: Uint8Array): CrosslinkValue | undefined;
}

/**
 * The beacon chain as a receipt source (withdrawals, issue 18): the beacon state a shard block builds on, with the
 * root of its `withdrawal_outboxes`. Receipts from `source` (= SHARD_COUNT) are proven against that root, and name
 * the beacon block as their "crosslink" (`crosslinkShard` SHARD_COUNT, its slot and root).
 */
export interface BeaconReceiptSource {
  source: number;
  slot: number;
  blockRoot: Uint8Array;
  withdrawalOutboxRoot: Uint8Array;
}

/**
 * A lookup over a plain list of crosslinks (e.g. the beacon state's current crosslinks) and, when given, the
 * beacon state's withdrawal outboxes as a pseudo-crosslink of source SHARD_COUNT.
 */
export function crosslinkLookupFromList(
  crosslinks: Iterable<CrosslinkValue>,
  beacon?: BeaconReceiptSource,
): CrosslinkLookup {
  const byKey = new Map<string, CrosslinkValue>();
  for (const crosslink of crosslinks)
    byKey.set(`${crosslink.shard}:${addressKey(crosslink.shardBlockRoot)}`, crosslink);
  if (beacon)
    byKey.set(`${beacon.source}:${addressKey(beacon.blockRoot)}`, {
      shard: beacon.source,
      slot: beacon.slot,
      shardBlockRoot: beacon.blockRoot,
      stateRoot: new Uint8Array(32),
      outboxRoot: beacon.withdrawalOutboxRoot,
      parentCrosslinkRoot: new Uint8Array(32),
    });
  return { get: (shard, root) => byKey.get(`${shard}:${addressKey(root)}`) };
}

/** Generalized index of outboxes[dest][seq] below an outbox root. */
export function receiptGindex(dest: number, seq: number): bigint {
  return Outboxes.getPathInfo([dest, seq]).gindex;
}

/**
 * Proofs that receipts `seqs` of outbox[dest] are committed by `sourceState`'s outbox root, to be checked
 * against the crosslink of the block that produced `sourceState` (by default: its slot and
 * latestBlockRoot). The receipts and the lower part of each branch come from `log` (the state keeps only
 * accumulators), which must hold them: seqs at or above its base and below the state's outbox count.
 */
export function buildReceiptProofs(
  sourceState: ShardState,
  log: OutboxLog,
  dest: number,
  seqs: readonly number[],
  crosslink: { slot: number; shardBlockRoot: Uint8Array } = {
    slot: sourceState.slot,
    shardBlockRoot: sourceState.latestBlockRoot,
  },
): IncomingReceipt[] {
  const count = sourceState.outboxLength(dest);
  if (log.count(dest) < count)
    throw new RangeError(
      `shard ${sourceState.shard}'s receipt log to shard ${dest} ends at ${log.count(dest)}, below the state's ${count}`,
    );
  const inner = log.branches(dest, seqs, count);
  const outer = outboxesBranch(sourceState.outboxRoots(), dest);
  return seqs.map((seq, i) => {
    const branch = [...inner[i]!, ...outer];
    if (branch.length !== RECEIPT_BRANCH_DEPTH)
      throw new Error(`internal: receipt branch has ${branch.length} nodes`);
    return {
      receipt: log.receipt(dest, seq)!,
      branch,
      crosslinkShard: sourceState.shard,
      crosslinkSlot: crosslink.slot,
      crosslinkBlockRoot: crosslink.shardBlockRoot,
    };
  });
}

/** One receipt's proof (see buildReceiptProofs). */
export function buildReceiptProof(
  sourceState: ShardState,
  log: OutboxLog,
  dest: number,
  seq: number,
  crosslink?: { slot: number; shardBlockRoot: Uint8Array },
): IncomingReceipt {
  return buildReceiptProofs(sourceState, log, dest, [seq], crosslink)[0]!;
}

/**
 * Stateless part of receipt validation (e.g. for gossip): the branch leads from hash_tree_root(receipt) at
 * outboxes[dest][seq] to `outboxRoot`.
 */
export function isReceiptProofValid(incoming: IncomingReceipt, outboxRoot: Uint8Array): boolean {
  const { receipt } = incoming;
  if (!Number.isSafeInteger(receipt.dest) || receipt.dest < 0 || receipt.dest >= Outboxes.limit) return false;
  if (!Number.isSafeInteger(receipt.seq) || receipt.seq < 0 || receipt.seq >= Outboxes.elementType.limit)
    return false;
  const gindex = receiptGindex(receipt.dest, receipt.seq);
  return isValidBranch(Receipt.hashTreeRoot(receipt), incoming.branch, gindex, outboxRoot);
}

export type ReceiptCheck = { ok: true } | ({ ok: false } & ReceiptRejection);

/**
 * Checks that `incoming` is the next receipt `state` expects from its source and that it is committed by a
 * crosslink in `crosslinks`. Reads the state, never writes it.
 */
export function checkIncomingReceipt(
  state: ShardState,
  incoming: IncomingReceipt,
  crosslinks: CrosslinkLookup,
): ReceiptCheck {
  const { receipt } = incoming;
  if (receipt.dest !== state.shard) {
    return {
      ok: false,
      reason: "wrong_destination",
      message: `receipt is for shard ${receipt.dest}, not ${state.shard}`,
    };
  }
  // Sources: the other shards, and the beacon chain (source SHARD_COUNT: withdrawals).
  if (
    receipt.source === state.shard ||
    receipt.source > state.shardCount ||
    receipt.source !== incoming.crosslinkShard
  ) {
    return {
      ok: false,
      reason: "wrong_source",
      message: `receipt source ${receipt.source} is neither another shard nor the beacon chain (${state.shardCount}), or does not match crosslink shard ${incoming.crosslinkShard}`,
    };
  }
  const cursor = state.inboxCursor(receipt.source);
  if (receipt.seq < cursor) {
    return {
      ok: false,
      reason: "receipt_replay",
      message: `receipt ${receipt.seq} from shard ${receipt.source} already credited`,
    };
  }
  if (receipt.seq > cursor) {
    return {
      ok: false,
      reason: "receipt_gap",
      message: `receipt ${receipt.seq} from shard ${receipt.source} skips ahead: next expected is ${cursor}`,
    };
  }
  const crosslink = crosslinks.get(receipt.source, incoming.crosslinkBlockRoot);
  if (crosslink === undefined) {
    return {
      ok: false,
      reason: "unknown_crosslink",
      message: `no crosslink of shard ${receipt.source} to block 0x${addressKey(incoming.crosslinkBlockRoot)} in the beacon state`,
    };
  }
  if (crosslink.slot !== incoming.crosslinkSlot || crosslink.shard !== receipt.source) {
    return {
      ok: false,
      reason: "crosslink_mismatch",
      message: `crosslink is for shard ${crosslink.shard} slot ${crosslink.slot}, receipt claims slot ${incoming.crosslinkSlot}`,
    };
  }
  if (!isReceiptProofValid(incoming, crosslink.outboxRoot)) {
    return {
      ok: false,
      reason: "bad_receipt_proof",
      message: "Merkle branch does not lead to the crosslink's outbox root",
    };
  }
  if (!state.canCredit(receipt.to, receipt.amount)) {
    return { ok: false, reason: "balance_overflow", message: "recipient balance would exceed 2^64-1" };
  }
  return { ok: true };
}

/** Credits a checked receipt and advances the inbox cursor of its source. */
export function applyIncomingReceipt(state: ShardState, incoming: IncomingReceipt): void {
  if (!state.credit(incoming.receipt.to, incoming.receipt.amount))
    throw new Error("internal: receipt credit overflow");
  state.advanceInboxCursor(incoming.receipt.source, incoming.receipt.amount);
}

/**
 * Amount sent but not yet credited, over a consistent set of shard states (one per shard, index = shard):
 * what each source sent to each destination less what that destination credited from it.
 */
export function receiptsInFlight(states: readonly ShardState[]): bigint {
  let total = 0n;
  for (const source of states) {
    for (const dest of states) {
      if (dest.shard === source.shard) continue;
      total += source.sentAmount(dest.shard) - dest.creditedAmount(source.shard);
    }
  }
  return total;
}

/** Sum of every shard's deposits to the beacon chain (what its beacon outbox sent): stake paid from balances. */
export function depositsPaid(states: readonly ShardState[]): bigint {
  let total = 0n;
  for (const state of states) total += state.sentAmount(state.beaconOutbox);
  return total;
}

/** Sum of the withdrawals every shard credited from the beacon chain (its inbox from source SHARD_COUNT). */
export function withdrawalsCredited(states: readonly ShardState[]): bigint {
  let total = 0n;
  for (const state of states) total += state.creditedAmount(state.beaconOutbox);
  return total;
}

/**
 * The shards' side of the supply invariant (DESIGN.md §9.2, extended by issue 18): balances + receipts in flight
 * between shards + fees burned + deposits paid to the beacon chain − withdrawals credited from it = the genesis
 * accounts' supply. The beacon side (stakeLedgerProblem) and the two crossings (depositsRegisteredProblem,
 * withdrawalsCreditedProblem) complete it to the whole invariant.
 */
export function isSupplyConserved(states: readonly ShardState[], genesisSupply: bigint): boolean {
  let total = receiptsInFlight(states) + depositsPaid(states) - withdrawalsCredited(states);
  for (const state of states) total += state.totalBalance() + state.feesBurned;
  return total === genesisSupply;
}

/**
 * Why the deposits a beacon state registered (`depositedAmounts`, per shard) are not covered by what the shards
 * paid (their states, consistent with or newer than that beacon state), or null.
 */
export function depositsRegisteredProblem(
  states: readonly ShardState[],
  depositedAmounts: readonly bigint[],
): string | null {
  for (const state of states) {
    const paid = state.sentAmount(state.beaconOutbox);
    const registered = depositedAmounts[state.shard] ?? 0n;
    if (registered > paid)
      return `the beacon chain registered ${registered} gwei of deposits from shard ${state.shard}, which paid ${paid}`;
  }
  return null;
}

/**
 * Why the withdrawals the shards credited (their states, consistent with or older than the beacon state whose
 * `withdrawnAmounts` are given) exceed what the beacon chain sent them, or null.
 */
export function withdrawalsCreditedProblem(
  states: readonly ShardState[],
  withdrawnAmounts: readonly bigint[],
): string | null {
  for (const state of states) {
    const credited = state.creditedAmount(state.beaconOutbox);
    const sent = withdrawnAmounts[state.shard] ?? 0n;
    if (credited > sent)
      return `shard ${state.shard} credited ${credited} gwei of withdrawals, the beacon chain sent it ${sent}`;
  }
  return null;
}
