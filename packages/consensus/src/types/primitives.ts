import { BooleanType, ByteVectorType, UintBigintType, UintNumberType } from "@chainsafe/ssz";

/** SSZ primitives shared by every container. Numbers for slots/indices (safe < 2^53), bigint for amounts. */
export const Uint64 = new UintNumberType(8);
export const Uint64Big = new UintBigintType(8);
export const Slot = Uint64;
export const Epoch = Uint64;
export const ValidatorIndex = Uint64;
export const ShardNumber = Uint64;
/** Balances and stake are bigint (uint64): overflow is impossible by construction of the type. */
export const Gwei = Uint64Big;
export const Bytes4 = new ByteVectorType(4);
export const Bytes20 = new ByteVectorType(20);
export const Bytes32 = new ByteVectorType(32);
export const Root = Bytes32;
export const BLSPubkey = new ByteVectorType(48);
export const BLSSignature = new ByteVectorType(96);
export const Bool = new BooleanType();
/** Alias kept for existing imports; prefer `Bool` (a local named Boolean would shadow the global). */
export { Bool as Boolean };
