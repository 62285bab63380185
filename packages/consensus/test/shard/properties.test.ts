import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyIncomingReceipt,
  buildReceiptProof,
  checkIncomingReceipt,
  crosslinkLookupFromList,
  isSupplyConserved,
  OutboxLog,
  processShardBlock,
  processTransaction,
  produceShardBlock,
  type ShardState,
  type Transaction,
} from "../../src/shard/index.js";
import {
  accountsOnShard,
  type DevAccount,
  genesisAllocations,
  genesisStates,
  INITIAL_BALANCE,
  SHARD_COUNT,
  transfer,
} from "./helpers.js";

const FUNDED_PER_SHARD = 2;
const SUPPLY = INITIAL_BALANCE * BigInt(genesisAllocations(FUNDED_PER_SHARD).length);
/** Funded accounts plus one unfunded account per shard (first credit creates it). */
const ACCOUNTS: DevAccount[] = Array.from({ length: SHARD_COUNT }, (_, shard) =>
  accountsOnShard(shard, FUNDED_PER_SHARD + 1),
).flat();

const txOp = fc.record({
  kind: fc.constant("tx" as const),
  from: fc.nat(ACCOUNTS.length - 1),
  to: fc.nat(ACCOUNTS.length - 1),
  amount: fc.oneof(fc.constant(0n), fc.bigInt(1n, 2_000n), fc.bigInt(1n, INITIAL_BALANCE * 2n)),
  fee: fc.bigInt(0n, 50n),
  nonceShift: fc.constantFrom(0, 0, 0, 0, -1, 1),
  corrupt: fc.constantFrom(false, false, false, true),
});
const relayOp = fc.record({
  kind: fc.constant("relay" as const),
  source: fc.nat(SHARD_COUNT - 1),
  dest: fc.nat(SHARD_COUNT - 1),
});
const ops = fc.array(fc.oneof({ arbitrary: txOp, weight: 4 }, { arbitrary: relayOp, weight: 1 }), {
  minLength: 1,
  maxLength: 25,
});

function nextNonce(state: ShardState, account: DevAccount): number {
  return state.getAccount(account.address)?.nonce ?? 0;
}

/** Credits the next receipt source → dest, proven against a crosslink to the source's current state. */
function relayNext(states: ShardState[], logs: OutboxLog[], source: number, dest: number): void {
  if (source === dest) return;
  const seq = states[dest].inboxCursor(source);
  if (seq >= states[source].outboxLength(dest)) return;
  const blockRoot = states[source].hashTreeRoot(); // stands for the crosslinked block's root
  const incoming = buildReceiptProof(states[source], logs[source]!, dest, seq, {
    slot: states[source].slot,
    shardBlockRoot: blockRoot,
  });
  const crosslinks = crosslinkLookupFromList([
    {
      shard: source,
      slot: states[source].slot,
      shardBlockRoot: blockRoot,
      stateRoot: blockRoot,
      outboxRoot: states[source].outboxRoot(),
      parentCrosslinkRoot: new Uint8Array(32),
    },
  ]);
  const check = checkIncomingReceipt(states[dest], incoming, crosslinks);
  expect(check.ok).toBe(true);
  applyIncomingReceipt(states[dest], incoming);
  // Credited exactly once: the same receipt is now a replay.
  expect(checkIncomingReceipt(states[dest], incoming, crosslinks)).toMatchObject({
    ok: false,
    reason: "receipt_replay",
  });
}

describe("shard state properties", () => {
  it("conserve supply, keep nonces monotonic, and never change state on a rejected transaction", () => {
    fc.assert(
      fc.property(ops, (sequence) => {
        const states = genesisStates(FUNDED_PER_SHARD);
        const logs = states.map((state) => OutboxLog.fromState(state));
        for (const op of sequence) {
          if (op.kind === "relay") {
            relayNext(states, logs, op.source, op.dest);
          } else {
            const from = ACCOUNTS[op.from];
            const state = states[from.shard];
            const nonceBefore = nextNonce(state, from);
            let tx: Transaction = transfer(
              from,
              ACCOUNTS[op.to].address,
              op.amount,
              Math.max(0, nonceBefore + op.nonceShift),
              op.fee,
            );
            if (op.corrupt) tx = { ...tx, fee: tx.fee + 1n };
            const rootBefore = state.hashTreeRoot();
            const result = processTransaction(state, tx, { shardCount: SHARD_COUNT });
            if (result.ok) {
              expect(nextNonce(state, from)).toBe(nonceBefore + 1);
              if (result.receipt !== null) logs[from.shard]!.append(result.receipt);
            } else {
              expect(state.hashTreeRoot()).toEqual(rootBefore);
              expect(nextNonce(state, from)).toBe(nonceBefore);
            }
            if (op.corrupt) expect(result.ok).toBe(false);
            if (op.amount === 0n) expect(result.ok).toBe(false);
          }
          expect(isSupplyConserved(states, SUPPLY)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("block production and re-validation agree on every root", () => {
    const crosslinks = crosslinkLookupFromList([]);
    fc.assert(
      fc.property(fc.array(txOp, { minLength: 0, maxLength: 20 }), (sequence) => {
        const state = genesisStates(FUNDED_PER_SHARD)[0];
        const local = ACCOUNTS.filter((a) => a.shard === 0);
        const nonces = new Map<DevAccount, number>();
        const transactions = sequence.map((op) => {
          const from = local[op.from % local.length];
          const nonce = Math.max(0, (nonces.get(from) ?? 0) + op.nonceShift);
          nonces.set(from, nonce + 1);
          return transfer(from, ACCOUNTS[op.to].address, op.amount, nonce, op.fee);
        });
        const context = { shardCount: SHARD_COUNT, maxTransactions: 16, crosslinks };
        const produced = produceShardBlock(
          state,
          {
            slot: 1,
            proposerIndex: 0,
            beaconBlockRoot: new Uint8Array(32),
            transactions,
            pendingReceipts: [],
          },
          context,
        );
        const imported = processShardBlock(state, produced.block, context);
        expect(imported.postState.hashTreeRoot()).toEqual(produced.postState.hashTreeRoot());
        expect(
          produced.block.body.transactions.length + produced.skippedTransactions.length,
        ).toBeLessThanOrEqual(transactions.length);
      }),
      { numRuns: 25 },
    );
  });
});
