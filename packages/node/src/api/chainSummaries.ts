import {
  BeaconBlock,
  computeStartSlotAtEpoch,
  SignedBeaconBlock,
  type SignedBeaconBlockValue,
  SignedShardBlock,
} from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import type { BeaconChain } from "../chain/beaconChain.js";
import type { ShardChain } from "../chain/shardChain.js";
import { type ChainLink, canonicalRange } from "./chainWalk.js";

type SignedShardBlockValue = SignedShardBlock;

/** Most blocks one summary request returns (`count`). */
export const MAX_SUMMARY_COUNT = 64;

const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;

export interface BeaconBlockSummary {
  slot: number;
  root: string;
  parentRoot: string;
  /** null for the genesis block (it has no proposer). */
  proposerIndex: number | null;
  /** true: on the head's chain; false: a fork; null: read from storage below the walkable range, unknown. */
  canonical: boolean | null;
  /** On the head's chain at or below the finalized checkpoint's block. */
  finalized: boolean;
  crosslinks: Array<{ shard: number; slot: number; shardBlockRoot: string }>;
  attestations: number;
  proposerSlashings: number;
  attesterSlashings: number;
  deposits: number;
  exits: number;
}

function beaconSummary(
  root: string,
  slot: number,
  parentRoot: string,
  signed: SignedBeaconBlockValue | undefined,
  canonical: boolean | null,
  finalizedSlot: number,
): BeaconBlockSummary {
  const body = signed?.message.body;
  return {
    slot,
    root: `0x${root}`,
    parentRoot: `0x${parentRoot}`,
    proposerIndex: signed ? signed.message.proposerIndex : null,
    canonical,
    finalized: canonical === true && slot <= finalizedSlot,
    crosslinks: (body?.crosslinks ?? []).map((c) => ({
      shard: c.crosslink.shard,
      slot: c.crosslink.slot,
      shardBlockRoot: hex(c.crosslink.shardBlockRoot),
    })),
    attestations: body?.attestations.length ?? 0,
    proposerSlashings: body?.proposerSlashings.length ?? 0,
    attesterSlashings: body?.attesterSlashings.length ?? 0,
    deposits: body?.deposits.length ?? 0,
    exits: body?.voluntaryExits.length ?? 0,
  };
}

function decodeBeacon(bytes: Uint8Array) {
  const signed = SignedBeaconBlock.deserialize(bytes);
  return {
    signed,
    root: bytesToHex(BeaconBlock.hashTreeRoot(signed.message)),
    parentRoot: bytesToHex(signed.message.parentRoot),
  };
}

/** Slot of the finalized checkpoint's block (the epoch's start slot when the block is no longer in memory). */
export function finalizedBlockSlot(beacon: BeaconChain): number {
  const f = beacon.finalizedCheckpoint();
  return beacon.get(bytesToHex(f.root))?.slot ?? computeStartSlotAtEpoch(beacon.preset, f.epoch);
}

/** Summaries of the beacon blocks with slot in [from, from + count), ascending, canonical ones when walkable. */
export async function beaconBlockSummaries(
  beacon: BeaconChain,
  from: number,
  count: number,
): Promise<BeaconBlockSummary[]> {
  const finalizedSlot = finalizedBlockSlot(beacon);
  const to = from + count - 1;
  const lookup = async (root: string): Promise<ChainLink<BeaconBlockSummary> | undefined> => {
    const entry = beacon.get(root);
    if (entry) {
      const item = beaconSummary(root, entry.slot, entry.parentRoot, entry.signed, true, finalizedSlot);
      return { slot: entry.slot, parentRoot: entry.parentRoot, item };
    }
    const bytes = await beacon.blockBytesByRoot(root);
    if (!bytes) return undefined;
    const d = decodeBeacon(bytes);
    const slot = d.signed.message.slot;
    return {
      slot,
      parentRoot: d.parentRoot,
      item: beaconSummary(d.root, slot, d.parentRoot, d.signed, true, finalizedSlot),
    };
  };
  const walked = await canonicalRange(beacon.head().root, lookup, from, to);
  if (walked) return walked;
  return (await beacon.blocksByRange(from, count)).map((bytes) => {
    const d = decodeBeacon(bytes);
    return beaconSummary(d.root, d.signed.message.slot, d.parentRoot, d.signed, null, finalizedSlot);
  });
}

export interface ShardBlockSummary {
  slot: number;
  root: string;
  parentRoot: string;
  beaconBlockRoot: string;
  /** null for the shard's genesis block. */
  proposerIndex: number | null;
  canonical: boolean | null;
  transactions: number;
  incomingReceipts: number;
}

function shardSummary(
  root: string,
  signed: SignedShardBlockValue,
  canonical: boolean | null,
): ShardBlockSummary {
  const { header, body } = signed.message;
  return {
    slot: header.slot,
    root: `0x${root}`,
    parentRoot: hex(header.parentRoot),
    beaconBlockRoot: hex(header.beaconBlockRoot),
    proposerIndex: header.proposerIndex,
    canonical,
    transactions: body.transactions.length,
    incomingReceipts: body.incomingReceipts.length,
  };
}

const shardRootOf = (signed: SignedShardBlockValue) =>
  bytesToHex(SignedShardBlock.fields.message.fields.header.hashTreeRoot(signed.message.header));

/** Summaries of one shard's blocks with slot in [from, from + count), ascending, canonical ones when walkable. */
export async function shardBlockSummaries(
  chain: ShardChain,
  from: number,
  count: number,
): Promise<ShardBlockSummary[]> {
  const to = from + count - 1;
  const lookup = async (root: string): Promise<ChainLink<ShardBlockSummary> | undefined> => {
    const entry = chain.get(root);
    if (entry) {
      const item: ShardBlockSummary = entry.signed
        ? shardSummary(root, entry.signed, true)
        : {
            slot: entry.slot,
            root: `0x${root}`,
            parentRoot: `0x${entry.parentRoot}`,
            beaconBlockRoot: `0x${entry.beaconBlockRoot}`,
            proposerIndex: null,
            canonical: true,
            transactions: entry.txHashes.length,
            incomingReceipts: 0,
          };
      return { slot: entry.slot, parentRoot: entry.parentRoot, item };
    }
    const bytes = await chain.blockByRoot(root);
    if (!bytes) return undefined;
    const signed = SignedShardBlock.deserialize(bytes);
    return {
      slot: signed.message.header.slot,
      parentRoot: bytesToHex(signed.message.header.parentRoot),
      item: shardSummary(root, signed, true),
    };
  };
  const walked = await canonicalRange(chain.head().root, lookup, from, to);
  if (walked) return walked;
  return (await chain.blocksByRange(from, count)).map((bytes) => {
    const signed = SignedShardBlock.deserialize(bytes);
    return shardSummary(shardRootOf(signed), signed, null);
  });
}
