/**
 * Shared pieces of the property tests: a fixed seed (override with FC_SEED=...), run counts sized
 * so the whole property suite stays well under a minute here, and mutation arbitraries over real
 * captured bytes: bit flips, truncation, insertion, deletion, splicing of two seeds, plain noise.
 */
import fc from "fast-check";

/** CI runs are reproducible: a failure prints "seed" and "path"; rerun with FC_SEED=<seed>. */
export const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20261127;
/** Multiplies every run count (e.g. FC_RUNS_SCALE=20 for a long local soak). */
const SCALE = process.env.FC_RUNS_SCALE !== undefined ? Number(process.env.FC_RUNS_SCALE) : 1;

export function params(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), endOnFailure: true };
}

/** A mutation of one of `seeds`. Lengths live in headers, so some flips aim at the first bytes. */
export function mutated(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const seed = fc.constantFrom(...seeds);
  const truncated = seed.chain((s) => fc.nat({ max: Math.max(0, s.length - 1) }).map((n) => s.slice(0, n)));
  const flipped = seed.chain((s) =>
    fc.array(fc.tuple(fc.nat({ max: Math.max(0, s.length - 1) }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 6 }).map((flips) => {
      const out = s.slice();
      for (const [at, bit] of flips) if (at < out.length) out[at] ^= 1 << bit;
      return out;
    }),
  );
  const headerByte = seed.chain((s) =>
    fc.tuple(fc.nat({ max: Math.max(0, Math.min(47, s.length - 1)) }), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
      const out = s.slice();
      if (at < out.length) out[at] = value;
      return out;
    }),
  );
  const edited = seed.chain((s) =>
    fc.tuple(fc.nat({ max: s.length }), fc.nat({ max: 16 }), fc.uint8Array({ maxLength: 16 })).map(([at, remove, insert]) =>
      Uint8Array.from([...s.subarray(0, at), ...insert, ...s.subarray(Math.min(s.length, at + remove))]),
    ),
  );
  const spliced = fc.tuple(seed, seed).chain(([a, b]) =>
    fc.tuple(fc.nat({ max: a.length }), fc.nat({ max: b.length })).map(([i, j]) => Uint8Array.from([...a.subarray(0, i), ...b.subarray(j)])),
  );
  return fc.oneof(
    { arbitrary: flipped, weight: 4 },
    { arbitrary: truncated, weight: 2 },
    { arbitrary: headerByte, weight: 3 },
    { arbitrary: edited, weight: 3 },
    { arbitrary: spliced, weight: 2 },
    { arbitrary: fc.uint8Array({ maxLength: 256 }), weight: 1 },
  );
}

/** Splits `bytes` at arbitrary points, so reassembly across receive() calls is exercised. */
export function chunked(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    if (p > at) out.push(bytes.slice(at, p));
    at = Math.max(at, p);
  }
  if (at < bytes.length) out.push(bytes.slice(at));
  return out;
}

export const cuts = fc.array(fc.nat({ max: 1 << 16 }), { maxLength: 4 });
