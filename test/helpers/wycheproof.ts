/**
 * Reads the Wycheproof vector files in vectors/wycheproof/ (C2SP/wycheproof, testvectors_v1
 * schema) and keeps the tally a suite needs: how many cases ran, how many were skipped, and which
 * disagreed with the vectors. The JSON shapes below name only the fields the tests read.
 */
import { readFileSync } from "node:fs";

export type WycheproofResult = "valid" | "invalid" | "acceptable";

export interface WycheproofTest {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly result: WycheproofResult;
}

export interface WycheproofGroup<T extends WycheproofTest> {
  readonly type: string;
  readonly tests: readonly T[];
}

export interface WycheproofFile<G> {
  readonly algorithm: string;
  readonly numberOfTests: number;
  readonly testGroups: readonly G[];
}

/** One file of vectors/wycheproof/, parsed; the file name is checked against the algorithm it claims. */
export function loadWycheproof<G>(fileName: string, algorithm: string): WycheproofFile<G> {
  const url = new URL(`../../vectors/wycheproof/${fileName}`, import.meta.url);
  const file = JSON.parse(readFileSync(url, "utf8")) as WycheproofFile<G>;
  if (file.algorithm !== algorithm) throw new Error(`${fileName} holds ${file.algorithm}, not ${algorithm}`);
  return file;
}

/**
 * Counts for one suite on one provider: cases run, cases skipped per reason (a key of the test's
 * skip list), and every case that disagreed with the vectors, by tcId.
 */
export interface Tally {
  run: number;
  readonly skipped: Record<string, number>;
  readonly mismatches: string[];
}

export function newTally(): Tally {
  return { run: 0, skipped: {}, mismatches: [] };
}

/** Records a whole group as not applicable, for `reason`. */
export function skipGroup(tally: Tally, reason: string, group: { readonly tests: readonly unknown[] }): void {
  tally.skipped[reason] = (tally.skipped[reason] ?? 0) + group.tests.length;
}

/** Records one case: `expected` and `actual` are "accept" or "reject" (or any short verdict). */
export function record(tally: Tally, test: WycheproofTest, expected: string, actual: string, label = ""): void {
  tally.run++;
  if (expected !== actual) {
    const where = label === "" ? "" : `${label} `;
    tally.mismatches.push(`${where}tcId ${test.tcId} [${test.result}; ${test.flags.join(",")}] ${test.comment}: expected ${expected}, got ${actual}`);
  }
}

/** Big-endian unsigned integer from Wycheproof's hex (which may carry a leading 00 sign byte). */
export function bigintFromHex(hex: string): bigint {
  return hex === "" ? 0n : BigInt(`0x${hex}`);
}

/**
 * A scalar from Wycheproof's signed big-endian hex, as exactly `length` bytes: the leading 00 sign
 * byte dropped, short values left-padded. Null when it does not fit.
 */
export function fixedLengthFromHex(hex: string, length: number): Uint8Array | null {
  let value = bigintFromHex(hex).toString(16);
  if (value.length > 2 * length) return null;
  value = value.padStart(2 * length, "0");
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(value.slice(2 * i, 2 * i + 2), 16);
  return out;
}
