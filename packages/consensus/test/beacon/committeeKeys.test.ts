import { getBls } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { CommitteeSigningKeys } from "../../src/sim/committeeKeys.js";
import { secretKey } from "./harness.js";

describe("simulator committee signing shortcut", () => {
  it("signing with the summed key gives exactly the aggregate of the members' signatures", () => {
    const bls = getBls();
    const members = [3, 17, 40, 41, 63];
    const message = new Uint8Array(32).fill(0x5a);
    const aggregate = bls.aggregateSignatures(members.map((i) => secretKey(i).sign(message))).toBytes();
    const shortcut = new CommitteeSigningKeys(bls).aggregateKey(members).sign(message).toBytes();
    expect(shortcut).toEqual(aggregate);
    const keys = members.map((i) => secretKey(i).toPublicKey());
    expect(bls.fastAggregateVerify(keys, message, bls.signatureFromBytes(shortcut))).toBe(true);
    expect(bls.fastAggregateVerify(keys.slice(1), message, bls.signatureFromBytes(shortcut))).toBe(false);
  });
});
