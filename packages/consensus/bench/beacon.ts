/**
 * Beacon-chain benchmark on the `scale` preset (64 shards, committees of 128, 8192 validators):
 *  1. 64 × fastAggregateVerify(128 keys) — the baseline;
 *  2. crosslink verification of a block with 64 crosslinks (rules + pubkey aggregation + one batch
 *     verifyMultipleSignatures) as a ratio to (1) (goal ≤ 1.3);
 *  3. whole-block import (stateTransition: slot, header, RANDAO, 64 crosslinks, all signatures, state root)
 *     as a share of SECONDS_PER_SLOT (goal ≤ 2%);
 *  4. epoch processing (justification, registry, resets) and the next EpochContext (cold shuffling).
 * Run: npm run bench -w packages/consensus [-- beacon]. Env: BEACON_BENCH_VALIDATORS (default 8192).
 */
import { BitArray } from "@chainsafe/ssz";
import {
  type BlsPublicKey,
  type BlsSecretKey,
  type BlsSignature,
  CURVE_ORDER,
  getBls,
  interopSecretKey,
} from "@shardnet/crypto";
import {
  BeaconBlockBody,
  type BeaconBlockValue,
  bigintToKey,
  buildAttestationData,
  type CrosslinkWithProofValue,
  cloneCachedState,
  computeAttestationSigningRoot,
  createCachedBeaconState,
  createChainCaches,
  createGenesisBeaconState,
  crosslinkFromCandidate,
  EpochContext,
  type Genesis,
  genesisHash,
  MAX_STAKE,
  PubkeyCache,
  placeholderHeader,
  processBlock,
  processEpoch,
  processSlots,
  resolvePreset,
  ShardBlockHeader,
  signBlock,
  signRandaoReveal,
  stateTransition,
  TIMELY_SOURCE_FLAG,
  TIMELY_TARGET_FLAG,
  unshuffleList,
  useNativeHasher,
  verifySignatureSets,
} from "./benchDeps.js";
import { type Stat, time, timeInterleaved } from "./timing.js";

useNativeHasher();

const RUNS = 7;

