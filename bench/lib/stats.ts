/** Small timing helpers: medians of repeated samples, and a high-resolution clock in ms. */
import { performance } from "node:perf_hooks";

export const now = (): number => performance.now();

export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error("median of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The median over rounds of the per-round ratio a/b, where `a[r]` and `b[r]` are the samples of
 * the two sides taken in the same round (each side's round reduced to its median first). Paired
 * this way, a change of machine speed between rounds moves both sides of a ratio alike and drops
 * out of it, where median(a)/median(b) would mix one round's numerator with another's denominator.
 */
export function pairedRatio(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number {
  if (a.length !== b.length) throw new Error(`paired ratio of ${a.length} and ${b.length} rounds`);
  return median(a.map((round, r) => median(round) / median(b[r])));
}

/** Rounds for the JSON file: 3 significant decimals are plenty for noisy timings. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/** Forces a full GC; the suite runs under `node --expose-gc`. */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run the bench with node --expose-gc (npm run bench does)");
  gc();
  gc();
}
