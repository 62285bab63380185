import type { CompositeViewDU } from "@chainsafe/ssz";
import { AccountStore } from "./accountStore.js";
import { bytesEqual } from "./address.js";
import { MAX_UINT64 } from "./constants.js";
import { accumulatorInsert, accumulatorRoot, outboxesRoot } from "./outboxAccumulator.js";
import {
  type Account,
  type Receipt,
  Receipt as ReceiptType,
  ShardStateSummary,
  ShardStateType,
  type ShardStateValue,
} from "./types.js";

/** The non-account fields of a shard state, with the accounts' root in their place (see ShardStateSummary). */
export type ShardStateSummaryViewDU = CompositeViewDU<typeof ShardStateSummary>;

/** What transaction validation needs to read from a state: the account of an address, if it exists. */
export interface AccountReader {
  readonly shard: number;
  getAccount(address: Uint8Array): Account | undefined;
}

/**
 * One shard's state: the accounts (an AccountStore: flat arrays, versioned) and the other fields (an SSZ
 * view whose `accountsRoot` is the accounts' root), plus the root of the block that produced it (not part of
 * the state: the block commits to the state, not the reverse). hash_tree_root is ShardStateType's.
 * `clone()` is O(1): the copy shares the arrays and the tree.
 */
export class ShardState implements AccountReader {
  constructor(
    readonly view: ShardStateSummaryViewDU,
    readonly accounts: AccountStore,
    /** hash_tree_root of the header of the block that produced this state (the genesis block at genesis). */
    public latestBlockRoot: Uint8Array,
  ) {}

  /** A state from its SSZ value (genesis, snapshots, tests). */
  static fromValue(value: ShardStateValue, latestBlockRoot: Uint8Array): ShardState {
    const accounts = AccountStore.fromAccounts(value.accounts);
    const view = ShardStateSummary.toViewDU({ ...value, accountsRoot: accounts.root() });
    return new ShardState(view, accounts, latestBlockRoot);
  }

  get shard(): number {
    return this.view.shard;
  }

  get slot(): number {
    return this.view.slot;
  }

  /** SHARD_COUNT: the state has one outbox (and inbox cursor) per shard plus one for the beacon chain. */
  get shardCount(): number {
    return this.view.outboxes.length - 1;
  }

  /** Outboxes: one per shard, then the beacon outbox (deposits) at index `beaconOutbox` = SHARD_COUNT. */
  get outboxCount(): number {
    return this.view.outboxes.length;
  }

  /** Index of the outbox whose receipts are deposits for the beacon chain (and of the beacon's inbox cursor). */
  get beaconOutbox(): number {
    return this.view.outboxes.length - 1;
  }

  get accountCount(): number {
    return this.accounts.count;
  }

  get feesBurned(): bigint {
    return this.view.feesBurned;
  }

  /** A copy that shares structure with this state; mutating one never affects the other. */
  clone(): ShardState {
    this.view.commit();
    return new ShardState(this.view.clone(), this.accounts.clone(), this.latestBlockRoot);
  }

  /** Commits pending changes and returns the state root (hash_tree_root as ShardStateType). */
  hashTreeRoot(): Uint8Array {
    const accountsRoot = this.accounts.root();
    if (!bytesEqual(accountsRoot, this.view.accountsRoot)) this.view.accountsRoot = accountsRoot;
    return this.view.hashTreeRoot();
  }

  /** The whole state as an SSZ value (O(accounts)). */
  toValue(): ShardStateValue {
    this.view.commit(); // ViewDU.toValue reads the committed tree only
    const { accountsRoot: _root, ...fields } = this.view.toValue();
    const accounts: Account[] = [];
    for (let index = 0; index < this.accounts.count; index++) accounts.push(this.accounts.get(index));
    return { ...fields, accounts };
  }

