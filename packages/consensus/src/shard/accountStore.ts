import { digest64, hashInto, zeroHash } from "@chainsafe/persistent-merkle-tree";
import { ACCOUNT_SIZE, AccountMemory, maxCapacity } from "./accountMemory.js";
import type { Account } from "./types.js";
import { Accounts } from "./types.js";

export { ACCOUNT_SIZE } from "./accountMemory.js";

/**
 * The accounts of one shard chain: `List[Account, MAX_ACCOUNTS_PER_SHARD]` in first-seen order, with the same
 * hash_tree_root as the SSZ type, kept in flat arrays instead of a pointer tree.
 *
 * Why not `@chainsafe/persistent-merkle-tree`: with 1M accounts its millions of small heap objects (a node
 * and a value per account, the list's branch nodes) made garbage collection 45% of a block's profile, and
 * navigating 20 pointer levels per access missed the cache. Here one account is 36 bytes in one array (its
 * SSZ serialization) and each Merkle level is one array of 32-byte nodes, all in one WebAssembly memory
 * (AccountMemory), so a block's cost is the accounts it touches plus their paths, rehashed level by level:
 * a WebAssembly gather of the child pairs, one batched hash call, a WebAssembly scatter of the parents.
 *
 * Versions (forks) share the arrays: the arrays hold one version, every other version is an undo log of
 * account writes leading towards it (Baker's persistent arrays, "rerooting"). Reading a version that the
 * arrays do not hold first replays the logs on the path to it, reversing them, so the chain head, which is
 * what a node reads and extends, costs nothing extra, and `clone()` is O(1). The Merkle levels are not
 * versioned: they are a cache of the held version's hashes, with a set of accounts whose paths are stale.
 */

const ACCOUNT_WORDS = ACCOUNT_SIZE / 4;
const NODE_WORDS = 8;
/** Depth of the accounts list's data tree (limit 2^40). */
const LIST_DEPTH = Math.log2(Accounts.limit);

if (new Uint8Array(Uint32Array.of(1).buffer)[0] !== 1) {
  throw new Error(
    "AccountStore reads SSZ little-endian integers through Uint32Array: needs a little-endian CPU",
  );
}

const zeroNodeWords: Uint32Array[] = Array.from(
  { length: LIST_DEPTH + 1 },
  (_, depth) => new Uint32Array(zeroHash(depth).slice().buffer),
);

/** Account writes made in one version, in order; applying them in reverse turns a newer version into it. */
class UndoLog {
  readonly indices: number[] = [];
  words = new Uint32Array(64 * ACCOUNT_WORDS);

  record(index: number, data: Uint32Array): void {
    const at = this.indices.length * ACCOUNT_WORDS;
    if (at + ACCOUNT_WORDS > this.words.length) this.words = grow(this.words);
    const from = index * ACCOUNT_WORDS;
    for (let w = 0; w < ACCOUNT_WORDS; w++) this.words[at + w] = data[from + w];
    this.indices.push(index);
  }
}

function grow(words: Uint32Array): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(words.length * 2);
  bigger.set(words);
  return bigger;
}

/** One version of the accounts. `next === null` iff the shared arrays hold it; otherwise `undo` leads from `next` to it. */
class Version {
  next: Version | null = null;
  undo: UndoLog | null = null;
  /** hash_tree_root of this version once computed; cleared by the in-place writes of its owner. */
  root: Uint8Array | undefined = undefined;
  /** Accounts in this version; only the handle that writes this version in place changes it (append). */
  constructor(public count: number) {}
}

/**
 * The one physical copy all versions share: account data and Merkle levels (level 0 = account roots) of the
 * held version in one WebAssembly memory, the address index and which version the arrays hold.
 */
class SharedArrays {
  memory: AccountMemory;
  /** Accounts whose Merkle paths in `levels` do not match the held version yet. */
  readonly stale: StaleAccounts;
  /** Bumped whenever the arrays change version: a handle's right to write in place ends with it. */
  epoch = 0;
  readonly registry = new AddressIndex();

