import type { AttestationDataValue } from "@shardnet/consensus";
import { describe, expect, it } from "vitest";
import { SlashingDetector } from "../src/chain/slashingDetector.js";

const root = (b: number) => new Uint8Array(32).fill(b);
const data = (slot: number, source: number, target: number, head = 1): AttestationDataValue => ({
  slot,
  shard: 0,
  shardBlockRoot: root(head),
  beaconBlockRoot: root(head),
  source: { epoch: source, root: root(source + 100) },
  target: { epoch: target, root: root(target + 100) },
});
const sig = new Uint8Array(96);

describe("SlashingDetector", () => {
  it("honest votes (one per slot, same FFG vote within an epoch, moving forward) are never evidence", () => {
    const detector = new SlashingDetector();
    for (let slot = 8; slot < 40; slot++) {
      const epoch = Math.floor(slot / 8);
      expect(detector.onAttestation(1, data(slot, epoch - 1, epoch), sig)).toBeUndefined();
    }
    expect(detector.onAttestation(1, data(39, 3, 4), sig)).toBeUndefined(); // the same vote again
  });

  it("a second, different vote for one slot is a double vote", () => {
    const detector = new SlashingDetector();
    detector.onAttestation(2, data(9, 0, 1, 1), sig);
    const evidence = detector.onAttestation(2, data(9, 0, 1, 2), sig);
    expect(evidence?.attestation1.attestingIndices).toEqual([2]);
    expect(evidence?.attestation2.data.shardBlockRoot).toEqual(root(2));
  });

  it("a surround vote is evidence in either order", () => {
    const detector = new SlashingDetector();
    detector.onAttestation(3, data(17, 1, 2), sig);
    expect(detector.onAttestation(3, data(25, 0, 3), sig)).toBeDefined();
    const other = new SlashingDetector();
    other.onAttestation(3, data(25, 0, 3), sig);
    expect(other.onAttestation(3, data(17, 1, 2), sig)).toBeDefined();
  });

  it("keeps validators apart", () => {
    const detector = new SlashingDetector();
    detector.onAttestation(4, data(9, 0, 1, 1), sig);
    expect(detector.onAttestation(5, data(9, 0, 1, 2), sig)).toBeUndefined();
  });
});
