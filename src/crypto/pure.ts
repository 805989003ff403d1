/**
 * The pure provider: every primitive in portable TypeScript (noble for hashes, curves and ciphers,
 * in-house BigInt RSA). It runs in any JavaScript runtime with `crypto.getRandomValues`.
 */
import { randomBytes as nobleRandomBytes } from "@noble/hashes/utils.js";
import { fail } from "../bytes/index.js";
import { createAeadKey } from "./aead.js";
import type { GcmTableSize } from "./ghash.js";
import { createHash, hash, hkdfExpand, hkdfExtract, hmac } from "./hash.js";
import { generateKeyShare } from "./key-share.js";
import type { CryptoProvider } from "./provider.js";
import { signMessage, verifySignature } from "./signature.js";

function randomBytes(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) fail("internal_error", `cannot make ${length} random bytes`);
  return nobleRandomBytes(length);
}

/** Choices for `createPureProvider`. */
export interface PureProviderOptions {
  /**
   * GHASH table per AES-GCM traffic key: "compact" (the default, 512 bytes) or "large" (64 KiB,
   * about 1.5x the bulk AES-GCM throughput). A connection holds two traffic keys.
   */
  readonly gcmTables?: GcmTableSize;
}

export const pureProvider: CryptoProvider = {
  name: "pure",
  randomBytes,
  hash,
  createHash,
  hmac,
  hkdfExtract,
  hkdfExpand,
  aead: createAeadKey,
  generateKeyShare,
  verify: verifySignature,
  sign: (algorithm, key, message) => signMessage(algorithm, key, message, randomBytes),
};

/**
 * A pure provider with non-default choices; with no options it is `pureProvider` itself. Build
 * it once and share it between connections.
 */
export function createPureProvider(options: PureProviderOptions = {}): CryptoProvider {
  const gcmTables = options.gcmTables ?? "compact";
  if (gcmTables !== "compact" && gcmTables !== "large") throw new TypeError(`gcmTables must be "compact" or "large", not ${String(gcmTables)}`);
  if (gcmTables === "compact") return pureProvider;
  // A distinct provider: trust anchors under it get no precomputed verification tables
  // (x509/precomputed-verifier.ts keys them to pureProvider itself).
  return { ...pureProvider, aead: (algorithm, key) => createAeadKey(algorithm, key, gcmTables) };
}

export { keyShareFromPrivateKey } from "./key-share.js";
export { createPinnedProvider, type ProviderPins } from "./pinned.js";