  constructor(
    capacity: number,
    public held: Version,
  ) {
    this.memory = new AccountMemory(Math.max(1, capacity));
    this.stale = new StaleAccounts(this.memory.capacity);
  }

  get capacity(): number {
    return this.memory.capacity;
  }

  /** The accounts (SSZ bytes) by 32-bit word. */
  get data(): Uint32Array {
    return this.memory.data;
  }

  /** The same memory as `data`, by byte. */
  get bytes(): Uint8Array {
    return this.memory.bytes;
  }

  /** levels[l] holds ceil(capacity / 2^l) nodes of 32 bytes (8 words). */
  get levels(): Uint32Array[] {
    return this.memory.levels;
  }

  ensureCapacity(count: number): void {
    if (count <= this.capacity) return;
    let capacity = this.capacity;
    while (capacity < count) capacity *= 2;
    // Doubling may overshoot what fits: then as much as fits (the constructor refuses counts beyond it).
    const memory = new AccountMemory(Math.max(count, Math.min(capacity, maxCapacity())));
    memory.copyFrom(this.memory);
    this.memory = memory;
    this.stale.ensureCapacity(memory.capacity);
  }

  /** Makes the arrays hold `target`, replaying and reversing the undo logs on the way. */
  reroot(target: Version): void {
    const path: Version[] = [];
    for (let v: Version = target; v.next !== null; v = v.next) path.push(v);
    const countBefore = this.held.count;
    for (let k = path.length - 1; k >= 0; k--) {
      const version = path[k];
      const current = this.held;
      current.undo = this.replay(version.undo as UndoLog);
      current.next = version;
      version.undo = null;
      version.next = null;
      this.held = version;
    }
    // A different count changes the right edge of the tree: the ancestors of the new last account.
    if (target.count !== countBefore && target.count > 0) this.stale.add(target.count - 1);
    this.epoch++;
  }

  /** Applies `log` (newest write first), marks those accounts stale and returns the log that undoes it. */
  private replay(log: UndoLog): UndoLog {
    const inverse = new UndoLog();
    for (let e = log.indices.length - 1; e >= 0; e--) {
      const index = log.indices[e];
      inverse.record(index, this.data);
      this.data.set(log.words.subarray(e * ACCOUNT_WORDS, (e + 1) * ACCOUNT_WORDS), index * ACCOUNT_WORDS);
      this.stale.add(index);
    }
    return inverse;
  }

  /** Recomputes the account roots and Merkle paths of every stale account, one batched call per level. */
  rehash(): void {
    if (this.stale.size === 0) return;
    this.rehashPaths(this.stale.drain(this.held.count));
  }

  /**
   * Recomputes the account roots of `sorted` (ascending, distinct, in range) and their paths to the top, in
   * chunks of at most `memory.chunkAccounts` accounts. A parent that two chunks share is hashed by both, the
   * second time with both children current.
   */
  rehashPaths(sorted: Uint32Array): void {
    const step = this.memory.chunkAccounts;
    for (let start = 0; start < sorted.length; start += step) {
      this.rehashChunk(sorted.subarray(start, Math.min(sorted.length, start + step)));
    }
  }

