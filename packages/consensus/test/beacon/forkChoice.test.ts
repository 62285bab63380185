import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ForkChoice, type ForkChoiceBlock } from "../../src/forkChoice/forkChoice.js";
import { toHex } from "../../src/util/bytes.js";

const root = (n: number) => new Uint8Array(32).fill(n);
const genesisCheckpoint = { epoch: 0, root: new Uint8Array(32) };

function block(
  n: number,
  parent: number,
  slot: number,
  justified = genesisCheckpoint,
  finalized = genesisCheckpoint,
): ForkChoiceBlock {
  return {
    root: root(n),
    parentRoot: root(parent),
    slot,
    justifiedCheckpoint: justified,
    finalizedCheckpoint: finalized,
  };
}

function newForkChoice(validators = 10): ForkChoice {
  return new ForkChoice(block(1, 0, 0), new Array<bigint>(validators).fill(10n));
}

describe("LMD-GHOST fork choice (proto-array)", () => {
  it("follows the only chain without votes", () => {
    const fc = newForkChoice();
    fc.onBlock(block(2, 1, 1));
    fc.onBlock(block(3, 2, 2));
    expect(toHex(fc.getHead())).toBe(toHex(root(3)));
  });

  it("the heaviest subtree wins, not the single block with most votes", () => {
    const fc = newForkChoice();
    // 1 ─ 2 ─ {4, 5}      1 ─ 3
    fc.onBlock(block(2, 1, 1));
    fc.onBlock(block(3, 1, 1));
    fc.onBlock(block(4, 2, 2));
    fc.onBlock(block(5, 2, 2));
    for (const v of [0, 1, 2]) fc.onAttestation(v, root(3), 1); // 3 votes on block 3
    for (const v of [3, 4]) fc.onAttestation(v, root(4), 1); // 2 votes on 4
    for (const v of [5, 6]) fc.onAttestation(v, root(5), 1); // 2 votes on 5 → subtree of 2 weighs 4
    const head = toHex(fc.getHead());
    expect([toHex(root(4)), toHex(root(5))]).toContain(head);
    // Validators 3..6 move to block 3 with newer votes: 3's subtree now weighs 7.
    for (const v of [3, 4, 5, 6]) fc.onAttestation(v, root(3), 2);
    expect(toHex(fc.getHead())).toBe(toHex(root(3)));
    // An older vote does not override a newer one.
    for (const v of [3, 4, 5, 6]) fc.onAttestation(v, root(4), 1);
    expect(toHex(fc.getHead())).toBe(toHex(root(3)));
  });

  it("a vote for a block not yet known counts once the block arrives, and moves away from it without negative weight", () => {
    const fc = newForkChoice();
    // 1 ─ 2 ─ 3, and votes for 4 (a child of 2 on another branch) before 4 is known.
    fc.onBlock(block(2, 1, 1));
    fc.onBlock(block(3, 2, 2));
    for (const v of [0, 1, 2]) fc.onAttestation(v, root(4), 1);
    expect(toHex(fc.getHead())).toBe(toHex(root(3)));
    fc.onBlock(block(4, 2, 2));
    expect(toHex(fc.getHead())).toBe(toHex(root(4)));
    // The same validators move to block 3: 4's subtree loses exactly what it was given.
    for (const v of [0, 1, 2, 3]) fc.onAttestation(v, root(3), 2);
    expect(toHex(fc.getHead())).toBe(toHex(root(3)));
    fc.onAttestation(4, root(4), 3);
    expect(toHex(fc.getHead())).toBe(toHex(root(3)));
  });

  it("stake weighs votes", () => {
    const fc = new ForkChoice(block(1, 0, 0), [100n, 1n, 1n]);
    fc.onBlock(block(2, 1, 1));
    fc.onBlock(block(3, 1, 1));
    fc.onAttestation(0, root(2), 1);
    fc.onAttestation(1, root(3), 1);
    fc.onAttestation(2, root(3), 1);
    expect(toHex(fc.getHead())).toBe(toHex(root(2)));
  });

  it("never picks a fork below the finalized checkpoint, even with more votes; prune drops it", () => {
    const fc = newForkChoice();
    // Canonical: 1 ─ 2 ─ 3 ─ 4 where 4's post-state finalized 2 and justified 3. Fork: 1 ─ 9.
    const finalized = { epoch: 1, root: root(2) };
    const justified = { epoch: 2, root: root(3) };
    fc.onBlock(block(2, 1, 8));
    fc.onBlock(block(9, 1, 9));
    fc.onBlock(block(3, 2, 16));
    fc.onBlock(block(4, 3, 24, justified, finalized));
    for (let v = 0; v < 9; v++) fc.onAttestation(v, root(9), 3); // 9 of 10 validators vote for the fork
    fc.onAttestation(9, root(4), 3);
    expect(toHex(fc.getHead())).toBe(toHex(root(4)));
    expect(fc.getFinalizedCheckpoint().epoch).toBe(1);
    expect(fc.prune()).toBe(2); // blocks 1 and 9
    expect(fc.hasBlock(root(9))).toBe(false);
    expect(() => fc.onBlock(block(10, 9, 25))).toThrow(/unknown/);
    expect(toHex(fc.getHead())).toBe(toHex(root(4)));
    expect(fc.isDescendant(root(2), root(4))).toBe(true);
  });

  it("a block whose parent is unknown is rejected", () => {
    const fc = newForkChoice();
    expect(() => fc.onBlock(block(5, 4, 3))).toThrow(/parent .* is unknown/);
  });
});

describe("proto-array agrees with a naive GHOST", () => {
  it("random trees and votes give the same head", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 1, maxLength: 25 }),
        fc.array(fc.tuple(fc.nat(9), fc.nat(), fc.nat(4)), { maxLength: 40 }),
        (parentChoices, votes) => {
          const forkChoice = newForkChoice(10);
          const parents = new Map<number, number>();
          // block n + 2 gets a parent among the blocks 1..n+1 that exist already
          for (const [n, choice] of parentChoices.entries()) {
            const parent = 1 + (choice % (n + 1));
            parents.set(n + 2, parent);
            forkChoice.onBlock(block(n + 2, parent, n + 1));
          }
          const latest = new Map<number, { block: number; epoch: number }>();
          for (const [validator, choice, epoch] of votes) {
            const target = 1 + (choice % (parentChoices.length + 1));
            forkChoice.onAttestation(validator, root(target), epoch);
            const previous = latest.get(validator);
            if (!previous || epoch > previous.epoch) latest.set(validator, { block: target, epoch });
          }
          const weight = new Map<number, number>();
          for (const { block: voted } of latest.values()) {
            for (let b: number | undefined = voted; b !== undefined; b = parents.get(b))
              weight.set(b, (weight.get(b) ?? 0) + 10);
          }
          let head = 1;
          for (;;) {
            const children = [...parents.entries()].filter(([, p]) => p === head).map(([c]) => c);
            if (children.length === 0) break;
            children.sort(
              (a, b) =>
                (weight.get(b) ?? 0) - (weight.get(a) ?? 0) || toHex(root(b)).localeCompare(toHex(root(a))),
            );
            head = children[0] as number;
          }
          expect(toHex(forkChoice.getHead())).toBe(toHex(root(head)));
        },
      ),
      { numRuns: 150 },
    );
  });
});