  /**
   * SSZ serialization as ShardStateType (snapshots). The accounts list is copied as the store's bytes (its SSZ
   * form) into the serialization of the other fields, without an object per account.
   */
  serialize(): Uint8Array {
    this.view.commit();
    const { accountsRoot: _root, ...fields } = this.view.toValue();
    const rest = ShardStateType.serialize({ ...fields, accounts: [] });
    const accounts = this.accounts.serialize();
    const at = new DataView(rest.buffer, rest.byteOffset).getUint32(OFFSET_POSITION.accounts, true);
    const out = new Uint8Array(rest.length + accounts.length);
    out.set(rest.subarray(0, at));
    out.set(accounts, at);
    out.set(rest.subarray(at), at + accounts.length);
    // Variable fields after the accounts start that much later.
    const view = new DataView(out.buffer);
    for (const position of OFFSETS_AFTER_ACCOUNTS) {
      view.setUint32(position, view.getUint32(position, true) + accounts.length, true);
    }
    return out;
  }

  indexOf(address: Uint8Array): number | undefined {
    return this.accounts.indexOf(address);
  }

  getAccount(address: Uint8Array): Account | undefined {
    const index = this.accounts.indexOf(address);
    return index === undefined ? undefined : this.accounts.get(index);
  }

  getAccountAt(index: number): Account {
    return this.accounts.get(index);
  }

  /** Debits `total` and bumps the nonce. The caller has checked the balance. */
  debitAndBumpNonce(index: number, total: bigint): void {
    const balance = this.accounts.balanceAt(index);
    if (balance < total) {
      throw new Error(`internal: debit of ${total} exceeds balance ${balance} at account ${index}`);
    }
    this.accounts.setBalanceAndNonce(index, balance - total, this.accounts.nonceAt(index) + 1);
  }

  /**
   * Credits `amount` to `address`, appending a new account if it has none. Returns false (and changes
   * nothing) if the balance would exceed 2^64-1, which a supply that fits in uint64 makes impossible.
   */
  credit(address: Uint8Array, amount: bigint): boolean {
    const index = this.accounts.indexOf(address);
    if (index === undefined) {
      if (amount > MAX_UINT64) return false;
      this.accounts.append(address, amount);
      return true;
    }
    const balance = this.accounts.balanceAt(index);
    if (balance + amount > MAX_UINT64) return false;
    this.accounts.setBalanceAndNonce(index, balance + amount, this.accounts.nonceAt(index));
    return true;
  }

  canCredit(address: Uint8Array, amount: bigint): boolean {
    const index = this.accounts.indexOf(address);
    return (index === undefined ? 0n : this.accounts.balanceAt(index)) + amount <= MAX_UINT64;
  }

  burnFee(fee: bigint): void {
    this.view.feesBurned += fee;
  }

  /** Receipts ever sent to `dest` (outbox[dest]'s count). */
  outboxLength(dest: number): number {
    return this.view.outboxes.getReadonly(dest).count;
  }

  /** Sum of the amounts of every receipt sent to `dest`. */
  sentAmount(dest: number): bigint {
    return this.view.outboxes.getReadonly(dest).sentAmount;
  }

  /** Sum of the amounts of every receipt from `source` credited here. */
  creditedAmount(source: number): bigint {
    return this.view.creditedAmounts.get(source);
  }

  /** Appends `receipt` to outbox[receipt.dest] (its accumulator); receipt.seq must be the outbox's count. */
  appendReceipt(receipt: Receipt): void {
    const outbox = this.view.outboxes.get(receipt.dest);
    if (receipt.seq !== outbox.count) {
      throw new Error(
        `internal: receipt seq ${receipt.seq} is not outbox[${receipt.dest}] count ${outbox.count}`,
      );
    }
    const branch = [...outbox.branch.getAllReadonly()];
    const level = accumulatorInsert(branch, outbox.count, ReceiptType.hashTreeRoot(receipt));
    outbox.branch.set(level, branch[level]!);
    outbox.count += 1;
    outbox.sentAmount += receipt.amount;
  }

