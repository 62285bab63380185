/**
 * Per shard and slot: the work a node tracking one shard does for that shard's block — build it (verify the
 * transfers' signatures, execute, credit incoming receipts, state root) and import it (processShardBlock:
 * the same again, checked against the header's roots). Every shard carries the same load, so one shard
 * (shard 0) stands for all of them; what grows with the shard count is what the block touches of the other
 * shards: its outboxes and inbox cursors (SHARD_COUNT + 1 each), the destinations of its cross-shard
 * transfers, and the sources of the receipts it credits (one crosslink each).
 */
import { addressFromPubkey, devAccountKey, type Ed25519KeyPair, sha256 } from "@shardnet/crypto";
import {
  buildReceiptProofs,
  createShardGenesisState,
  crosslinkLookupFromList,
  type GenesisAllocation,
  type IncomingReceipt,
  OutboxLog,
  processShardBlock,
  produceShardBlock,
  type ShardBlock,
  type ShardBlockContext,
  type ShardState,
  shardOf,
  signTransaction,
  type Transaction,
} from "../../src/shard/index.js";
import type { CrosslinkValue } from "../../src/types/index.js";
import { now, type Stat, stat } from "../timing.js";

export interface ShardLoad {
  shardCount: number;
  /** Transfers in each shard block (each from its own sender). */
  transfers: number;
  /** Fraction of transfers whose recipient lives on another shard (none when there is one shard). */
  crossShardShare: number;
  /** Preset MAX_TXS_PER_SHARD_BLOCK. */
  maxTransactions: number;
}

/** One shard's block of a slot, ready to be built and imported again and again from the same pre-state. */
export interface ShardSlotFixture {
  load: ShardLoad;
  preState: ShardState;
  transactions: Transaction[];
  /**
   * Receipts the block credits: in steady state a shard receives as many as it sends (transfers ×
   * crossShardShare), spread evenly over the other shards, each batch proven against its source's crosslink.
   */
  incoming: IncomingReceipt[];
  context: ShardBlockContext;
}

const MEASURED_SHARD = 0;
const BALANCE = 1_000_000_000_000n;
const ZERO_ROOT = new Uint8Array(32);

interface DevKey {
  key: Ed25519KeyPair;
  address: Uint8Array;
}

/**
 * Dev keys dev:0, dev:1, … with their addresses, derived once for every shard count (a key costs about as much
 * as a signature, and a shard holds 1/N of them): setup, never timed.
 */
export class DevKeyPool {
  private readonly keys: DevKey[] = [];

  /** Dev keys grouped by the shard their address lives on, with at least `atLeast(shard)` on each shard. */
  byShard(shardCount: number, atLeast: (shard: number) => number): DevKey[][] {
    const byShard: DevKey[][] = Array.from({ length: shardCount }, () => []);
    const add = (entry: DevKey) => byShard[shardOf(entry.address, shardCount)]?.push(entry);
    for (const entry of this.keys) add(entry);
    while (byShard.some((list, shard) => list.length < atLeast(shard))) {
      const key = devAccountKey(this.keys.length);
      const entry = { key, address: addressFromPubkey(key.publicKey) };
      this.keys.push(entry);
      add(entry);
    }
    return byShard;
  }
}

/** A fresh address (no key) on `shard`: the first sha256(seed ‖ attempt) that lands there (about N attempts). */
export function addressOnShard(shard: number, shardCount: number, seed: number): Uint8Array {
  const input = new Uint8Array(8);
  const view = new DataView(input.buffer);
  view.setUint32(0, seed, true);
  for (let attempt = 0; attempt < 2 ** 32; attempt++) {
    view.setUint32(4, attempt, true);
    const address = sha256(input).slice(0, 20);
    if (shardOf(address, shardCount) === shard) return address;
  }
  throw new Error(`bench: no address on shard ${shard} of ${shardCount}`);
}

/** Whether transfer `i` is cross-shard: evenly spread, `share` of them in every prefix (within one). */
function isCrossShard(i: number, share: number): boolean {
  return Math.floor((i + 1) * share) > Math.floor(i * share);
}

/** The receipts `count` transfers on source shard `source` (signed by `sender`) send to the measured shard. */
function receiptsFrom(
  source: number,
  sender: DevKey,
  recipients: readonly Uint8Array[],
  count: number,
  allocations: readonly GenesisAllocation[],
  load: ShardLoad,
): { crosslink: CrosslinkValue; incoming: IncomingReceipt[] } {
  const genesis = createShardGenesisState(source, load.shardCount, allocations);
  const { key, address: from } = sender;
  const transactions = Array.from({ length: count }, (_, nonce) =>
    signTransaction(
      {
        from,
        to: recipients[(source + nonce) % recipients.length] as Uint8Array,
        amount: 1n,
        nonce,
        fee: 1n,
        pubkey: key.publicKey,
      },
      key.secretKey,
    ),
  );
  const produced = produceShardBlock(
    genesis,
    { slot: 1, proposerIndex: 0, beaconBlockRoot: ZERO_ROOT, transactions, pendingReceipts: [] },
    {
      shardCount: load.shardCount,
      maxTransactions: load.maxTransactions,
      crosslinks: crosslinkLookupFromList([]),
    },
  );
  const log = OutboxLog.fromState(genesis);
  for (const receipt of produced.receiptsSent) log.append(receipt);
  const seqs = Array.from({ length: count }, (_, seq) => seq);
  const { header } = produced.block;
  return {
    crosslink: {
      shard: source,
      slot: header.slot,
      shardBlockRoot: produced.blockRoot,
      stateRoot: header.stateRoot,
      outboxRoot: header.outboxRoot,
      parentCrosslinkRoot: ZERO_ROOT,
    },
    incoming: buildReceiptProofs(produced.postState, log, MEASURED_SHARD, seqs),
  };
}

