/**
 * Shard pipeline benchmark. Run (from the repo root):
 *   npm run bench -w packages/consensus -- shard   (node --expose-gc: each timed block starts after a full GC)
 * Env: SHARD_BENCH_TXS (default 8192), SHARD_BENCH_ACCOUNTS (default 10000,100000,1000000).
 *  1. N pre-signed transactions through verify + execute + state root + block build (produceShardBlock),
 *     as transactions/s and as a ratio to the raw Ed25519 verify rate measured in the same run.
 *  2. State-root update cost of a block of 5,000 transfers on states with 10k, 100k and 1M accounts.
 */
import { setHasher } from "@chainsafe/persistent-merkle-tree";
import { hasher as hashtreeHasher } from "@chainsafe/persistent-merkle-tree/hasher/hashtree";
import { addressFromPubkey, devAccountKey, ed25519Verify } from "@shardnet/crypto";
import {
  ACCOUNT_SIZE,
  AccountStore,
  applyTransaction,
  createShardGenesisState,
  crosslinkLookupFromList,
  OutboxAccumulator,
  prefetchForTransactions,
  produceShardBlock,
  ShardState,
  ShardStateSummary,
  signTransaction,
  type Transaction,
  transactionSigningRoot,
} from "../src/shard/index.js";

setHasher(hashtreeHasher);

const SHARD_COUNT = 1;
const now = () => performance.now();

function makeSignedTransfers(
  senders: number,
  perSender: number,
): { txs: Transaction[]; allocations: { address: Uint8Array; balance: bigint }[] } {
  const keys = Array.from({ length: senders }, (_, i) => devAccountKey(i));
  const addresses = keys.map((k) => addressFromPubkey(k.publicKey));
  const txs: Transaction[] = [];
  for (let nonce = 0; nonce < perSender; nonce++) {
    for (let i = 0; i < senders; i++) {
      const to = addresses[(i + 1 + nonce) % senders];
      txs.push(
        signTransaction(
          { from: addresses[i], to, amount: 10n, nonce, fee: 1n, pubkey: keys[i].publicKey },
          keys[i].secretKey,
        ),
      );
    }
  }
  return { txs, allocations: addresses.map((address) => ({ address, balance: 1_000_000_000n })) };
}

function measureVerifyRate(txs: readonly Transaction[]): number {
  const messages = txs.map((tx) => transactionSigningRoot(tx));
  for (let i = 0; i < Math.min(txs.length, 2000); i++)
    ed25519Verify(txs[i].pubkey, messages[i], txs[i].signature);
  const start = now();
  for (let i = 0; i < txs.length; i++) {
    if (!ed25519Verify(txs[i].pubkey, messages[i], txs[i].signature)) throw new Error("bench: bad signature");
  }
  return txs.length / ((now() - start) / 1000);
}

function measurePipeline(
  txs: readonly Transaction[],
  allocations: { address: Uint8Array; balance: bigint }[],
) {
  const genesis = createShardGenesisState(0, SHARD_COUNT, allocations);
  genesis.hashTreeRoot();
  const context = {
    shardCount: SHARD_COUNT,
    maxTransactions: txs.length,
    crosslinks: crosslinkLookupFromList([]),
  };
  const input = {
    slot: 1,
    proposerIndex: 0,
    beaconBlockRoot: new Uint8Array(32),
    transactions: txs,
    pendingReceipts: [],
  };
  produceShardBlock(genesis, { ...input, transactions: txs.slice(0, 500) }, context); // warm-up
  const start = now();
  const produced = produceShardBlock(genesis, input, context);
  const seconds = (now() - start) / 1000;
  if (produced.block.body.transactions.length !== txs.length) {
    throw new Error(
      `bench: only ${produced.block.body.transactions.length}/${txs.length} included: ${produced.skippedTransactions[0]?.message}`,
    );
  }
  return txs.length / seconds;
}

