import { ContainerType } from "@chainsafe/ssz";
import {
  BeaconBlock,
  BeaconState,
  Epoch,
  type Genesis,
  genesisHash,
  SignedBeaconBlock,
} from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";
import type { Logger } from "pino";
import { beaconAnchorKey, listBeaconAnchors } from "../chain/anchorStore.js";
import { concatKey, type NodeDb, uint64Key } from "../db/nodeDb.js";

/**
 * What `/v1/checkpoint/finalized` serves (SSZ): a finalized block, its post-state, and the epoch whose
 * checkpoint it is. A new node started with `--checkpoint-sync-url` starts from it instead of genesis.
 */
export const FinalizedCheckpointBundle = new ContainerType(
  { epoch: Epoch, block: SignedBeaconBlock, state: BeaconState },
  { typeName: "FinalizedCheckpointBundle" },
);

/** Largest bundle a node accepts (a state is about 0.7 MB with the local and default presets). */
const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;

export class CheckpointSyncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointSyncError";
  }
}

/** The newest stored finalized anchor as a bundle (SSZ bytes), or undefined before the first finalization. */
export async function finalizedCheckpointBundle(
  db: NodeDb,
): Promise<{ bytes: Uint8Array; root: string; epoch: number; slot: number } | undefined> {
  const anchors = (await listBeaconAnchors(db)).sort((a, b) => b.slot - a.slot);
  for (const anchor of anchors) {
    const [stateBytes, blockBytes] = await Promise.all([
      db.get("beaconStates", beaconAnchorKey(anchor)),
      db.get("beaconBlocks", hexToBytes(anchor.root)),
    ]);
    if (!stateBytes || !blockBytes) continue;
    const bytes = encodeCheckpointBundle(anchor.epoch, blockBytes, stateBytes);
    return { bytes, root: anchor.root, epoch: anchor.epoch, slot: anchor.slot };
  }
  return undefined;
}

/**
 * Starts an empty database from a finalized checkpoint fetched from `url` (a node's API): the block must
 * commit to the state, both must belong to `genesis`'s network, and the block root must equal
 * `expectedRoot` when given (otherwise the trusted root is logged, to be compared out of band). Writes the
 * block, its slot index, the anchor state and the head, so BeaconChain.open starts from it. A database that
 * already holds blocks is left alone (the node resumes from it). Throws CheckpointSyncError on bad input,
 * changing nothing.
 */
