/**
 * noble's base-point tables (issue 15, the low-memory profile). @noble/curves precomputes, per
 * process, a table of multiples of each curve's base point the first time it multiplies it
 * (window 6: 2,080 points for P-256, hundreds of KiB per curve). Window 1 drops the table: each
 * multiplication then builds a small fixed window of its own and lets it go, slower but holding
 * nothing between handshakes. The setting belongs to the curve, so it is process-wide.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256, p384 } from "@noble/curves/nist.js";

/** noble's un-precomputed sentinel: no table kept for the point. */
const NO_TABLE = 1;

/** Drops the base-point tables of P-256, P-384 and Ed25519 (built ones too), and builds none from now on. */
export function useSmallCurveTables(): void {
  p256.Point.BASE.precompute(NO_TABLE);
  p384.Point.BASE.precompute(NO_TABLE);
  ed25519.Point.BASE.precompute(NO_TABLE);
}
