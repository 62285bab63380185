import { ContainerType } from "@chainsafe/ssz";
import type { Preset } from "../../params/presets.js";
import { shardOf } from "../../shard/address.js";
import { Receipt } from "../../shard/types.js";
import type { BeaconStateView } from "../../types/index.js";
import { Epoch, ValidatorIndex } from "../../types/primitives.js";
import { withdrawableEpoch } from "../../util/validator.js";
import { getCurrentEpoch } from "../accessors.js";

/** What a withdrawal receipt's `txHash` commits to: the validator and the epoch its stake was sent. */
export const WithdrawalId = new ContainerType(
  { validatorIndex: ValidatorIndex, epoch: Epoch },
  { typeName: "WithdrawalId", jsonCase: "eth2" },
);

/** The `txHash` of validator `validatorIndex`'s withdrawal receipt sent in epoch processing of `epoch`. */
export function withdrawalTxHash(validatorIndex: number, epoch: number): Uint8Array {
  return WithdrawalId.hashTreeRoot({ validatorIndex, epoch });
}

/**
 * Withdrawals (issue 18): at the end of epoch E, every validator withdrawable by epoch E + 1 (util/validator.ts
 * withdrawableEpoch) with stake left has its whole stake sent back, as the next receipt of
 * `withdrawalOutboxes[shardOf(withdrawal_address)]` (source SHARD_COUNT), and its stake set to zero. The shard
 * credits the receipt exactly once, through its inbox cursor SHARD_COUNT, proven against the root of that list in
 * the beacon state its crediting block builds on. Genesis validators have the zero withdrawal address: their
 * stake goes to the zero account, which no key controls. A later top-up of a withdrawn key is sent back the same
 * way at the next epoch end.
 */
export function processWithdrawals(preset: Preset, state: BeaconStateView): void {
  const epoch = getCurrentEpoch(preset, state);
  state.commit(); // getAllReadonlyValues reads committed nodes only
  const validators = state.validators.getAllReadonlyValues();
  for (const [index, v] of validators.entries()) {
    if (v.stake === 0n || withdrawableEpoch(preset, v) > epoch + 1) continue;
    const dest = shardOf(v.withdrawalAddress, preset.SHARD_COUNT);
    const outbox = state.withdrawalOutboxes.get(dest);
    outbox.push(
      Receipt.toViewDU({
        source: preset.SHARD_COUNT,
        dest,
        seq: outbox.length,
        from: new Uint8Array(20),
        to: v.withdrawalAddress,
        amount: v.stake,
        txHash: withdrawalTxHash(index, epoch),
      }),
    );
    state.withdrawnAmounts.set(dest, state.withdrawnAmounts.get(dest) + v.stake);
    state.validators.get(index).stake = 0n;
  }
}

/** The beacon chain's stake ledger in a state: where the stake that entered it (genesis, deposits) is now. */
export interface StakeLedger {
  /** Sum of every validator's stake. */
  held: bigint;
  /** Removed by slashing penalties since genesis. */
  burned: bigint;
  /** Sent back as withdrawals, over every shard. */
  withdrawn: bigint;
  /** Deposits registered, over every shard. */
  deposited: bigint;
}

/** `state`'s stake ledger. O(validators). */
export function stakeLedger(state: BeaconStateView): StakeLedger {
  let held = 0n;
  for (let i = 0; i < state.validators.length; i++) held += state.validators.getReadonly(i).stake;
  return {
    held,
    burned: state.burnedStake,
    withdrawn: state.withdrawnAmounts.getAll().reduce((a, b) => a + b, 0n),
    deposited: state.depositedAmounts.getAll().reduce((a, b) => a + b, 0n),
  };
}

/**
 * The beacon chain's side of the supply invariant (issue 18): stake held + stake burned by slashing + stake sent
 * back as withdrawals = genesis stake + deposits registered. Why `ledger` breaks it, or null.
 */
export function stakeLedgerMismatch(ledger: StakeLedger, genesisStake: bigint): string | null {
  const { held, burned, withdrawn, deposited } = ledger;
  if (held + burned + withdrawn === genesisStake + deposited) return null;
  return `stake held ${held} + burned ${burned} + withdrawn ${withdrawn} ≠ genesis stake ${genesisStake} + deposited ${deposited}`;
}

/** stakeLedgerMismatch of `state`'s ledger. O(validators). */
export function stakeLedgerProblem(state: BeaconStateView, genesisStake: bigint): string | null {
  return stakeLedgerMismatch(stakeLedger(state), genesisStake);
}
