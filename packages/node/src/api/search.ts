import { BeaconBlock, SignedBeaconBlock, SignedShardBlock, shardOf } from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";
import type { ShardnetNode } from "../shardnetNode.js";
import { badRequest } from "./errors.js";

/** What a search query matched: enough to link to its page. */
export type SearchResult =
  | { kind: "transaction"; hash: string; shard: number; status: string }
  | { kind: "beacon_block"; root: string; slot: number }
  | { kind: "shard_block"; shard: number; root: string; slot: number }
  | { kind: "account"; address: string; shard: number }
  | { kind: "validator"; index: number };

const HASH = /^(0x)?[0-9a-fA-F]{64}$/;
const ADDRESS = /^(0x)?[0-9a-fA-F]{40}$/;
const NUMBER = /^[0-9]{1,15}$/;

export const SEARCH_HELP =
  "search for a transaction hash or block root (32-byte hex), an address (20-byte hex), a slot or a validator index";

type SearchNode = Pick<ShardnetNode, "beacon" | "shardChains" | "txs">;

/** Everything `query` names on this node: a transaction, blocks, an account, a slot's block, a validator. */
export async function search(node: SearchNode, query: string): Promise<SearchResult[]> {
  const q = query.trim();
  if (HASH.test(q)) return searchHash(node, q.replace(/^0x/, "").toLowerCase());
  if (ADDRESS.test(q)) {
    const address = q.replace(/^0x/, "").toLowerCase();
    return [
      {
        kind: "account",
        address: `0x${address}`,
        shard: shardOf(hexToBytes(address), node.beacon.preset.SHARD_COUNT),
      },
    ];
  }
  if (NUMBER.test(q)) return searchNumber(node, Number(q));
  throw badRequest("INVALID_QUERY", `"${q.slice(0, 80)}" is not something to search for: ${SEARCH_HELP}`);
}

async function searchHash(node: SearchNode, hash: string): Promise<SearchResult[]> {
  const out: SearchResult[] = [];
  const tx = await node.txs.status(hash);
  if (tx) out.push({ kind: "transaction", hash: `0x${hash}`, shard: tx.shard, status: tx.status });
  const beaconEntry = node.beacon.get(hash);
  if (beaconEntry) out.push({ kind: "beacon_block", root: `0x${hash}`, slot: beaconEntry.slot });
  else {
    const bytes = await node.beacon.blockBytesByRoot(hash);
    if (bytes)
      out.push({
        kind: "beacon_block",
        root: `0x${hash}`,
        slot: SignedBeaconBlock.deserialize(bytes).message.slot,
      });
  }
  for (const chain of node.shardChains.values()) {
    const entry = chain.get(hash);
    const slot = entry?.slot ?? shardSlotOf(await chain.blockByRoot(hash));
    if (slot !== undefined) out.push({ kind: "shard_block", shard: chain.shard, root: `0x${hash}`, slot });
  }
  return out;
}

const shardSlotOf = (bytes: Uint8Array | undefined): number | undefined =>
  bytes ? SignedShardBlock.deserialize(bytes).message.header.slot : undefined;

async function searchNumber(node: SearchNode, n: number): Promise<SearchResult[]> {
  const out: SearchResult[] = [];
  const entry = node.beacon.canonicalAt(n);
  if (entry && entry.slot === n) out.push({ kind: "beacon_block", root: `0x${entry.root}`, slot: n });
  else if (!entry) {
    // Below the blocks in memory: whatever the database stores at that slot.
    for (const bytes of await node.beacon.blocksByRange(n, 1)) {
      const message = SignedBeaconBlock.deserialize(bytes).message;
      out.push({ kind: "beacon_block", root: `0x${bytesToHex(BeaconBlock.hashTreeRoot(message))}`, slot: n });
    }
  }
  if (n < node.beacon.head().state.state.validators.length) out.push({ kind: "validator", index: n });
  return out;
}
