/**
 * Soak sizes. `npm test` runs the short ones; MUTLS_SOAK=long runs the full sizes
 * (1 GiB through each pair, 1000 concurrent handshakes): `MUTLS_SOAK=long npx vitest run test/soak`.
 */
export const LONG = process.env.MUTLS_SOAK === "long";
/** Bytes sent each way through a pair. */
export const SOAK_BYTES = LONG ? 1 << 30 : 8 << 20;
/** Concurrent mutual handshakes against one server. */
export const CONCURRENT_HANDSHAKES = LONG ? 1000 : 100;
/** Test timeouts scale with the size (pure-TypeScript crypto on a shared machine). */
export const SOAK_TIMEOUT_MS = LONG ? 3_600_000 : 120_000;