/** Keys, signatures, the other shards' blocks and the receipt proofs: setup, never timed. */
export function prepareShardSlot(load: ShardLoad, pool: DevKeyPool): ShardSlotFixture {
  const { shardCount, transfers } = load;
  const share = shardCount > 1 ? load.crossShardShare : 0;
  const received = Math.round(transfers * share);
  const keys = pool.byShard(shardCount, (shard) => (shard === MEASURED_SHARD ? transfers : 1));
  const senders = (keys[MEASURED_SHARD] ?? []).slice(0, transfers);
  const senderAddresses = senders.map(({ address }) => address);
  const sourceSenders = keys.map((list) => list[0] as DevKey);
  const allocations: GenesisAllocation[] = [
    ...senderAddresses.map((address) => ({ address, balance: BALANCE })),
    ...sourceSenders
      .filter((_, shard) => shard !== MEASURED_SHARD)
      .map(({ address }) => ({ address, balance: BALANCE })),
  ];

  let crossIndex = 0;
  const transactions = senders.map(({ key }, i) => {
    let to: Uint8Array;
    if (isCrossShard(i, share)) {
      const dest = 1 + (crossIndex % (shardCount - 1));
      to = addressOnShard(dest, shardCount, crossIndex++);
    } else {
      to = senderAddresses[(i + 1) % senderAddresses.length] as Uint8Array;
    }
    return signTransaction(
      { from: senderAddresses[i] as Uint8Array, to, amount: 10n, nonce: 0, fee: 1n, pubkey: key.publicKey },
      key.secretKey,
    );
  });

  const crosslinks: CrosslinkValue[] = [];
  const incoming: IncomingReceipt[] = [];
  const sources = shardCount - 1;
  for (let source = 1; source <= sources && received > 0; source++) {
    const count = Math.floor(received / sources) + (source - 1 < received % sources ? 1 : 0);
    if (count === 0) continue;
    const batch = receiptsFrom(
      source,
      sourceSenders[source] as DevKey,
      senderAddresses,
      count,
      allocations,
      load,
    );
    crosslinks.push(batch.crosslink);
    incoming.push(...batch.incoming);
  }
  return {
    load,
    preState: createShardGenesisState(MEASURED_SHARD, shardCount, allocations),
    transactions,
    incoming,
    context: {
      shardCount,
      maxTransactions: load.maxTransactions,
      crosslinks: crosslinkLookupFromList(crosslinks),
    },
  };
}

/** Builds the block (every signature checked, as on mempool admission) and checks all of it went in. */
export function buildShardBlock(fixture: ShardSlotFixture): ShardBlock {
  const produced = produceShardBlock(
    fixture.preState,
    {
      slot: 2,
      proposerIndex: 0,
      beaconBlockRoot: ZERO_ROOT,
      transactions: fixture.transactions,
      pendingReceipts: fixture.incoming,
    },
    fixture.context,
  );
  const { transactions, incomingReceipts } = produced.block.body;
  if (
    transactions.length !== fixture.transactions.length ||
    incomingReceipts.length !== fixture.incoming.length
  ) {
    const why = produced.skippedTransactions[0]?.message ?? produced.skippedReceipts[0]?.message ?? "";
    throw new Error(
      `bench: block holds ${transactions.length}/${fixture.transactions.length} transfers and ${incomingReceipts.length}/${fixture.incoming.length} receipts ${why}`,
    );
  }
  return produced.block;
}

/** Imports the block as a node tracking the shard does: signatures, execution, receipts, every root. */
export function importShardBlock(fixture: ShardSlotFixture, block: ShardBlock): void {
  processShardBlock(fixture.preState, block, fixture.context);
}

export interface ShardSlotCost {
  shardCount: number;
  transfers: number;
  receiptsCredited: number;
  build: Stat;
  import: Stat;
  /** build + import, sample by sample. */
  total: Stat;
}

/**
 * Build and import times of each fixture's block, `runs` samples each after one warm-up, the fixtures taken in
 * alternation so that load from other processes hits every shard count alike.
 */
export function measureShardSlots(fixtures: readonly ShardSlotFixture[], runs: number): ShardSlotCost[] {
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples = fixtures.map(() => ({
    build: [] as number[],
    import: [] as number[],
    total: [] as number[],
  }));
  for (let run = -1; run < runs; run++) {
    for (const [i, fixture] of fixtures.entries()) {
      gc?.();
      const t0 = now();
      const block = buildShardBlock(fixture);
      const t1 = now();
      importShardBlock(fixture, block);
      const t2 = now();
      if (run < 0) continue; // warm-up
      const sample = samples[i];
      sample?.build.push(t1 - t0);
      sample?.import.push(t2 - t1);
      sample?.total.push(t2 - t0);
    }
  }
  return fixtures.map((fixture, i) => {
    const sample = samples[i] ?? { build: [], import: [], total: [] };
    return {
      shardCount: fixture.load.shardCount,
      transfers: fixture.transactions.length,
      receiptsCredited: fixture.incoming.length,
      build: stat(sample.build),
      import: stat(sample.import),
      total: stat(sample.total),
    };
  });
}