  /** One chunk of rehashPaths: every level is one kernel gather, one batched hash call and one kernel scatter. */
  private rehashChunk(sorted: Uint32Array): void {
    const count = this.held.count;
    const n = sorted.length;
    const m = this.memory;
    const { kernel, levels, levelOffsets } = m;
    const indices = m.indices;
    indices.set(sorted);
    // hash_tree_root(Account) = H(H(address, balance), H(nonce, 0)): two batched levels.
    kernel.gatherAccountChunks(m.dataOffset, m.indicesOffset, n, m.chunksOffset);
    hashInto(m.view(m.chunksOffset, n * 128), m.view(m.halvesOffset, n * 64));
    hashInto(m.view(m.halvesOffset, n * 64), m.view(m.rootsOffset, n * 32));
    kernel.scatterNodes(levelOffsets[0], m.indicesOffset, n, m.rootsOffset);

    // Parents overwrite the index list in place; child pairs go to the chunks space, parents to the halves.
    let length = n;
    for (let level = 0; nodesAt(count, level) > 1; level++) {
      const width = nodesAt(count, level);
      const p = kernel.parentsInPlace(m.indicesOffset, length);
      length = p;
      // The last parent's right child may lie past the right edge: a zero subtree, not stored.
      const pairs = indices[p - 1] * 2 + 1 < width ? p : p - 1;
      kernel.gatherPairs(levelOffsets[level], m.indicesOffset, pairs, m.chunksOffset);
      if (pairs < p) {
        const input = m.words(m.chunksOffset + pairs * 64, 16);
        const at = indices[p - 1] * 2 * NODE_WORDS;
        input.set(levels[level].subarray(at, at + NODE_WORDS));
        input.set(zeroNodeWords[level], NODE_WORDS);
      }
      hashInto(m.view(m.chunksOffset, p * 64), m.view(m.halvesOffset, p * 32));
      kernel.scatterNodes(levelOffsets[level + 1], m.indicesOffset, p, m.halvesOffset);
    }
  }
}

/**
 * A set of account indices as a bitmap: adding is a bit set, and draining yields the indices in ascending
 * order, the order hashing needs, without sorting (a Set<number> plus a sort cost 0.5–0.8 ms per block).
 */
class StaleAccounts {
  private bits: Uint32Array;
  /** Indices in the set. */
  size = 0;

  constructor(capacity: number) {
    this.bits = new Uint32Array(Math.ceil(capacity / 32));
  }

  ensureCapacity(capacity: number): void {
    if (capacity <= this.bits.length * 32) return;
    const bits = new Uint32Array(Math.ceil(capacity / 32));
    bits.set(this.bits);
    this.bits = bits;
  }

  add(index: number): void {
    const word = index >>> 5;
    const bit = 1 << (index & 31);
    if ((this.bits[word] & bit) !== 0) return;
    this.bits[word] |= bit;
    this.size++;
  }

  /** Empties the set and returns its indices below `limit`, ascending. */
  drain(limit: number): Uint32Array {
    const out = new Uint32Array(this.size);
    const bits = this.bits;
    let seen = 0;
    let n = 0;
    for (let word = 0; word < bits.length && seen < this.size; word++) {
      let w = bits[word];
      if (w === 0) continue;
      bits[word] = 0;
      while (w !== 0) {
        const low = w & -w;
        const index = word * 32 + 31 - Math.clz32(low);
        if (index < limit) out[n++] = index; // the rest are accounts the held version does not have
        seen++;
        w ^= low;
      }
    }
    this.size = 0;
    return out.subarray(0, n);
  }
}

let prefetchEntryScratch = new Int32Array(64);

/** Scratch for prefetchAddresses' first pass: the index entries it read. */
function prefetchEntries(count: number): Int32Array {
  if (prefetchEntryScratch.length < count) prefetchEntryScratch = new Int32Array(count * 2);
  return prefetchEntryScratch;
}

/** Where prefetch reads leave the values they read, so the compiler cannot drop the reads. */
const prefetchSink = { value: 0 };

/** Nodes at `level` of a tree over `count` leaves (out-of-range nodes are zero subtrees). */
function nodesAt(count: number, level: number): number {
  return Math.ceil(count / 2 ** level);
}

/** Level of the node that covers every leaf: ceil(log2(count)). */
function topLevel(count: number): number {
  let level = 0;
  while (nodesAt(count, level) > 1) level++;
  return level;
}

/**
 * Address → account indices, shared by every version: an open-addressing hash table in two typed arrays
 * (a Map with a million number keys cost several cache misses per lookup). Versions append accounts in
 * first-seen order, so two forks may put different addresses at one index; the table therefore keeps every
 * index an address was ever given, and a version confirms a candidate by comparing the address stored at
 * that index in itself. Keys are 32-bit fingerprints of address bytes 8..11 (bytes 0..7 pick the shard, so
 * they are skewed on one shard); colliding fingerprints only add candidates.
 */
