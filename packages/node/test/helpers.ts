import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  blockSigningRoot,
  computeEpochAtSlot,
  createInteropGenesis,
  type GenesisAccount,
  produceBlock,
  type SignedBeaconBlockValue,
  signRandaoReveal,
} from "@shardnet/consensus";
import { type BlsSecretKey, getBls, interopSecretKey } from "@shardnet/crypto";
import { pino } from "pino";
import { afterEach } from "vitest";
import { BeaconChain, type BeaconContext } from "../src/chain/beaconChain.js";
import type { ShardChain } from "../src/chain/shardChain.js";
import { NodeDb } from "../src/db/nodeDb.js";
import { NodeMetrics } from "../src/metrics/nodeMetrics.js";

export const silentLog = pino({ level: "silent" });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temporary directory, removed after the current test. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/**
 * A real beacon chain (16 interop validators, `shards` shards, `accounts` funded) over LevelDB in `dir`
 * (reopening the same dir resumes from its database).
 */
export async function openBeacon(
  dir: string,
  { shards = 2, accounts = [] }: { shards?: number; accounts?: GenesisAccount[] } = {},
) {
  const genesis = createInteropGenesis({
    network: "test",
    validatorCount: 16,
    genesisTime: 0,
    presetName: "local",
    presetOverrides: { SHARD_COUNT: shards },
    accounts,
  });
  const db = await NodeDb.open(join(dir, "db"), "test");
  const metrics = new NodeMetrics();
  const beacon = await BeaconChain.open(genesis, db, silentLog, metrics, getBls());
  return { genesis, db, metrics, beacon };
}

/**
 * Produces and signs `chain`'s next block for `slot` (tests only: a validator signs after slashing
 * protection has recorded the signing, see ValidatorService.proposeShardBlocks).
 */
export function signedShardBlock(
  chain: ShardChain,
  slot: number,
  proposer: number,
  secretKey: BlsSecretKey,
  context: BeaconContext,
) {
  const { block, signingRoot, root } = chain.produce(slot, proposer, context);
  return { signed: { message: block, signature: secretKey.sign(signingRoot).toBytes() }, root };
}

/** The next beacon block at `slot` on `chain`'s head, signed by its proposer's interop key. */
export function proposeAt(chain: BeaconChain, slot: number): SignedBeaconBlockValue {
  const pre = chain.headStateAt(slot);
  const proposer = pre.epochCtx.getBeaconProposer(slot);
  const sk = getBls().secretKeyFromBytes(interopSecretKey(proposer));
  const epoch = computeEpochAtSlot(chain.preset, slot);
  const { block } = produceBlock(pre, {
    slot,
    randaoReveal: signRandaoReveal(sk, pre.state.genesisRoot, epoch),
  });
  return { message: block, signature: sk.sign(blockSigningRoot(pre, block)).toBytes() };
}
