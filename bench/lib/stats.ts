/** Small timing helpers: medians of repeated samples, and a high-resolution clock in ms. */
import { performance } from "node:perf_hooks";

export const now = (): number => performance.now();

export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error("median of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
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