/** A state with `count` accounts, loaded in bulk from their SSZ bytes, and its addresses. */
function bigState(count: number): { state: ShardState; addresses: Uint8Array } {
  const bytes = new Uint8Array(count * ACCOUNT_SIZE);
  const view = new DataView(bytes.buffer);
  // One flat array: a million small Uint8Arrays would make every garbage collection in the timed part slower.
  const addresses = new Uint8Array(count * 20);
  let x = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    const at = i * ACCOUNT_SIZE;
    for (let w = 0; w < 5; w++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      view.setUint32(at + w * 4, x >>> 0, true);
    }
    view.setBigUint64(at + 20, 1_000_000n, true);
    addresses.set(bytes.subarray(at, at + 20), i * 20);
  }
  const accounts = AccountStore.fromBytes(bytes);
  const summary = ShardStateSummary.toViewDU({
    shard: 0,
    slot: 0,
    accountsRoot: accounts.root(),
    // One outbox (and inbox cursor, and credited amount) per shard plus the beacon chain's.
    outboxes: Array.from({ length: SHARD_COUNT + 1 }, () => OutboxAccumulator.defaultValue()),
    inboxCursors: new Array<number>(SHARD_COUNT + 1).fill(0),
    creditedAmounts: new Array<bigint>(SHARD_COUNT + 1).fill(0n),
    feesBurned: 0n,
  });
  return { state: new ShardState(summary, accounts, new Uint8Array(32)), addresses };
}

interface BigStateFixture {
  count: number;
  /** The chain head: each block is applied to a clone of it and its result becomes the next head, as in a node. */
  head: ShardState;
  addresses: Uint8Array;
  buildSeconds: number;
}

function prepareBigState(count: number): BigStateFixture {
  const buildStart = now();
  const { state: head, addresses } = bigState(count);
  return { count, head, addresses, buildSeconds: (now() - buildStart) / 1000 };
}

type Workload = "random" | "distinct";

/** Account indices for one block: `random` draws senders and recipients uniformly (they collide on small
 * states); `distinct` gives every transfer its own sender and recipient, so each block touches 2 × transfers
 * accounts whatever the state size (a partial Fisher–Yates shuffle). */
function pickAccounts(count: number, transfers: number, workload: Workload, seed: number): Uint32Array {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const picks = new Uint32Array(transfers * 2);
  if (workload === "random") {
    for (let i = 0; i < picks.length; i++) picks[i] = next() % count;
    return picks;
  }
  if (picks.length > count)
    throw new Error(`bench: ${picks.length} distinct accounts needed, state has ${count}`);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = 0; i < picks.length; i++) {
    const j = i + (next() % (count - i));
    [order[i], order[j]] = [order[j], order[i]];
    picks[i] = order[i];
  }
  return picks;
}

/** One block of `transfers` transfers on a clone of the head, which it then becomes: execution and state-root time. */
function measureStateRootRound(
  fixture: BigStateFixture,
  transfers: number,
  workload: Workload,
  round: number,
) {
  const { count, head, addresses } = fixture;
  const state = head.clone();
  const picks = pickAccounts(count, transfers, workload, 0x2545f491 + round);
  const nonces = new Map<number, number>();
  const nonceOf = (index: number) => nonces.get(index) ?? state.getAccountAt(index).nonce;
  const touched = new Set<number>();
  const txs: Transaction[] = [];
  for (let i = 0; i < transfers; i++) {
    const from = picks[2 * i];
    const to = picks[2 * i + 1];
    touched.add(from).add(to);
    const nonce = nonceOf(from);
    nonces.set(from, nonce + 1);
    // Copies, as a decoded block's transactions hold their own bytes: views into the state-sized address
    // array would add a cache miss per address on big states that block execution never pays.
    txs.push({
      from: addresses.slice(from * 20, from * 20 + 20),
      to: addresses.slice(to * 20, to * 20 + 20),
      amount: 1n,
      nonce,
      fee: 1n,
      pubkey: new Uint8Array(32),
      signature: new Uint8Array(64),
    });
  }
  const hash = new Uint8Array(32);
  // Steady state: collect earlier garbage before timing (run node with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = now();
  // As block processing does: reads ahead the accounts of each window of transactions, then executes.
  for (let i = 0; i < txs.length; i++) {
    prefetchForTransactions(state, txs, i);
    applyTransaction(state, txs[i], hash, SHARD_COUNT);
  }
  const t1 = now();
  state.hashTreeRoot();
  const t2 = now();
  fixture.head = state;
  return { applyMs: t1 - t0, rootMs: t2 - t1, touched: touched.size };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const PASSES = 5;
const BLOCKS_PER_PASS = 4;

export async function runShardBench(): Promise<void> {
  const n = Number(process.env.SHARD_BENCH_TXS ?? 8192);
  const senders = Math.min(1024, n);
  console.log(`shard bench: signing ${n} transfers from ${senders} senders…`);
  const { txs, allocations } = makeSignedTransfers(senders, Math.ceil(n / senders));
  // Verify rate and pipeline rate alternate, so both see the same machine load; medians over the rounds.
  const verifyRates: number[] = [];
  const pipelineRates: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < 3; round++) {
    const verifyRate = measureVerifyRate(txs);
    const pipelineRate = measurePipeline(txs, allocations);
    verifyRates.push(verifyRate);
    pipelineRates.push(pipelineRate);
    ratios.push(pipelineRate / verifyRate);
  }
  console.log(
    "\nSingle-shard pipeline (verify + execute + state root + block build), median of 3 alternating rounds",
  );
  console.table([
    {
      transactions: txs.length,
      "ed25519 verify/s": Math.round(median(verifyRates)),
      "pipeline tx/s": Math.round(median(pipelineRates)),
      "ratio (goal >= 0.6)": Number(median(ratios).toFixed(3)),
      "ratio per round": ratios.map((r) => r.toFixed(2)).join(" "),
    },
  ]);

  const sizes = (process.env.SHARD_BENCH_ACCOUNTS ?? "10000,100000,1000000").split(",").map(Number);
  for (const workload of ["random", "distinct"] as const) measureStateRootCost(sizes, workload);
}

