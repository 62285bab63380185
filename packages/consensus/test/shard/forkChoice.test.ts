import { describe, expect, it } from "vitest";
import { addressKey, ShardForkChoice } from "../../src/shard/index.js";

const root = (n: number) => new Uint8Array(32).fill(n);
const hex = (n: number) => addressKey(root(n));

describe("shard fork choice", () => {
  //   1 ─ 2 ─ 3
  //    └─ 4 ─ 5
  function tree(): ShardForkChoice {
    const fc = new ShardForkChoice(root(1), 0);
    expect(fc.onBlock(root(2), root(1), 1)).toBe(true);
    expect(fc.onBlock(root(3), root(2), 2)).toBe(true);
    expect(fc.onBlock(root(4), root(1), 2)).toBe(true);
    expect(fc.onBlock(root(5), root(4), 3)).toBe(true);
    return fc;
  }

  it("follows the subtree with the most attesting stake", () => {
    const fc = tree();
    fc.onAttestation(0, root(3), 10n);
    fc.onAttestation(1, root(5), 5n);
    expect(fc.getHead()).toBe(hex(3));
    fc.onAttestation(2, root(4), 6n); // 4's subtree: 11 > 10
    expect(fc.getHead()).toBe(hex(5));
  });

  it("counts only each validator's latest vote", () => {
    const fc = tree();
    fc.onAttestation(0, root(3), 10n, 1);
    fc.onAttestation(1, root(5), 6n, 1);
    expect(fc.getHead()).toBe(hex(3));
    fc.onAttestation(0, root(5), 10n, 2);
    expect(fc.getHead()).toBe(hex(5));
    fc.onAttestation(0, root(3), 10n, 1); // older than the vote it would replace
    expect(fc.getHead()).toBe(hex(5));
  });

  it("counts only votes within the window of the newest vote: a validator that stopped voting stops weighing", () => {
    const fc = new ShardForkChoice(root(1), 0, 4);
    fc.onBlock(root(2), root(1), 1);
    fc.onBlock(root(3), root(2), 2);
    fc.onBlock(root(4), root(1), 2);
    fc.onBlock(root(5), root(4), 3);
    // Validators 0 and 1 (left the committee) voted at slot 3 for 3; validator 2 votes for 5 every slot.
    fc.onAttestation(0, root(3), 10n, 3);
    fc.onAttestation(1, root(3), 10n, 3);
    fc.onAttestation(2, root(5), 10n, 7);
    expect(fc.getHead()).toBe(hex(3)); // slot 3 is within 4 of slot 7
    fc.onAttestation(2, root(5), 10n, 8);
    expect(fc.getHead()).toBe(hex(5)); // now it is not: only validator 2's vote counts
    fc.onAttestation(0, root(3), 10n, 9); // validator 0 votes again: counted again
    fc.onAttestation(1, root(3), 10n, 9);
    expect(fc.getHead()).toBe(hex(3));
  });

  it("never enters a subtree marked non-viable, however heavy, and forgets the mark when the subtree is pruned", () => {
    const fc = tree();
    fc.onAttestation(0, root(5), 10n, 1); // 4's subtree: 10
    fc.onAttestation(1, root(3), 4n, 1); // 2's subtree: 4
    expect(fc.getHead()).toBe(hex(5));
    fc.markNonViable(root(4));
    expect(fc.getHead()).toBe(hex(3));
    fc.markNonViable(root(3)); // every child of 2 left: the head stops at 2
    expect(fc.getHead()).toBe(hex(2));
    fc.markNonViable(root(1)); // the crosslinked block itself is never left
    expect(fc.getHead()).toBe(hex(2));
    fc.setCrosslinked(root(2));
    fc.onBlock(root(6), root(2), 3);
    expect(fc.getHead()).toBe(hex(6));
  });

  it("leaves, for one call, the subtrees the caller's viability test refuses", () => {
    const fc = tree();
    fc.onAttestation(0, root(5), 10n, 1); // 4's subtree: 10
    fc.onAttestation(1, root(3), 4n, 1); // 2's subtree: 4
    expect(fc.getHead()).toBe(hex(5));
    expect(fc.getHead((r) => r !== hex(4))).toBe(hex(3));
    expect(fc.getHead((r) => r !== hex(5))).toBe(hex(4)); // a refused child: the head stops at its parent
    expect(fc.getHead((r) => r === hex(1))).toBe(hex(1)); // the crosslinked block itself is never left
    expect(fc.getHead()).toBe(hex(5)); // nothing is remembered
  });

  it("breaks a tie by slot then root, with no votes", () => {
    expect(tree().getHead()).toBe(hex(5)); // 4 (slot 2) beats 2 (slot 1)
  });

  it("never leaves the crosslinked block and prunes what does not descend from it", () => {
    const fc = tree();
    fc.onAttestation(0, root(5), 100n);
    fc.setCrosslinked(root(2));
    expect(fc.getHead()).toBe(hex(3));
    expect(fc.has(root(4))).toBe(false);
    expect(fc.onBlock(root(6), root(4), 4)).toBe(false); // parent pruned
    expect(fc.onBlock(root(7), root(3), 4)).toBe(true);
    expect(fc.getHead()).toBe(hex(7));
    expect(() => fc.setCrosslinked(root(9))).toThrow(/unknown/);
  });

  it("ignores a block whose slot is not after its parent's", () => {
    const fc = tree();
    expect(fc.onBlock(root(8), root(3), 2)).toBe(false);
  });
});