class AddressIndex {
  /** Slot i is words 2i (fingerprint) and 2i+1 (index + 1, 0 when empty): one cache line per probe. */
  private slots = new Uint32Array(2 * 1024);
  private size = 0;

  private static fingerprint(address: Uint8Array): number {
    return (address[8] | (address[9] << 8) | (address[10] << 16) | (address[11] << 24)) >>> 0;
  }

  private get capacity(): number {
    return this.slots.length / 2;
  }

  private slotOf(fingerprint: number): number {
    const bits = 31 - Math.clz32(this.capacity);
    return Math.imul(fingerprint, 0x9e3779b1) >>> (32 - bits);
  }

  register(address: Uint8Array, index: number): void {
    const fingerprint = AddressIndex.fingerprint(address);
    const mask = this.capacity - 1;
    const slots = this.slots;
    let slot = this.slotOf(fingerprint);
    for (; slots[2 * slot + 1] !== 0; slot = (slot + 1) & mask) {
      if (slots[2 * slot] === fingerprint && slots[2 * slot + 1] === index + 1) return;
    }
    slots[2 * slot] = fingerprint;
    slots[2 * slot + 1] = index + 1;
    if (++this.size * 2 > this.capacity) this.grow();
  }

  /** The entry of the first slot a lookup of `address` probes: index + 1 (its index unless fingerprints collide), or 0. */
  firstEntry(address: Uint8Array): number {
    return this.slots[2 * this.slotOf(AddressIndex.fingerprint(address)) + 1];
  }

  /** The first index registered for `address` that `isAt(index)` confirms. */
  find(address: Uint8Array, isAt: (index: number) => boolean): number | undefined {
    const fingerprint = AddressIndex.fingerprint(address);
    const mask = this.capacity - 1;
    const slots = this.slots;
    for (let slot = this.slotOf(fingerprint); slots[2 * slot + 1] !== 0; slot = (slot + 1) & mask) {
      if (slots[2 * slot] === fingerprint && isAt(slots[2 * slot + 1] - 1)) return slots[2 * slot + 1] - 1;
    }
    return undefined;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    const mask = this.capacity - 1;
    for (let at = 0; at < old.length; at += 2) {
      if (old[at + 1] === 0) continue;
      let slot = this.slotOf(old[at]);
      while (this.slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      this.slots[2 * slot] = old[at];
      this.slots[2 * slot + 1] = old[at + 1];
    }
  }
}

/**
 * A handle on one version of a shard's accounts. Mutations apply in place to the shared arrays (recording
 * undo entries for the version they derive from); `root()` rehashes only the paths of changed accounts.
 */
export class AccountStore {
  /** The version whose undo log records this handle's writes; null when nothing else needs the old values. */
  private undoTarget: Version | null = null;
  /** `shared.epoch` when this handle got the right to write its version in place; -1 when it has none. */
  private writeEpoch: number;

  private constructor(
    private readonly shared: SharedArrays,
    private version: Version,
    writable: boolean,
  ) {
    this.writeEpoch = writable ? shared.epoch : -1;
  }

  /** A store holding `accounts` in order (they must have distinct addresses). */
  static fromAccounts(accounts: readonly Account[]): AccountStore {
    return AccountStore.fromBytes(Accounts.serialize(accounts as Account[]));
  }

  /** A store from SSZ bytes of the accounts list (count × 36 bytes). */
  static fromBytes(bytes: Uint8Array): AccountStore {
    if (bytes.length % ACCOUNT_SIZE !== 0) {
      throw new RangeError(`accounts bytes must be a multiple of ${ACCOUNT_SIZE}, got ${bytes.length}`);
    }
    const count = bytes.length / ACCOUNT_SIZE;
    const version = new Version(count);
    const shared = new SharedArrays(count, version);
    shared.bytes.set(bytes);
    const all = new Uint32Array(count);
    for (let index = 0; index < count; index++) {
      shared.registry.register(bytes.subarray(index * ACCOUNT_SIZE, index * ACCOUNT_SIZE + 20), index);
      all[index] = index;
    }
    shared.rehashPaths(all);
    return new AccountStore(shared, version, true);
  }

