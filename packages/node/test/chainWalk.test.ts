import { describe, expect, it } from "vitest";
import { type ChainLink, canonicalRange } from "../src/api/chainWalk.js";

/** A chain of blocks at the given slots (root = "r<slot>", genesis's parent is itself), plus a fork. */
function chain(slots: number[]): Map<string, ChainLink<number>> {
  const links = new Map<string, ChainLink<number>>();
  let parent = `r${slots[0]}`;
  for (const slot of slots) {
    links.set(`r${slot}`, { slot, parentRoot: parent, item: slot });
    parent = `r${slot}`;
  }
  links.set("fork5", { slot: 5, parentRoot: "r4", item: -5 });
  return links;
}

describe("canonicalRange", () => {
  const links = chain([0, 1, 2, 4, 5, 8, 9]);
  const lookup = (root: string) => links.get(root);

  it("returns the head's ancestors in [from, to], ascending, skipping empty slots and forks", async () => {
    expect(await canonicalRange("r9", lookup, 2, 8)).toEqual([2, 4, 5, 8]);
    expect(await canonicalRange("r9", lookup, 0, 100)).toEqual([0, 1, 2, 4, 5, 8, 9]);
    expect(await canonicalRange("r9", lookup, 6, 7)).toEqual([]);
    expect(await canonicalRange("fork5", lookup, 0, 9)).toEqual([0, 1, 2, 4, -5]);
  });

  it("stops where the chain is unknown, and gives up (undefined) past maxSteps", async () => {
    const partial = (root: string) => (root === "r2" ? undefined : links.get(root));
    expect(await canonicalRange("r9", partial, 0, 9)).toEqual([4, 5, 8, 9]);
    expect(await canonicalRange("r9", lookup, 0, 1, 3)).toBeUndefined();
    expect(await canonicalRange("r9", lookup, 8, 9, 3)).toEqual([8, 9]);
  });
});
