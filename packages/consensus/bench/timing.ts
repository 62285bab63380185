/** Timing helpers shared by the benchmarks. */

export const now = (): number => performance.now();

/** Minimum (the intrinsic cost on a shared machine) and median of the samples, in ms. */
export interface Stat {
  min: number;
  median: number;
}

export function stat(values: readonly number[]): Stat {
  if (values.length === 0) throw new Error("bench: no samples");
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] as number, median: sorted[Math.floor(sorted.length / 2)] as number };
}

/**
 * Min and median of `fns` sampled in alternation (a, b, c, a, b, c, …) so that load from other processes on a
 * shared machine hits every measurement alike and their ratios stay meaningful.
 */
export function timeInterleaved(runs: number, fns: (() => void)[]): Stat[] {
  for (const fn of fns) fn(); // warm-up
  const samples: number[][] = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [j, fn] of fns.entries()) {
      const start = now();
      fn();
      samples[j]?.push(now() - start);
    }
  }
  return samples.map(stat);
}

export function time(runs: number, fn: () => void): Stat {
  return timeInterleaved(runs, [fn])[0] as Stat;
}
