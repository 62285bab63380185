import { generateKeyPairSync, sign as nodeSign } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  addressFromPubkey,
  bytesToHex,
  devAccountKey,
  ed25519KeyPairFromSeed,
  ed25519Sign,
  ed25519Verify,
  generateEd25519KeyPair,
  sha256,
} from "../src/index.js";

const message = new TextEncoder().encode("transfer 5 from a to b");

describe("Ed25519", () => {
  it("signs and verifies, rejecting tampered messages, signatures and keys", () => {
    const pair = generateEd25519KeyPair();
    expect(pair.secretKey).toHaveLength(32);
    expect(pair.publicKey).toHaveLength(32);
    const signature = ed25519Sign(pair.secretKey, message);
    expect(signature).toHaveLength(64);
    expect(ed25519Verify(pair.publicKey, message, signature)).toBe(true);

    const otherMessage = Uint8Array.from(message);
    otherMessage[0] = (otherMessage[0] ?? 0) ^ 1;
    expect(ed25519Verify(pair.publicKey, otherMessage, signature)).toBe(false);

    const badSignature = Uint8Array.from(signature);
    badSignature[10] = (badSignature[10] ?? 0) ^ 0x40;
    expect(ed25519Verify(pair.publicKey, message, badSignature)).toBe(false);

    expect(ed25519Verify(generateEd25519KeyPair().publicKey, message, signature)).toBe(false);
  });

  it("returns false (never throws) on malformed keys and signatures", () => {
    const pair = generateEd25519KeyPair();
    const signature = ed25519Sign(pair.secretKey, message);
    expect(ed25519Verify(pair.publicKey.subarray(0, 31), message, signature)).toBe(false);
    expect(ed25519Verify(pair.publicKey, message, signature.subarray(0, 63))).toBe(false);
    // y = 2 is not the y-coordinate of any curve point: the key does not decode.
    const notAPoint = new Uint8Array(32);
    notAPoint[0] = 2;
    expect(ed25519Verify(notAPoint, message, signature)).toBe(false);
  });

  it("produces the same signatures as node:crypto for a known seed (RFC 8032 test 1)", () => {
    const seed = Uint8Array.from(
      Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex"),
    );
    const pair = ed25519KeyPairFromSeed(seed);
    expect(bytesToHex(pair.publicKey)).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
    expect(bytesToHex(ed25519Sign(seed, new Uint8Array(0)))).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    const { privateKey } = generateKeyPairSync("ed25519");
    expect(nodeSign(null, message, privateKey)).toHaveLength(64);
  });

  it("derives addresses as sha256(pubkey)[0:20]", () => {
    const pair = generateEd25519KeyPair();
    expect(addressFromPubkey(pair.publicKey)).toEqual(sha256(pair.publicKey).slice(0, 20));
    expect(() => addressFromPubkey(new Uint8Array(31))).toThrow(RangeError);
  });

  it("derives deterministic dev accounts from sha256('shardnet-dev-account' ‖ uint64_le(n))", () => {
    const tag = new TextEncoder().encode("shardnet-dev-account");
    const n3 = Uint8Array.from([3, 0, 0, 0, 0, 0, 0, 0]);
    const expected = ed25519KeyPairFromSeed(sha256(tag, n3));
    expect(devAccountKey(3)).toEqual(expected);
    expect(devAccountKey(3n)).toEqual(expected);
    expect(devAccountKey(4).publicKey).not.toEqual(expected.publicKey);
    const signature = ed25519Sign(devAccountKey(3).secretKey, message);
    expect(ed25519Verify(expected.publicKey, message, signature)).toBe(true);
    expect(() => devAccountKey(-1)).toThrow(RangeError);
  });
});
