/**
 * Canonical blocks in a slot range, found by following parent roots down from a chain's head: through the
 * blocks held in memory first, then through stored blocks read by root. The walk is bounded: a range too far
 * below the head returns undefined and the caller answers from the database's slot index instead.
 */

export interface ChainLink<T> {
  slot: number;
  parentRoot: string;
  item: T;
}

/** Most parent links one range request may follow (memory and database together). */
export const MAX_WALK_STEPS = 4096;

/**
 * The items of the canonical blocks with `from <= slot <= to`, in ascending slot order, walking from `headRoot`
 * with `lookup`; undefined when the walk needs more than `maxSteps` links to get there.
 */
export async function canonicalRange<T>(
  headRoot: string,
  lookup: (root: string) => ChainLink<T> | undefined | Promise<ChainLink<T> | undefined>,
  from: number,
  to: number,
  maxSteps = MAX_WALK_STEPS,
): Promise<T[] | undefined> {
  const out: T[] = [];
  let root = headRoot;
  for (let steps = 0; steps < maxSteps; steps++) {
    const link = await lookup(root);
    if (!link || link.slot < from) return out.reverse();
    if (link.slot <= to) out.push(link.item);
    if (link.parentRoot === root) return out.reverse();
    root = link.parentRoot;
  }
  return undefined;
}