export async function checkpointSync(
  db: NodeDb,
  genesis: Genesis,
  url: string,
  expectedRoot: string | undefined,
  log: Logger,
): Promise<void> {
  const stored = await db.range("beaconBlockSlots", uint64Key(0), uint64Key(Number.MAX_SAFE_INTEGER), 1);
  if (stored.length > 0) {
    log.info(
      { url },
      "database already holds the chain: checkpoint sync skipped, resuming from the database",
    );
    return;
  }
  const endpoint = new URL("/v1/checkpoint/finalized", url).toString();
  let bytes: Uint8Array;
  try {
    const res = await fetch(endpoint, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) throw new CheckpointSyncError(`${endpoint} answered ${res.status}: ${await res.text()}`);
    const length = Number(res.headers.get("content-length") ?? 0);
    if (length > MAX_BUNDLE_BYTES)
      throw new CheckpointSyncError(`${endpoint} sent ${length} bytes: too large`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    if (err instanceof CheckpointSyncError) throw err;
    throw new CheckpointSyncError(
      `cannot fetch the finalized checkpoint from ${endpoint}: ${(err as Error).message} (check --checkpoint-sync-url)`,
    );
  }
  const { epoch, blockBytes, stateBytes } = decodeBundle(bytes, endpoint);
  let block: ReturnType<typeof SignedBeaconBlock.deserialize>;
  let state: ReturnType<typeof BeaconState.deserializeToViewDU>;
  try {
    block = SignedBeaconBlock.deserialize(blockBytes);
    state = BeaconState.deserializeToViewDU(stateBytes);
  } catch (err) {
    throw new CheckpointSyncError(`checkpoint from ${endpoint} does not decode: ${(err as Error).message}`);
  }
  const root = bytesToHex(BeaconBlock.hashTreeRoot(block.message));
  if (bytesToHex(state.hashTreeRoot()) !== bytesToHex(block.message.stateRoot)) {
    throw new CheckpointSyncError(
      `checkpoint from ${endpoint}: the state does not match the block's state root`,
    );
  }
  if (bytesToHex(state.genesisRoot) !== bytesToHex(genesisHash(genesis))) {
    throw new CheckpointSyncError(
      `checkpoint from ${endpoint} belongs to another network (genesis root 0x${bytesToHex(state.genesisRoot)}); check --genesis`,
    );
  }
  const { SLOTS_PER_EPOCH } = genesis.preset;
  if (state.slot !== block.message.slot || block.message.slot > epoch * SLOTS_PER_EPOCH || epoch === 0) {
    throw new CheckpointSyncError(
      `checkpoint from ${endpoint} is inconsistent: block slot ${block.message.slot}, state slot ${state.slot}, epoch ${epoch}`,
    );
  }
  if (expectedRoot !== undefined) {
    const wanted = expectedRoot.replace(/^0x/, "").toLowerCase();
    if (wanted !== root) {
      throw new CheckpointSyncError(
        `checkpoint from ${endpoint} has block root 0x${root}, not --checkpoint-root 0x${wanted}: refusing it`,
      );
    }
  } else {
    log.warn(
      { root: `0x${root}`, epoch, slot: block.message.slot, url },
      "checkpoint sync trusted this finalized root without --checkpoint-root: compare it with another source",
    );
  }
  const rootBytes = hexToBytes(root);
  await db.writeBatch([
    { bucket: "beaconBlocks", key: rootBytes, value: blockBytes },
    {
      bucket: "beaconBlockSlots",
      key: concatKey(uint64Key(block.message.slot), rootBytes),
      value: rootBytes,
    },
    {
      bucket: "beaconStates",
      key: beaconAnchorKey({ slot: block.message.slot, epoch, root }),
      value: stateBytes,
    },
    db.metaOp("beacon_head", root),
    db.metaOp("checkpoint_sync_root", root),
  ]);
  log.info(
    { root: `0x${root}`, epoch, slot: block.message.slot },
    "checkpoint sync: starting from a finalized state",
  );
}

/**
 * FinalizedCheckpointBundle's SSZ encoding from the stored bytes (epoch ‖ two offsets ‖ block ‖ state), without
 * decoding the state into a value first.
 */
export function encodeCheckpointBundle(
  epoch: number,
  blockBytes: Uint8Array,
  stateBytes: Uint8Array,
): Uint8Array {
  const fixed = 8 + 4 + 4;
  const out = new Uint8Array(fixed + blockBytes.length + stateBytes.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(epoch), true);
  view.setUint32(8, fixed, true);
  view.setUint32(12, fixed + blockBytes.length, true);
  out.set(blockBytes, fixed);
  out.set(stateBytes, fixed + blockBytes.length);
  return out;
}

/** The bundle's epoch and the byte ranges of its block and state (decoded by the caller). */
function decodeBundle(bytes: Uint8Array, endpoint: string) {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const [epoch, block, state] = FinalizedCheckpointBundle.getFieldRanges(view, 0, bytes.length);
    if (!epoch || !block || !state) throw new Error("missing fields");
    return {
      epoch: FinalizedCheckpointBundle.fields.epoch.deserialize(bytes.subarray(epoch.start, epoch.end)),
      blockBytes: bytes.subarray(block.start, block.end),
      stateBytes: bytes.subarray(state.start, state.end),
    };
  } catch (err) {
    throw new CheckpointSyncError(
      `checkpoint from ${endpoint} is not a valid SSZ bundle: ${(err as Error).message}`,
    );
  }
}