  /** The root of each outbox (hash_tree_root of the list of its receipts), by destination. */
  outboxRoots(): Uint8Array[] {
    const roots: Uint8Array[] = [];
    for (let dest = 0; dest < this.view.outboxes.length; dest++) {
      const outbox = this.view.outboxes.getReadonly(dest);
      roots.push(accumulatorRoot(outbox.branch.getAllReadonly(), outbox.count));
    }
    return roots;
  }

  /** A block's `outboxRoot`: the root of the outboxes as lists of their receipts. */
  outboxRoot(): Uint8Array {
    return outboxesRoot(this.outboxRoots());
  }

  /** outbox[dest]'s accumulator branch (OUTBOX_DEPTH nodes) and count: the frontier a receipt log starts from. */
  outboxFrontier(dest: number): { branch: Uint8Array[]; count: number } {
    const outbox = this.view.outboxes.getReadonly(dest);
    return { branch: outbox.branch.getAllReadonly(), count: outbox.count };
  }

  inboxCursor(source: number): number {
    return this.view.inboxCursors.get(source);
  }

  /** Records the credit of the next receipt from `source`, of `amount`. */
  advanceInboxCursor(source: number, amount: bigint): void {
    this.view.inboxCursors.set(source, this.view.inboxCursors.get(source) + 1);
    this.view.creditedAmounts.set(source, this.view.creditedAmounts.get(source) + amount);
  }

  setSlot(slot: number): void {
    this.view.slot = slot;
  }

  /** Sum of every account balance (O(accounts): for invariant checks, not for block processing). */
  totalBalance(): bigint {
    return this.accounts.totalBalance();
  }
}

/**
 * A state from serialized SSZ bytes (e.g. a `shard_state_snapshot` response): the accounts list's bytes go
 * to the store as they are; the other fields are decoded. Throws on malformed bytes.
 */
export function shardStateFromBytes(bytes: Uint8Array, latestBlockRoot: Uint8Array): ShardState {
  const ranges = ShardStateType.getFieldRanges(
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    0,
    bytes.length,
  );
  const field = (name: keyof typeof ShardStateType.fields) => {
    const range = ranges[FIELD_NAMES.indexOf(name)]!;
    return bytes.subarray(range.start, range.end);
  };
  const { fields } = ShardStateType;
  const accounts = AccountStore.fromBytes(field("accounts"));
  const view = ShardStateSummary.toViewDU({
    shard: fields.shard.deserialize(field("shard")),
    slot: fields.slot.deserialize(field("slot")),
    accountsRoot: accounts.root(),
    outboxes: fields.outboxes.deserialize(field("outboxes")),
    inboxCursors: fields.inboxCursors.deserialize(field("inboxCursors")),
    creditedAmounts: fields.creditedAmounts.deserialize(field("creditedAmounts")),
    feesBurned: fields.feesBurned.deserialize(field("feesBurned")),
  });
  return new ShardState(view, accounts, latestBlockRoot);
}

const FIELD_NAMES = ShardStateType.fieldsEntries.map((e) => e.fieldName);
/** Position, in ShardStateType's fixed part, of each variable-size field's 4-byte offset. */
function variableOffsetPositions(): Record<string, number> {
  const positions: Record<string, number> = {};
  let at = 0;
  for (const { fieldName, fieldType } of ShardStateType.fieldsEntries) {
    if (fieldType.fixedSize === null) positions[fieldName] = at;
    at += fieldType.fixedSize ?? 4;
  }
  return positions;
}
const OFFSET_POSITION = variableOffsetPositions();
const OFFSETS_AFTER_ACCOUNTS = FIELD_NAMES.slice(FIELD_NAMES.indexOf("accounts") + 1)
  .filter((name) => name in OFFSET_POSITION)
  .map((name) => OFFSET_POSITION[name]!);
