import { LeafNode } from "@chainsafe/persistent-merkle-tree";
import type { CompositeViewDU } from "@chainsafe/ssz";
import { bytesEqual } from "./address.js";
import { buildAccountsTree, hashAccounts } from "./bulk.js";
import { MAX_UINT64 } from "./constants.js";
import { type Account, Account as AccountType, Outbox, type Receipt, ShardStateType } from "./types.js";

export type ShardStateViewDU = CompositeViewDU<typeof ShardStateType>;

/** What transaction validation needs to read from a state: the account of an address, if it exists. */
export interface AccountReader {
  readonly shard: number;
  getAccount(address: Uint8Array): Account | undefined;
}

/**
 * Address → account index, shared by every fork of one shard chain. Accounts are appended in first-seen
 * order, so two forks may put different addresses at one index; the registry therefore keeps every index an
 * address was ever given, and a state confirms a candidate by reading the address stored at that index in
 * its own tree. Append-only: forks never need to copy it.
 */
export class AddressRegistry {
  private readonly indices = new Map<number, number | number[]>();

  /**
   * A 48-bit key from address bytes 8..13 (bytes 0..7 pick the shard, so they are skewed on one shard).
   * Collisions only add candidates: every candidate is confirmed against the address stored in the tree.
   */
  private static key(address: Uint8Array): number {
    return (
      (address[8] | (address[9] << 8) | (address[10] << 16)) +
      address[11] * 2 ** 24 +
      (address[12] | (address[13] << 8)) * 2 ** 32
    );
  }

  register(address: Uint8Array, index: number): void {
    const key = AddressRegistry.key(address);
    const known = this.indices.get(key);
    if (known === undefined) this.indices.set(key, index);
    else if (typeof known === "number") {
      if (known !== index) this.indices.set(key, [known, index]);
    } else if (!known.includes(index)) known.push(index);
  }

  candidates(address: Uint8Array): number | readonly number[] | undefined {
    return this.indices.get(AddressRegistry.key(address));
  }
}

/**
 * One shard's state: the SSZ tree (committed by `stateRoot`), the address registry beside it, and the root
 * of the block that produced it (not part of the tree: the block commits to the state, not the reverse).
 * `clone()` is cheap: the copy shares the tree and the registry.
 */
export class ShardState implements AccountReader {
  /** Accounts changed since the last root: their roots are computed in one batch (see flushAccountHashes). */
  private readonly dirtyAccounts = new Set<number>();

  constructor(
    readonly view: ShardStateViewDU,
    readonly registry: AddressRegistry,
    /** hash_tree_root of the header of the block that produced this state (the genesis block at genesis). */
    public latestBlockRoot: Uint8Array,
  ) {}

  get shard(): number {
    return this.view.shard;
  }

  get slot(): number {
    return this.view.slot;
  }

  get shardCount(): number {
    return this.view.outboxes.length;
  }

  get accountCount(): number {
    return this.view.accounts.length;
  }

  get feesBurned(): bigint {
    return this.view.feesBurned;
  }

  /** A copy that shares structure with this state; mutating one never affects the other. */
  clone(): ShardState {
    this.flushAccountHashes();
    this.view.commit();
    // The copy takes the navigation caches (the child is the state that is used next); this one keeps working
    // with cold caches.
    return new ShardState(this.view.clone(), this.registry, this.latestBlockRoot);
  }

  /** Commits pending changes and returns the state root. */
  hashTreeRoot(): Uint8Array {
    this.flushAccountHashes();
    return this.view.batchHashTreeRoot();
  }

  /**
   * Replaces every changed account's view by a node whose root is already known, computing all those roots
   * with one batched SHA-256 call instead of rebuilding and hashing each account's subtree one by one.
   */
  private flushAccountHashes(): void {
    if (this.dirtyAccounts.size === 0) return;
    const indices = [...this.dirtyAccounts];
    this.dirtyAccounts.clear();
    const accounts = this.view.accounts;
    const values = indices.map((index) => this.getAccountAt(index));
    const roots = hashAccounts(values);
    for (let i = 0; i < indices.length; i++) {
      const node = AccountType.value_toTree(values[i]);
      node.applyHash(LeafNode.fromRoot(roots.subarray(i * 32, i * 32 + 32)));
      accounts.set(indices[i], AccountType.getViewDU(node));
    }
  }

  indexOf(address: Uint8Array): number | undefined {
    const candidates = this.registry.candidates(address);
    if (candidates === undefined) return undefined;
    if (typeof candidates === "number") return this.isAt(candidates, address) ? candidates : undefined;
    for (const index of candidates) if (this.isAt(index, address)) return index;
    return undefined;
  }

