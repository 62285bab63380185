import { join } from "node:path";
import { BitArray } from "@chainsafe/ssz";
import {
  type AttestationValue,
  blockSigningRoot,
  buildAttestationData,
  type CachedBeaconState,
  CommitteeSigningKeys,
  type CrosslinkCandidate,
  computeAttestationSigningRoot,
  computeEpochAtSlot,
  createInteropGenesis,
  type Genesis,
  type GenesisAccount,
  processSlots,
  produceBlock,
  type SignedBeaconBlockValue,
  signRandaoReveal,
} from "@shardnet/consensus";
import { getBls, interopSecretKey } from "@shardnet/crypto";
import { expect } from "vitest";
import { restartAnchorLimit } from "../src/chain/anchorStore.js";
import { BeaconChain } from "../src/chain/beaconChain.js";
import { pruneHistory } from "../src/chain/historyPruning.js";
import { persistShardAnchors } from "../src/chain/shardAnchors.js";
import { ShardChain } from "../src/chain/shardChain.js";
import { NodeDb } from "../src/db/nodeDb.js";
import { NodeMetrics } from "../src/metrics/nodeMetrics.js";
import { CONTEXT_MARGIN_EPOCHS } from "../src/shardnetNode.js";
import { signedShardBlock, silentLog } from "./helpers.js";

const bls = getBls();

/** The interop genesis the driver's nodes share: 16 validators, `shards` shards, local preset. */
export function driverGenesis(shards: number, accounts: GenesisAccount[] = []): Genesis {
  return createInteropGenesis({
    network: "test",
    validatorCount: 16,
    genesisTime: 0,
    presetName: "local",
    presetOverrides: { SHARD_COUNT: shards },
    accounts,
  });
}

/** One node's chains over its own LevelDB, opened as ShardnetNode opens them (anchors included). */
export class DriverNode {
  private anchorWrites: Promise<void> = Promise.resolve();

  private constructor(
    readonly db: NodeDb,
    readonly beacon: BeaconChain,
    readonly shards: ShardChain[],
    historyEpochs: number | undefined,
  ) {
    beacon.onEvent((e) => {
      if (e.type !== "finalized") return;
      const root = Buffer.from(e.checkpoint.root).toString("hex");
      this.anchorWrites = this.anchorWrites
        .then(() => persistShardAnchors(beacon, shards, root, silentLog))
        .then(() =>
          historyEpochs === undefined
            ? undefined
            : pruneHistory(beacon, shards, e.checkpoint.epoch, historyEpochs, silentLog),
        );
    });
  }

  /** `historyEpochs`: --history (undefined: keep everything). */
  static async open(dir: string, genesis: Genesis, historyEpochs?: number): Promise<DriverNode> {
    const db = await NodeDb.open(join(dir, "db"), "test");
    const metrics = new NodeMetrics();
    const { SHARD_COUNT } = genesis.preset;
    const anchorSlotLimit = await restartAnchorLimit(
      db,
      SHARD_COUNT,
      CONTEXT_MARGIN_EPOCHS * genesis.preset.SLOTS_PER_EPOCH,
    );
    const beacon = await BeaconChain.open(genesis, db, silentLog, metrics, bls, { anchorSlotLimit });
    const shards: ShardChain[] = [];
    for (let s = 0; s < SHARD_COUNT; s++)
      shards.push(await ShardChain.open(s, beacon, db, silentLog, metrics));
    const node = new DriverNode(db, beacon, shards, historyEpochs);
    node.onBeaconHead();
    return node;
  }

  /** What ShardnetNode does on a new beacon head: shard fork choice never leaves the head's crosslinks. */
  onBeaconHead(): void {
    this.beacon.updateHead();
    for (const chain of this.shards) {
      chain.onCrosslinked(chain.beaconHeadCrosslink().rootHex);
      chain.updateHead();
    }
  }

  async settled(): Promise<void> {
    await this.beacon.settled();
    for (const chain of this.shards) await chain.settled();
    await this.anchorWrites;
  }

  async close(): Promise<void> {
    await this.settled();
    await this.db.close();
  }
}

/**
 * Honest validators driving real chains slot by slot, without a clock or network: node 0 produces every
 * beacon block, shard block and committee aggregate (interop keys), and every node imports them.
 */
export class DevnetDriver {
  private attestations: AttestationValue[] = [];
  private candidates: CrosslinkCandidate[] = [];
  private readonly committeeKeys = new CommitteeSigningKeys(bls);
  /** Shards whose committees stay silent (no votes, hence no crosslinks). */
  readonly silentShards = new Set<number>();