  get count(): number {
    return this.version.count;
  }

  /**
   * Reads ahead what looking up `addresses` will read, on a state larger than the CPU cache: first the index
   * slot of every address, then the account each slot names. Each pass is a tight loop of independent reads,
   * so their cache misses overlap; the same reads made one lookup at a time, inside execution, each wait alone
   * (and reads issued a few transactions ahead did not help: JavaScript has no prefetch instruction, so such a
   * read stalls execution just the same). Changes nothing.
   */
  prefetchAddresses(addresses: readonly Uint8Array[]): void {
    const registry = this.shared.registry;
    const data = this.shared.data;
    const capacity = this.shared.capacity;
    const entries = prefetchEntries(addresses.length);
    for (let k = 0; k < addresses.length; k++) entries[k] = registry.firstEntry(addresses[k]);
    let touched = 0;
    for (let k = 0; k < addresses.length; k++) {
      const index = entries[k] - 1;
      if (index < 0 || index >= capacity) continue;
      const at = index * ACCOUNT_WORDS; // an account spans at most two cache lines
      touched ^= data[at] ^ data[at + ACCOUNT_WORDS - 1];
    }
    prefetchSink.value ^= touched;
  }

  /** Another handle on this version; the two diverge on their first write. O(1). */
  clone(): AccountStore {
    this.writeEpoch = -1;
    return new AccountStore(this.shared, this.version, false);
  }

  indexOf(address: Uint8Array): number | undefined {
    this.checkout();
    return this.shared.registry.find(address, (index) => this.addressIsAt(index, address));
  }

  get(index: number): Account {
    const at = this.checkIndex(index) * ACCOUNT_SIZE;
    this.checkout();
    return {
      address: this.shared.bytes.slice(at, at + 20),
      balance: this.balanceAt(index),
      nonce: this.nonceAt(index),
    };
  }

  balanceAt(index: number): bigint {
    const at = this.checkIndex(index) * ACCOUNT_WORDS + 5;
    this.checkout();
    const low = this.shared.data[at];
    const high = this.shared.data[at + 1];
    // One BigInt allocation for balances below 2^53 (all realistic ones).
    return high < 0x200000 ? BigInt(high * 2 ** 32 + low) : (BigInt(high) << 32n) | BigInt(low);
  }

  nonceAt(index: number): number {
    const at = this.checkIndex(index) * ACCOUNT_WORDS + 7;
    this.checkout();
    return this.shared.data[at + 1] * 2 ** 32 + this.shared.data[at];
  }

  /** Sets an existing account's balance and nonce. */
  setBalanceAndNonce(index: number, balance: bigint, nonce: number): void {
    this.checkIndex(index);
    this.prepareWrite();
    this.version.root = undefined;
    this.undoTarget?.undo?.record(index, this.shared.data);
    this.writeBalanceAndNonce(index, balance, nonce);
    this.shared.stale.add(index);
  }

  /** Appends an account for `address` (which must have none here) and returns its index. */
  append(address: Uint8Array, balance: bigint): number {
    this.prepareWrite();
    const index = this.version.count;
    this.shared.ensureCapacity(index + 1);
    this.undoTarget?.undo?.record(index, this.shared.data);
    this.version.root = undefined;
    this.version.count = index + 1;
    this.shared.bytes.set(address, index * ACCOUNT_SIZE);
    this.writeBalanceAndNonce(index, balance, 0);
    this.shared.registry.register(address, index);
    this.shared.stale.add(index);
    return index;
  }