  getAccount(address: Uint8Array): Account | undefined {
    const index = this.indexOf(address);
    if (index === undefined) return undefined;
    const account = this.view.accounts.getReadonly(index);
    return { address: account.address, balance: account.balance, nonce: account.nonce };
  }

  getAccountAt(index: number): Account {
    const account = this.view.accounts.getReadonly(index);
    return { address: account.address, balance: account.balance, nonce: account.nonce };
  }

  /** Debits `total` and bumps the nonce. The caller has checked the balance. */
  debitAndBumpNonce(index: number, total: bigint): void {
    const account = this.view.accounts.get(index);
    if (account.balance < total) {
      throw new Error(`internal: debit of ${total} exceeds balance ${account.balance} at account ${index}`);
    }
    account.balance -= total;
    account.nonce += 1;
    this.dirtyAccounts.add(index);
  }

  /**
   * Credits `amount` to `address`, appending a new account if it has none. Returns false (and changes
   * nothing) if the balance would exceed 2^64-1, which a supply that fits in uint64 makes impossible.
   */
  credit(address: Uint8Array, amount: bigint): boolean {
    const index = this.indexOf(address);
    if (index === undefined) {
      if (amount > MAX_UINT64) return false;
      const newIndex = this.view.accounts.length;
      this.view.accounts.push(
        AccountType.toViewDU({ address: Uint8Array.from(address), balance: amount, nonce: 0 }),
      );
      this.registry.register(address, newIndex);
      this.dirtyAccounts.add(newIndex);
      return true;
    }
    const account = this.view.accounts.get(index);
    if (account.balance + amount > MAX_UINT64) return false;
    account.balance += amount;
    this.dirtyAccounts.add(index);
    return true;
  }

  canCredit(address: Uint8Array, amount: bigint): boolean {
    const account = this.getAccount(address);
    return (account === undefined ? 0n : account.balance) + amount <= MAX_UINT64;
  }

  burnFee(fee: bigint): void {
    this.view.feesBurned += fee;
  }

  outboxLength(dest: number): number {
    return this.view.outboxes.getReadonly(dest).length;
  }

  /** Appends `receipt` to outbox[receipt.dest]; receipt.seq must be the outbox's length. */
  appendReceipt(receipt: Receipt): void {
    const outbox = this.view.outboxes.get(receipt.dest);
    if (receipt.seq !== outbox.length) {
      throw new Error(
        `internal: receipt seq ${receipt.seq} is not outbox[${receipt.dest}] length ${outbox.length}`,
      );
    }
    outbox.push(Outbox.elementType.toViewDU(receipt));
  }

  getReceipt(dest: number, seq: number): Receipt | undefined {
    const outbox = this.view.outboxes.getReadonly(dest);
    if (seq < 0 || seq >= outbox.length) return undefined;
    return outbox.getReadonly(seq).toValue();
  }

  inboxCursor(source: number): number {
    return this.view.inboxCursors.get(source);
  }

  advanceInboxCursor(source: number): void {
    this.view.inboxCursors.set(source, this.view.inboxCursors.get(source) + 1);
  }

  setSlot(slot: number): void {
    this.view.slot = slot;
  }

  /** Sum of every account balance (O(accounts): for invariant checks, not for block processing). */
  totalBalance(): bigint {
    this.view.commit();
    let total = 0n;
    this.view.accounts.forEachValue((account) => {
      total += account.balance;
    });
    return total;
  }

  private isAt(index: number, address: Uint8Array): boolean {
    return (
      index < this.view.accounts.length && bytesEqual(this.view.accounts.getReadonly(index).address, address)
    );
  }
}

/** A state from its SSZ value (e.g. a snapshot), rebuilding the address registry from the accounts. */
export function shardStateFromValue(
  value: ReturnType<typeof ShardStateType.defaultValue>,
  latestBlockRoot: Uint8Array,
): ShardState {
  const registry = new AddressRegistry();
  value.accounts.forEach((account, index) => {
    registry.register(account.address, index);
  });
  const view = ShardStateType.toViewDU({ ...value, accounts: [] });
  view.accounts = buildAccountsTree(value.accounts);
  return new ShardState(view, registry, latestBlockRoot);
}

/** A state from serialized SSZ bytes (e.g. a `shard_state_snapshot` response). */
export function shardStateFromBytes(bytes: Uint8Array, latestBlockRoot: Uint8Array): ShardState {
  const view = ShardStateType.deserializeToViewDU(bytes);
  const registry = new AddressRegistry();
  view.accounts.getAllReadonly().forEach((account, index) => {
    registry.register(account.address, index);
  });
  return new ShardState(view, registry, latestBlockRoot);
}
