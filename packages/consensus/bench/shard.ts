/**
 * Shard pipeline benchmark. Run (from the repo root):
 *   node --expose-gc --import tsx --conditions=@shardnet/source packages/consensus/bench/shard.ts
 * Env: SHARD_BENCH_TXS (default 8192), SHARD_BENCH_ACCOUNTS (default 10000,100000,1000000).
 *  1. N pre-signed transactions through verify + execute + state root + block build (produceShardBlock),
 *     as transactions/s and as a ratio to the raw Ed25519 verify rate measured in the same run.
 *  2. State-root update cost of a block of 5,000 transfers on states with 10k, 100k and 1M accounts.
 */
import { setHasher } from "@chainsafe/persistent-merkle-tree";
import { hasher as hashtreeHasher } from "@chainsafe/persistent-merkle-tree/hasher/hashtree";
import { addressFromPubkey, devAccountKey, ed25519Verify } from "@shardnet/crypto";
import {
  type Account,
  AddressRegistry,
  applyTransaction,
  buildAccountsTree,
  createShardGenesisState,
  crosslinkLookupFromList,
  produceShardBlock,
  ShardState,
  ShardStateType,
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

/** A state with `count` accounts, built in bulk (one tree from all leaves), and its addresses. */
function bigState(count: number): { state: ShardState; addresses: Uint8Array[] } {
  const accounts: Account[] = new Array(count);
  const addresses: Uint8Array[] = new Array(count);
  const registry = new AddressRegistry();
  let x = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    const address = new Uint8Array(20);
    const words = new DataView(address.buffer);
    for (let w = 0; w < 5; w++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words.setUint32(w * 4, x >>> 0, true);
    }
    addresses[i] = address;
    accounts[i] = { address, balance: 1_000_000n, nonce: 0 };
    registry.register(address, i);
  }
  const view = ShardStateType.toViewDU({
    shard: 0,
    slot: 0,
    accounts: [],
    outboxes: [[]],
    inboxCursors: [0],
    feesBurned: 0n,
  });
  view.accounts = buildAccountsTree(accounts);
  view.batchHashTreeRoot();
  return { state: new ShardState(view, registry, new Uint8Array(32)), addresses };
}

function measureStateRootUpdate(count: number, transfers: number) {
  const buildStart = now();
  const { state: base, addresses } = bigState(count);
  const buildSeconds = (now() - buildStart) / 1000;
  const nonces = new Map<number, number>();
  const rounds = 5;
  const applyTimes: number[] = [];
  const rootTimes: number[] = [];
  let touched = 0;
  for (let round = 0; round < rounds; round++) {
    const state = base.clone();
    let x = 0x2545f491 + round;
    const pick = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % count;
    };
    const txs: Transaction[] = [];
    const touchedSet = new Set<number>();
    for (let i = 0; i < transfers; i++) {
      const from = pick();
      const to = pick();
      touchedSet.add(from).add(to);
      const nonce = nonces.get(from) ?? 0;
      nonces.set(from, nonce + 1);
      txs.push({
        from: addresses[from],
        to: addresses[to],
        amount: 1n,
        nonce,
        fee: 1n,
        pubkey: new Uint8Array(32),
        signature: new Uint8Array(64),
      });
    }
    touched = touchedSet.size;
    const hash = new Uint8Array(32);
    // Steady state: collect the garbage of building the state before timing (run node with --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = now();
    for (const tx of txs) applyTransaction(state, tx, hash, SHARD_COUNT);
    const t1 = now();
    state.hashTreeRoot();
    const t2 = now();
    applyTimes.push(t1 - t0);
    rootTimes.push(t2 - t1);
    nonces.clear();
  }
  return { count, buildSeconds, touched, applyMs: median(applyTimes), rootMs: median(rootTimes) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function runShardBench(): Promise<void> {
  const n = Number(process.env.SHARD_BENCH_TXS ?? 8192);
  const senders = Math.min(1024, n);
  console.log(`shard bench: signing ${n} transfers from ${senders} senders…`);
  const { txs, allocations } = makeSignedTransfers(senders, Math.ceil(n / senders));
  const verifyRate = measureVerifyRate(txs);
  const pipelineRate = measurePipeline(txs, allocations);
  console.log("\nSingle-shard pipeline (verify + execute + state root + block build)");
  console.table([
    {
      transactions: txs.length,
      "ed25519 verify/s": Math.round(verifyRate),
      "pipeline tx/s": Math.round(pipelineRate),
      "ratio (goal >= 0.6)": Number((pipelineRate / verifyRate).toFixed(3)),
    },
  ]);

  const sizes = (process.env.SHARD_BENCH_ACCOUNTS ?? "10000,100000,1000000").split(",").map(Number);
  const rows = [];
  for (const size of sizes) {
    const r = measureStateRootUpdate(size, 5000);
    rows.push({
      accounts: size,
      "build (s)": Number(r.buildSeconds.toFixed(2)),
      "apply 5000 transfers (ms)": Number(r.applyMs.toFixed(1)),
      "state root (ms)": Number(r.rootMs.toFixed(1)),
      "apply + root (ms)": Number((r.applyMs + r.rootMs).toFixed(1)),
      "accounts touched": r.touched,
      "account updates/s": Math.round(r.touched / ((r.applyMs + r.rootMs) / 1000)),
    });
  }
  console.log(
    "\nState-root update cost (median of 5; medians of apply and root taken separately), block of 5,000 transfers (goal: < 2x from 10k to 1M accounts)",
  );
  console.table(rows);
  const first = rows[0]["apply + root (ms)"];
  const last = rows[rows.length - 1]["apply + root (ms)"];
  console.log(`growth ${sizes[0]} -> ${sizes[sizes.length - 1]} accounts: ${(last / first).toFixed(2)}x`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runShardBench();
}
