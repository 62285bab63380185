import { type BlsBackend, type BlsSecretKey, CURVE_ORDER, interopSecretKey } from "@shardnet/crypto";

function scalarToBytes(value: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(value.toString(16).padStart(64, "0"), "hex"));
}

/**
 * Signing shortcut for simulated committees: a BLS aggregate of signatures over one message equals the
 * signature of the sum of the secret keys, so a committee's aggregate costs one signing instead of one per
 * member. The bytes are identical to aggregating the members' own signatures, and they verify the same way.
 */
export class CommitteeSigningKeys {
  private readonly scalars = new Map<number, bigint>();
  private readonly keys = new Map<string, BlsSecretKey>();

  constructor(private readonly bls: BlsBackend) {}

  private scalar(index: number): bigint {
    let value = this.scalars.get(index);
    if (value === undefined) {
      value = BigInt(`0x${Buffer.from(interopSecretKey(index)).toString("hex")}`);
      this.scalars.set(index, value);
    }
    return value;
  }

  /** The secret key whose signature equals the aggregate of the interop validators `members`. */
  aggregateKey(members: readonly number[]): BlsSecretKey {
    const cacheKey = members.join(",");
    let key = this.keys.get(cacheKey);
    if (!key) {
      let sum = 0n;
      for (const index of members) sum = (sum + this.scalar(index)) % CURVE_ORDER;
      if (sum === 0n) throw new Error("committee keys sum to zero: sign individually");
      key = this.bls.secretKeyFromBytes(scalarToBytes(sum));
      if (this.keys.size > 4096) this.keys.clear();
      this.keys.set(cacheKey, key);
    }
    return key;
  }
}