export async function runBeaconBench(): Promise<void> {
  const validatorCount = Number(process.env.BEACON_BENCH_VALIDATORS ?? 8192);
  const bls = getBls();
  const preset = resolvePreset("scale");
  console.log(
    `beacon bench: ${validatorCount} validators, ${preset.SHARD_COUNT} shards, BLS ${bls.name}; deriving keys…`,
  );
  const secretScalars = Array.from({ length: validatorCount }, (_, i) =>
    BigInt(`0x${Buffer.from(interopSecretKey(i)).toString("hex")}`),
  );
  const secretKeys: BlsSecretKey[] = secretScalars.map((s) => bls.secretKeyFromBytes(bigintToKey(s)));
  const publicKeys = secretKeys.map((sk) => sk.toPublicKey());
  const genesis: Genesis = {
    network: "bench",
    genesisTime: 0,
    presetName: "scale",
    presetOverrides: {},
    preset,
    validators: publicKeys.map((pk) => ({ pubkey: pk.toBytes(), stake: MAX_STAKE })),
    accounts: [],
  };
  const genesisRoot = genesisHash(genesis);
  const pubkeyCache = new PubkeyCache(bls);
  for (const [i, pk] of publicKeys.entries()) pubkeyCache.add(i, pk.toBytes());
  const caches = createChainCaches(preset, pubkeyCache);
  const genesisState = createCachedBeaconState(createGenesisBeaconState(genesis), caches);

  // A block at slot 2 crosslinking every shard's block of slot 1, each voted by the whole committee.
  const voteSlot = 1;
  const blockSlot = 2;
  const atVote = processSlots(genesisState, voteSlot);
  const atBlock = processSlots(genesisState, blockSlot);
  const headRoot = atVote.state.latestBlockHeader.hashTreeRoot();
  const items: CrosslinkWithProofValue[] = [];
  const fastAggregateInputs: { keys: BlsPublicKey[]; message: Uint8Array; signature: BlsSignature }[] = [];
  for (let shard = 0; shard < preset.SHARD_COUNT; shard++) {
    const header = placeholderHeader(shard, voteSlot, headRoot);
    const data = buildAttestationData(atVote, {
      slot: voteSlot,
      shard,
      shardBlockRoot: ShardBlockHeader.hashTreeRoot(header),
      beaconBlockRoot: headRoot,
    });
    const committee = atVote.epochCtx.getShardCommittee(shard, voteSlot);
    const message = computeAttestationSigningRoot(genesisRoot, data);
    // The aggregate of everyone's signature equals one signature by the sum of their secret keys.
    let sum = 0n;
    for (const index of committee) sum = (sum + (secretScalars[index] as bigint)) % CURVE_ORDER;
    const signature = bls.secretKeyFromBytes(bigintToKey(sum)).sign(message);
    const bits = BitArray.fromBitLen(committee.length);
    for (let p = 0; p < committee.length; p++) bits.set(p, true);
    items.push(
      crosslinkFromCandidate(atBlock, {
        header,
        attestation: { aggregationBits: bits, data, signature: signature.toBytes() },
      }),
    );
    fastAggregateInputs.push({ keys: Array.from(committee, (i) => pubkeyCache.get(i)), message, signature });
  }
  const committeeSize = fastAggregateInputs[0]?.keys.length ?? 0;

  const verifyBaseline = () => {
    for (const input of fastAggregateInputs) {
      if (!bls.fastAggregateVerify(input.keys, input.message, input.signature))
        throw new Error("bench: bad aggregate");
    }
  };

  const proposer = atBlock.epochCtx.getBeaconProposer(blockSlot);
  const body = BeaconBlockBody.defaultValue();
  body.randaoReveal = signRandaoReveal(secretKeys[proposer] as BlsSecretKey, genesisRoot, 0);
  body.crosslinks = items;
  const block: BeaconBlockValue = {
    slot: blockSlot,
    proposerIndex: proposer,
    parentRoot: atBlock.state.latestBlockHeader.hashTreeRoot(),
    stateRoot: new Uint8Array(32),
    body,
  };
  const scratch = cloneCachedState(atBlock);
  processBlock(scratch, block);
  block.stateRoot = scratch.state.hashTreeRoot();
  const signed = signBlock(secretKeys[proposer] as BlsSecretKey, atBlock, block);

  // Crosslink verification alone: rules + aggregation of 64 × 128 keys + one batch over 64 sets.
  const verifyCrosslinks = () => {
    const post = cloneCachedState(atBlock);
    const sets = processBlock(post, block).filter((s) => s.label.startsWith("crosslinks"));
    if (sets.length !== preset.SHARD_COUNT) throw new Error("bench: expected 64 crosslink signature sets");
    verifySignatureSets(bls, sets);
  };
  // Whole block import from the parent state at slot 1: slot processing, block, all signatures, state root.
  const importBlock = () => void stateTransition(atVote, signed);
  const importBlockNoSignatures = () => void stateTransition(atVote, signed, { verifySignatures: false });
  const [fastAggregateMs, crosslinkMs, blockMs, blockNoSigMs] = timeInterleaved(RUNS, [
    verifyBaseline,
    verifyCrosslinks,
    importBlock,
    importBlockNoSignatures,
  ]);

  // Epoch processing at the last slot of epoch 2 with 90% target participation.
  const lastSlot = 3 * preset.SLOTS_PER_EPOCH - 1;
  const atEpochEnd = processSlots(genesisState, lastSlot);
  for (let i = 0; i < validatorCount; i++) {
    if (i % 10 !== 0)
      atEpochEnd.state.currentEpochParticipation.set(i, TIMELY_SOURCE_FLAG | TIMELY_TARGET_FLAG);
  }
  atEpochEnd.state.commit();
  const epochMs = time(RUNS, () => {
    const copy = cloneCachedState(atEpochEnd);
    processEpoch(preset, copy.state);
    copy.state.hashTreeRoot();
  });
  const epochCtxMs = time(3, () => {
    const copy = cloneCachedState(atEpochEnd);
    processEpoch(preset, copy.state);
    copy.state.slot += 1;
    // cold: a fresh shuffling cache, so both periods' shufflings are computed
    new EpochContext(createChainCaches(preset, pubkeyCache), copy.state);
  });

  const shuffleInput = Array.from({ length: 100_000 }, (_, i) => i);
  const shuffleSeed = new Uint8Array(32).fill(7);
  const shuffleMs = time(3, () => void unshuffleList(shuffleInput, shuffleSeed, preset.SHUFFLE_ROUND_COUNT));

  const slotMs = preset.SECONDS_PER_SLOT * 1000;
  console.log(
    `\nBeacon chain (scale preset: ${preset.SHARD_COUNT} shards, committees of ${committeeSize}, ${validatorCount} validators; min/median of ${RUNS} interleaved samples)`,
  );
  const row = (
    measurement: string,
    t: Stat | undefined,
    ratio?: (ms: number, key: keyof Stat) => string,
  ) => ({
    measurement,
    "min ms": Number((t?.min ?? Number.NaN).toFixed(2)),
    "median ms": Number((t?.median ?? Number.NaN).toFixed(2)),
    "ratio (from min / from median)":
      t && ratio ? `${ratio(t.min, "min")} / ${ratio(t.median, "median")}` : "",
  });
  const base = fastAggregateMs ?? { min: Number.NaN, median: Number.NaN };
  console.table([
    row(`64 × fastAggregateVerify(${committeeSize})`, fastAggregateMs, () => "1.00"),
    row("64 crosslinks: rules + key aggregation + batch verify (goal <= 1.3x)", crosslinkMs, (ms, key) =>
      (ms / base[key]).toFixed(2),
    ),
    row(
      `whole block (64 crosslinks), signatures on (goal <= 2% of ${preset.SECONDS_PER_SLOT}s)`,
      blockMs,
      (ms) => `${((100 * ms) / slotMs).toFixed(2)}%`,
    ),
    row("whole block, signatures off", blockNoSigMs, (ms) => `${((100 * ms) / slotMs).toFixed(2)}%`),
    row("epoch processing (+ state root)", epochMs),
    row("epoch processing + new EpochContext (cold shufflings)", epochCtxMs),
    row("shuffle 100,000 indices (whole list, 90 rounds)", shuffleMs),
  ]);
  const load = (await import("node:os")).loadavg()[0] ?? 0;
  console.log(
    `load average (1 min) during the run: ${load.toFixed(2)} on ${(await import("node:os")).cpus().length} cores`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runBeaconBench();
}
