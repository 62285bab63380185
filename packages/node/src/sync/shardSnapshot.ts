import { ContainerType } from "@chainsafe/ssz";
import { bytesEqual, Root, type ShardState, shardStateFromBytes, Uint64 } from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import type { P2pNode } from "@shardnet/p2p";
import { ShardStateSnapshotRequest } from "../network/messages.js";

/**
 * `shard_state_snapshot` response (DESIGN.md §5): chunk 0 is a ShardStateSnapshotHeader (the state root it
 * claims, its size and chunk count); chunks 1..n are consecutive slices of the state's SSZ bytes, each
 * SNAPSHOT_CHUNK_BYTES long but the last. The requester refuses a header for another root before reading
 * on, and the whole against the crosslink's `state_root` after.
 */
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** Largest snapshot accepted: 1M accounts are 36 MB. */
export const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;
export const MAX_SNAPSHOT_CHUNKS = MAX_SNAPSHOT_BYTES / SNAPSHOT_CHUNK_BYTES;

export const ShardStateSnapshotHeader = new ContainerType(
  { stateRoot: Root, totalBytes: Uint64, chunkCount: Uint64 },
  { typeName: "ShardStateSnapshotHeader", jsonCase: "eth2" },
);

/** The response chunks serving `state` (header first). */
export function snapshotChunks(state: ShardState): Uint8Array[] {
  const bytes = state.serialize();
  const chunkCount = Math.ceil(bytes.length / SNAPSHOT_CHUNK_BYTES);
  const chunks = [
    ShardStateSnapshotHeader.serialize({
      stateRoot: state.hashTreeRoot(),
      totalBytes: bytes.length,
      chunkCount,
    }),
  ];
  for (let at = 0; at < bytes.length; at += SNAPSHOT_CHUNK_BYTES)
    chunks.push(bytes.subarray(at, at + SNAPSHOT_CHUNK_BYTES));
  return chunks;
}

/** Why a snapshot was refused (each one is the sender's fault: the requester penalises it). */
export type SnapshotProblem = "malformed" | "different_root" | "oversized" | "truncated" | "root_mismatch";

export class SnapshotRefused extends Error {
  constructor(
    readonly problem: SnapshotProblem,
    message: string,
  ) {
    super(message);
    this.name = "SnapshotRefused";
  }
}

/** What the snapshot must be: the crosslinked block of `shard` at `slot` and its `state_root`. */
export interface ExpectedSnapshot {
  shard: number;
  slot: number;
  blockRoot: Uint8Array;
  stateRoot: Uint8Array;
}

/**
 * Checks and assembles a snapshot response: header, chunk count and sizes, then the state decoded and
 * hashed against `expected.stateRoot`. Throws SnapshotRefused; returns the state and its bytes (stored as
 * the chain's anchor).
 */
export function assembleSnapshot(
  chunks: readonly Uint8Array[],
  expected: ExpectedSnapshot,
): { state: ShardState; bytes: Uint8Array } {
  const [headerBytes, ...parts] = chunks;
  if (!headerBytes) throw new SnapshotRefused("truncated", "empty snapshot response");
  let header: ReturnType<typeof ShardStateSnapshotHeader.deserialize>;
  try {
    header = ShardStateSnapshotHeader.deserialize(headerBytes);
  } catch (err) {
    throw new SnapshotRefused("malformed", `snapshot header does not decode: ${(err as Error).message}`);
  }
  if (!bytesEqual(header.stateRoot, expected.stateRoot)) {
    throw new SnapshotRefused(
      "different_root",
      `snapshot of state 0x${bytesToHex(header.stateRoot)}, not the crosslinked 0x${bytesToHex(expected.stateRoot)}`,
    );
  }
  if (header.totalBytes > MAX_SNAPSHOT_BYTES || header.chunkCount > MAX_SNAPSHOT_CHUNKS) {
    throw new SnapshotRefused(
      "oversized",
      `snapshot of ${header.totalBytes} bytes exceeds ${MAX_SNAPSHOT_BYTES}`,
    );
  }
  if (header.chunkCount !== Math.ceil(header.totalBytes / SNAPSHOT_CHUNK_BYTES)) {
    throw new SnapshotRefused(
      "malformed",
      `${header.chunkCount} chunks cannot hold ${header.totalBytes} bytes`,
    );
  }
  if (parts.length !== header.chunkCount) {
    throw new SnapshotRefused("truncated", `snapshot has ${parts.length} of its ${header.chunkCount} chunks`);
  }
  const bytes = new Uint8Array(header.totalBytes);
  let at = 0;
  for (const [i, part] of parts.entries()) {
    const want = i < parts.length - 1 ? SNAPSHOT_CHUNK_BYTES : header.totalBytes - at;
    if (part.length !== want) {
      throw new SnapshotRefused("truncated", `snapshot chunk ${i + 1} has ${part.length} bytes, not ${want}`);
    }
    bytes.set(part, at);
    at += part.length;
  }
  let state: ShardState;
  try {
    state = shardStateFromBytes(bytes, expected.blockRoot);
  } catch (err) {
    throw new SnapshotRefused("malformed", `snapshot state does not decode: ${(err as Error).message}`);
  }
  if (
    state.shard !== expected.shard ||
    state.slot !== expected.slot ||
    !bytesEqual(state.hashTreeRoot(), expected.stateRoot)
  ) {
    throw new SnapshotRefused(
      "root_mismatch",
      `snapshot state (shard ${state.shard}, slot ${state.slot}) does not hash to the crosslinked state root`,
    );
  }
  return { state, bytes };
}

/**
 * Requests the snapshot of `expected` from `peer` and assembles it. A peer whose snapshot is refused is
 * penalised (disconnected and refused for a while): a correct peer never sends one.
 */
export async function fetchShardSnapshot(
  p2p: P2pNode,
  peer: string,
  expected: ExpectedSnapshot,
  timeoutMs: number,
): Promise<{ state: ShardState; bytes: Uint8Array }> {
  const request = ShardStateSnapshotRequest.serialize({
    shard: expected.shard,
    shardBlockRoot: expected.blockRoot,
  });
  const chunks = await p2p.request(peer, "shard_state_snapshot", request, {
    timeoutMs,
    maxChunkBytes: SNAPSHOT_CHUNK_BYTES,
    maxResponseChunks: MAX_SNAPSHOT_CHUNKS + 1,
  });
  try {
    return assembleSnapshot(chunks, expected);
  } catch (err) {
    if (err instanceof SnapshotRefused) await p2p.penalize(peer, `shard_state_snapshot ${err.problem}`);
    throw err;
  }
}
