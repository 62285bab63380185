import { createKernelMemory, type MerkleKernel, WASM_MAX_PAGES, WASM_PAGE_BYTES } from "./merkleKernel.js";

/** SSZ size of an Account: address (20) | balance (uint64 LE) | nonce (uint64 LE). */
export const ACCOUNT_SIZE = 36;
const NODE_SIZE = 32;
/** Stale accounts rehashed per batch: bounds the scratch space (228 bytes per account). */
const CHUNK_ACCOUNTS = 16384;
const ALIGN = 64;

/**
 * One WebAssembly memory with every array of an AccountStore, so that the Merkle kernel and the hasher work on
 * them in place: the accounts (their SSZ bytes), the Merkle levels (level l holds ceil(capacity / 2^l) nodes
 * of 32 bytes; level 0 = account roots) and scratch space to rehash up to `chunkAccounts` accounts at once:
 * their indices, then per account 128 bytes of SSZ chunks (reused for child pairs), 64 bytes of half roots
 * (reused for parents) and 32 bytes of account roots.
 */
export class AccountMemory {
  readonly kernel: MerkleKernel;
  /** The accounts, by 32-bit word and by byte. */
  readonly data: Uint32Array;
  readonly bytes: Uint8Array;
  readonly levels: Uint32Array[] = [];
  /** Byte offset of each level. */
  readonly levelOffsets: number[];
  readonly dataOffset = 0;
  readonly chunkAccounts: number;
  readonly indicesOffset: number;
  /** The scratch index list (chunkAccounts entries). */
  readonly indices: Uint32Array;
  readonly chunksOffset: number;
  readonly halvesOffset: number;
  readonly rootsOffset: number;
  private readonly buffer: ArrayBuffer;

  constructor(readonly capacity: number) {
    const layout = memoryLayout(capacity);
    if (layout.bytes > WASM_MAX_PAGES * WASM_PAGE_BYTES) {
      throw new RangeError(
        `a shard can hold at most ${maxCapacity()} accounts (its arrays share one WebAssembly memory of 4 GiB), not ${capacity}`,
      );
    }
    this.levelOffsets = layout.levelOffsets;
    this.chunkAccounts = layout.chunkAccounts;
    this.indicesOffset = layout.indicesOffset;
    this.chunksOffset = layout.chunksOffset;
    this.halvesOffset = layout.halvesOffset;
    this.rootsOffset = layout.rootsOffset;
    const pages = Math.ceil(layout.bytes / WASM_PAGE_BYTES);
    const { memory, kernel } = createKernelMemory(pages);
    this.kernel = kernel;
    this.buffer = memory.buffer;
    this.data = new Uint32Array(this.buffer, this.dataOffset, (capacity * ACCOUNT_SIZE) / 4);
    this.bytes = new Uint8Array(this.buffer, this.dataOffset, capacity * ACCOUNT_SIZE);
    for (let level = 0, nodes = capacity; level < this.levelOffsets.length; level++) {
      this.levels.push(new Uint32Array(this.buffer, this.levelOffsets[level], (nodes * NODE_SIZE) / 4));
      nodes = Math.ceil(nodes / 2);
    }
    this.indices = new Uint32Array(this.buffer, this.indicesOffset, this.chunkAccounts);
  }

  /** Bytes [offset, offset + length) of the memory, shared. */
  view(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.buffer, offset, length);
  }

  /** `count` 32-bit words from byte `offset` of the memory, shared. */
  words(offset: number, count: number): Uint32Array {
    return new Uint32Array(this.buffer, offset, count);
  }

  /** Copies the accounts and Merkle levels of `smaller` (a memory of lower capacity) into this one. */
  copyFrom(smaller: AccountMemory): void {
    this.bytes.set(smaller.bytes);
    for (let level = 0; level < smaller.levels.length; level++) this.levels[level].set(smaller.levels[level]);
  }
}

/** Where each array of a memory for `capacity` accounts starts, and its size in bytes. */
function memoryLayout(capacity: number) {
  let end = align(capacity * ACCOUNT_SIZE);
  const levelOffsets: number[] = [];
  for (let nodes = capacity; ; nodes = Math.ceil(nodes / 2)) {
    levelOffsets.push(end);
    end = align(end + nodes * NODE_SIZE);
    if (nodes === 1) break;
  }
  const chunkAccounts = Math.min(capacity, CHUNK_ACCOUNTS);
  const indicesOffset = end;
  const chunksOffset = align(indicesOffset + chunkAccounts * 4);
  const halvesOffset = chunksOffset + chunkAccounts * 128;
  const rootsOffset = halvesOffset + chunkAccounts * 64;
  const bytes = rootsOffset + chunkAccounts * 32;
  return { levelOffsets, chunkAccounts, indicesOffset, chunksOffset, halvesOffset, rootsOffset, bytes };
}

let maxCapacityCache = 0;

/** The most accounts one memory can hold (42,912,308). */
export function maxCapacity(): number {
  if (maxCapacityCache > 0) return maxCapacityCache;
  let low = 1;
  let high = 2 ** 32;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (memoryLayout(mid).bytes <= WASM_MAX_PAGES * WASM_PAGE_BYTES) low = mid;
    else high = mid;
  }
  maxCapacityCache = low;
  return low;
}

function align(offset: number): number {
  return Math.ceil(offset / ALIGN) * ALIGN;
}
