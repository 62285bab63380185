import { describe, expect, it } from "vitest";
import {
  accumulatorInsert,
  accumulatorRoot,
  isReceiptProofValid,
  OUTBOX_DEPTH,
  Outbox,
  Outboxes,
  OutboxLog,
  OutboxLogSnapshot,
  outboxesBranch,
  outboxesRoot,
  type Receipt,
  Receipt as ReceiptType,
  type ShardState,
} from "../../src/shard/index.js";
import { genesisStates } from "./helpers.js";

function receipt(source: number, dest: number, seq: number): Receipt {
  return {
    source,
    dest,
    seq,
    from: new Uint8Array(20).fill(1 + (seq % 200)),
    to: new Uint8Array(20).fill(2),
    amount: BigInt(seq + 1),
    txHash: new Uint8Array(32).fill(seq % 251),
  };
}

/**
 * Shard 0's state after sending `counts[dest]` receipts to each dest (through the state's accumulators); the
 * last of the 5 outboxes is the beacon outbox (deposits).
 */
function sourceWith(counts: number[]): { state: ShardState; sent: Receipt[][] } {
  const state = genesisStates(2)[0]!;
  const sent = counts.map((count, dest) => Array.from({ length: count }, (_, seq) => receipt(0, dest, seq)));
  for (const list of sent) for (const r of list) state.appendReceipt(r);
  return { state, sent };
}

describe("outbox accumulator (incremental Merkle list, DESIGN.md §3)", () => {
  it("has the hash_tree_root of the list of the receipts it appended, at every count", () => {
    const branch = Array.from({ length: OUTBOX_DEPTH }, () => new Uint8Array(32));
    const receipts: Receipt[] = [];
    for (let count = 0; count <= 70; count++) {
      expect(accumulatorRoot(branch, count)).toEqual(Outbox.hashTreeRoot(receipts));
      const next = receipt(0, 1, count);
      accumulatorInsert(branch, count, ReceiptType.hashTreeRoot(next));
      receipts.push(next);
    }
  });

  it("a state's outboxRoot is that of its outboxes as lists, and its size does not grow with receipts", () => {
    const { state, sent } = sourceWith([3, 17, 0, 5, 2]);
    expect(state.outboxRoot()).toEqual(Outboxes.hashTreeRoot(sent));
    expect([0, 1, 2, 3, 4].map((d) => state.outboxLength(d))).toEqual([3, 17, 0, 5, 2]);
    expect(state.sentAmount(1)).toBe(BigInt((17 * 18) / 2));
    const small = sourceWith([1, 1, 1, 1, 1]).state.serialize().length;
    expect(sourceWith([300, 300, 300, 300, 300]).state.serialize().length).toBe(small);
  });
});

describe("OutboxLog (the receipts a relaying node keeps to prove them)", () => {
  it("proves every kept receipt against the outbox root at any count from its base, after pruning too", () => {
    const counts = [0, 37, 2, 9, 4];
    const { state, sent } = sourceWith(counts);
    const log = OutboxLog.fromState(genesisStates(2)[0]!);
    for (let dest = 0; dest < 5; dest++) for (const r of sent[dest]!) log.append(r);
    for (const pruneTo of [0, 1, 5, 16, 21, 36]) {
      log.prune(1, pruneTo);
      expect(log.base(1)).toBe(pruneTo);
      for (let count = pruneTo + 1; count <= 37; count += 3) {
        // The source's outboxes as they were when outbox[1] held `count` receipts.
        const lists = sent.map((list, dest) => (dest === 1 ? list.slice(0, count) : list));
        const root = Outboxes.hashTreeRoot(lists);
        const roots = lists.map((list) => Outbox.hashTreeRoot(list));
        expect(outboxesRoot(roots)).toEqual(root);
        const seqs = Array.from({ length: count - pruneTo }, (_, i) => pruneTo + i);
        const branches = log.branches(1, seqs, count);
        seqs.forEach((seq, i) => {
          const incoming = {
            receipt: sent[1]![seq]!,
            branch: [...branches[i]!, ...outboxesBranch(roots, 1)],
            crosslinkShard: 0,
            crosslinkSlot: 0,
            crosslinkBlockRoot: new Uint8Array(32),
          };
          expect(isReceiptProofValid(incoming, root), `seq ${seq} at count ${count}`).toBe(true);
        });
      }
      expect(() => log.branches(1, [pruneTo - 1], 37)).toThrow(pruneTo === 0 ? RangeError : /not provable/);
    }
    expect(state.outboxRoot()).toEqual(Outboxes.hashTreeRoot(sent));
  });

  it("keeps only what was not pruned, and is restored from its snapshot only onto the state it fits", () => {
    const { state, sent } = sourceWith([4, 12, 1, 0]);
    const log = OutboxLog.fromState(genesisStates(2)[0]!);
    for (const list of sent) for (const r of list) log.append(r);
    log.prune(1, 10);
    log.prune(0, 4);
    expect(log.size).toBe(2 + 1);
    const bytes = OutboxLogSnapshot.serialize(log.snapshot([4, 12, 1, 0]));
    const restored = OutboxLog.fromSnapshot(state, OutboxLogSnapshot.deserialize(bytes));
    expect(restored.count(1)).toBe(12);
    expect(restored.receipt(1, 11)).toEqual(sent[1]![11]);
    // Another state (one receipt fewer to shard 1): refused.
    expect(() =>
      OutboxLog.fromSnapshot(sourceWith([4, 11, 1, 0]).state, OutboxLogSnapshot.deserialize(bytes)),
    ).toThrow(/ends at 12/);
    // A tampered receipt: refused.
    const tampered = OutboxLogSnapshot.deserialize(bytes);
    tampered[1]!.receipts[0]!.amount += 1n;
    expect(() => OutboxLog.fromSnapshot(state, tampered)).toThrow(/does not lead to the state's outbox root/);
  });
});