  /** hash_tree_root(List[Account, MAX_ACCOUNTS_PER_SHARD]) of this version (kept until it changes). */
  root(): Uint8Array {
    if (this.version.root) return this.version.root;
    this.checkout();
    this.shared.rehash();
    const count = this.version.count;
    let node: Uint8Array;
    let level: number;
    if (count === 0) {
      node = zeroHash(LIST_DEPTH);
      level = LIST_DEPTH;
    } else {
      level = topLevel(count);
      node = this.nodeBytes(level, 0);
    }
    for (; level < LIST_DEPTH; level++) node = digest64(node, zeroHash(level));
    this.version.root = digest64(node, lengthChunk(count));
    return this.version.root;
  }

  /** Sibling hashes from accounts[index] up to the list root, bottom first (LIST_DEPTH + 1 of them). */
  branch(index: number): Uint8Array[] {
    this.checkIndex(index);
    this.checkout();
    this.shared.rehash();
    const count = this.version.count;
    const top = topLevel(count);
    const branch: Uint8Array[] = [];
    for (let level = 0; level < LIST_DEPTH; level++) {
      const sibling = Math.floor(index / 2 ** level) ^ 1;
      branch.push(
        level < top && sibling < nodesAt(count, level) ? this.nodeBytes(level, sibling) : zeroHash(level),
      );
    }
    branch.push(lengthChunk(count));
    return branch;
  }

  /** SSZ serialization of the accounts list (count × 36 bytes). */
  serialize(): Uint8Array {
    this.checkout();
    return this.shared.bytes.slice(0, this.version.count * ACCOUNT_SIZE);
  }

  /** Sum of all balances (O(accounts): for invariant checks, not for block processing). */
  totalBalance(): bigint {
    let total = 0n;
    for (let index = 0; index < this.version.count; index++) total += this.balanceAt(index);
    return total;
  }

  private nodeBytes(level: number, index: number): Uint8Array {
    const nodes = this.shared.levels[level];
    return new Uint8Array(nodes.buffer, nodes.byteOffset + index * 32, 32).slice();
  }

  private addressIsAt(index: number, address: Uint8Array): boolean {
    if (index >= this.version.count || address.length !== 20) return false;
    const bytes = this.shared.bytes;
    const at = index * ACCOUNT_SIZE;
    for (let i = 0; i < 20; i++) if (bytes[at + i] !== address[i]) return false;
    return true;
  }

  private writeBalanceAndNonce(index: number, balance: bigint, nonce: number): void {
    const data = this.shared.data;
    const at = index * ACCOUNT_WORDS + 5;
    if (balance <= BigInt(Number.MAX_SAFE_INTEGER)) {
      const value = Number(balance);
      data[at] = value % 2 ** 32;
      data[at + 1] = Math.floor(value / 2 ** 32);
    } else {
      data[at] = Number(balance & 0xffffffffn);
      data[at + 1] = Number(balance >> 32n);
    }
    data[at + 2] = nonce % 2 ** 32;
    data[at + 3] = Math.floor(nonce / 2 ** 32);
  }

  private checkIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.version.count) {
      throw new RangeError(`account index ${index} out of range (${this.version.count} accounts)`);
    }
    return index;
  }

  /** Makes the shared arrays hold this handle's version. */
  private checkout(): void {
    if (this.version.next !== null) this.shared.reroot(this.version);
  }

  /**
   * Makes this handle's version safe to write in place: unless it already has that right, it moves to a new
   * version held by the arrays, and the version it leaves becomes an undo log towards it (other handles and
   * versions keep seeing the old values through that log).
   */
  private prepareWrite(): void {
    this.checkout();
    if (this.writeEpoch === this.shared.epoch) return;
    const previous = this.version;
    const current = new Version(previous.count);
    previous.next = current;
    previous.undo = new UndoLog();
    this.shared.held = current;
    this.version = current;
    this.undoTarget = previous;
    this.writeEpoch = this.shared.epoch;
  }
}

function lengthChunk(count: number): Uint8Array {
  const chunk = new Uint8Array(32);
  new DataView(chunk.buffer).setBigUint64(0, BigInt(count), true);
  return chunk;
}