const TRANSFERS = 5000;

/** The state-root update cost table for one workload, with the growth from the smallest to the largest state. */
function measureStateRootCost(sizes: readonly number[], workload: Workload): void {
  const results = sizes.map(() => ({
    apply: [] as number[],
    root: [] as number[],
    total: [] as number[],
    build: [] as number[],
    touched: 0,
  }));
  // One untimed pass first so every size is measured with compiled code.
  const warmUp = prepareBigState(sizes[0]);
  for (let block = 0; block < 4; block++) measureStateRootRound(warmUp, TRANSFERS, workload, 1000 + block);
  // Only one state is alive at a time (a big heap slows every allocation, which would inflate the small
  // sizes), and the sizes alternate within each pass so load changes on this shared machine hit all alike.
  // The first block on a freshly built state is not timed: it pays for the bulk build's cold caches.
  for (let pass = 0; pass < PASSES; pass++) {
    sizes.forEach((size, i) => {
      const fixture = prepareBigState(size);
      results[i].build.push(fixture.buildSeconds);
      measureStateRootRound(fixture, TRANSFERS, workload, 2000 + pass);
      for (let block = 0; block < BLOCKS_PER_PASS; block++) {
        const r = measureStateRootRound(fixture, TRANSFERS, workload, pass * BLOCKS_PER_PASS + block);
        results[i].apply.push(r.applyMs);
        results[i].root.push(r.rootMs);
        results[i].total.push(r.applyMs + r.rootMs);
        results[i].touched = r.touched;
      }
    });
  }
  const rows = sizes.map((size, i) => {
    const total = median(results[i].total);
    return {
      accounts: size,
      "build (s)": Number(median(results[i].build).toFixed(2)),
      "apply (ms)": Number(median(results[i].apply).toFixed(1)),
      "state root (ms)": Number(median(results[i].root).toFixed(1)),
      "apply + root (ms)": Number(total.toFixed(1)),
      "accounts touched": results[i].touched,
      "µs per touched account": Number(((total * 1000) / results[i].touched).toFixed(2)),
    };
  });
  const what =
    workload === "random"
      ? "random senders and recipients (fewer distinct accounts on small states)"
      : `${2 * TRANSFERS} distinct accounts per block`;
  console.log(
    `\nState-root update cost of a block of ${TRANSFERS} transfers, ${what}; median of ${PASSES * BLOCKS_PER_PASS} blocks`,
  );
  console.table(rows);
  const first = rows[0];
  const last = rows[rows.length - 1];
  const growth = last["apply + root (ms)"] / first["apply + root (ms)"];
  const perAccount = last["µs per touched account"] / first["µs per touched account"];
  console.log(
    `growth ${first.accounts} -> ${last.accounts} accounts: per block ${growth.toFixed(2)}x (goal < 2x, ratio to bound ${(growth / 2).toFixed(2)}), per touched account ${perAccount.toFixed(2)}x`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runShardBench();
}
