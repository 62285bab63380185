import { bytesEqual } from "./address.js";
import { isValidBranch, merkleBranch } from "./merkle.js";
import type { ShardState } from "./state.js";
import { Account, ShardStateSummary, ShardStateType } from "./types.js";

/** Inclusion proof of one account: its position in the accounts list and the branch up to the state root. */
export interface AccountProof {
  index: number;
  branch: Uint8Array[];
}

/** Generalized index of accounts[index] below a shard state root. */
export function accountGindex(index: number): bigint {
  return ShardStateType.getPathInfo(["accounts", index]).gindex;
}

/** The account of `address` and its proof against `state.hashTreeRoot()`, or undefined if it has no account. */
export function getAccountProof(
  state: ShardState,
  address: Uint8Array,
): { account: Account; proof: AccountProof } | undefined {
  const index = state.indexOf(address);
  if (index === undefined) return undefined;
  state.hashTreeRoot();
  // Inside the accounts list, then from the list's root (the summary's accountsRoot field) up to the state root.
  const branch = [
    ...state.accounts.branch(index),
    ...merkleBranch(state.view.node, ShardStateSummary.getPathInfo(["accountsRoot"]).gindex),
  ];
  return { account: state.getAccountAt(index), proof: { index, branch } };
}

/** True iff `account` (owned by `address`) is committed by `stateRoot` at the proof's index. */
export function verifyAccountProof(
  stateRoot: Uint8Array,
  address: Uint8Array,
  account: Account,
  proof: AccountProof,
): boolean {
  if (!bytesEqual(account.address, address)) return false;
  if (!Number.isSafeInteger(proof.index) || proof.index < 0) return false;
  return isValidBranch(Account.hashTreeRoot(account), proof.branch, accountGindex(proof.index), stateRoot);
}