  constructor(readonly nodes: DriverNode[]) {}

  private get producer(): DriverNode {
    return this.nodes[0] as DriverNode;
  }

  /** A signed beacon block at `slot` on `parentRoot` (of the producer), with the pooled votes and crosslinks. */
  beaconBlock(parentRoot: string, slot: number, withOperations = true): SignedBeaconBlockValue {
    const parent = this.producer.beacon.get(parentRoot);
    if (!parent) throw new Error(`driver: unknown parent ${parentRoot}`);
    const pre: CachedBeaconState =
      parentRoot === this.producer.beacon.head().root
        ? this.producer.beacon.headStateAt(slot)
        : processSlots(parent.post, slot);
    const proposer = pre.epochCtx.getBeaconProposer(slot);
    const sk = bls.secretKeyFromBytes(interopSecretKey(proposer));
    const epoch = computeEpochAtSlot(pre.epochCtx.preset, slot);
    const { block } = produceBlock(pre, {
      slot,
      randaoReveal: signRandaoReveal(sk, pre.state.genesisRoot, epoch),
      ...(withOperations ? { attestations: this.attestations, crosslinkCandidates: this.candidates } : {}),
    });
    return { message: block, signature: sk.sign(blockSigningRoot(pre, block)).toBytes() };
  }

  importBeacon(signed: SignedBeaconBlockValue): string {
    let root = "";
    for (const node of this.nodes) {
      const result = node.beacon.importBlock(signed);
      expect(result.status, JSON.stringify(result)).toBe("imported");
      root = result.root;
      node.onBeaconHead();
    }
    return root;
  }

  /**
   * One slot: a beacon block on the head (unless `skipBeacon`), a block on every shard built on the head
   * (or on `shardBeaconRoot[shard]`), and every committee's aggregate vote for its shard's new head.
   */
  async slot(
    slot: number,
    opts: { skipBeacon?: boolean; shardBeaconRoot?: Record<number, string> } = {},
  ): Promise<void> {
    const producer = this.producer;
    if (!opts.skipBeacon) this.importBeacon(this.beaconBlock(producer.beacon.head().root, slot));
    const headRoot = producer.beacon.head().root;
    const atSlot = producer.beacon.headStateAt(slot);
    for (const chain of producer.shards) {
      const contextRoot = opts.shardBeaconRoot?.[chain.shard] ?? headRoot;
      const context = producer.beacon.contextOf(contextRoot)!;
      const proposer = context.epochCtx.getShardProposer(chain.shard, slot);
      const sk = bls.secretKeyFromBytes(interopSecretKey(proposer));
      const { signed } = signedShardBlock(chain, slot, proposer, sk, context);
      for (const node of this.nodes) {
        const result = node.shards[chain.shard]!.importBlock(signed);
        expect(result.status, JSON.stringify(result)).toBe("imported");
      }
      if (this.silentShards.has(chain.shard)) continue;
      const committee = atSlot.epochCtx.getShardCommittee(chain.shard, slot);
      const data = buildAttestationData(atSlot, {
        slot,
        shard: chain.shard,
        shardBlockRoot: Buffer.from(chain.head().root, "hex"),
        beaconBlockRoot: Buffer.from(headRoot, "hex"),
      });
      const message = computeAttestationSigningRoot(producer.beacon.networkRoot, data);
      const bits = BitArray.fromBitLen(committee.length);
      for (let p = 0; p < committee.length; p++) bits.set(p, true);
      const attestation: AttestationValue = {
        aggregationBits: bits,
        data,
        signature: this.committeeKeys
          .aggregateKey([...committee])
          .sign(message)
          .toBytes(),
      };
      this.attestations.push(attestation);
      this.candidates.push({ header: signed.message.header, attestation });
      for (const node of this.nodes) {
        for (const member of committee) {
          node.beacon.onAttestation(member, headRoot, data.target.epoch);
          const stake = atSlot.epochCtx.stakes[member] ?? 0n;
          node.shards[chain.shard]!.onAttestation(member, chain.head().root, stake, slot);
        }
      }
    }
    const oldest = slot - atSlot.epochCtx.preset.SLOTS_PER_EPOCH;
    this.attestations = this.attestations.filter((a) => a.data.slot >= oldest);
    this.candidates = this.candidates.filter((c) => c.attestation.data.slot >= oldest);
    for (const node of this.nodes) {
      node.onBeaconHead();
      await node.settled();
    }
  }
}
