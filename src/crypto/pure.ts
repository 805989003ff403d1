/**
 * The pure provider: every primitive in portable TypeScript (noble for hashes and curves, in-house
 * AEADs and BigInt RSA), composed from every per-algorithm module. It runs in any JavaScript
 * runtime with `crypto.getRandomValues`. An application that needs fewer algorithms composes its
 * own with `createProvider` (compose.ts) and imports only those.
 */
import { aes128gcm, aes256gcm, chacha20poly1305 } from "./aead.js";
import { type ProviderAlgorithms, createProvider } from "./compose.js";
import { type GcmTableSize, largeGcmTables } from "./ghash.js";
import { sha256, sha384, sha512, withKeyedHkdf } from "./hash.js";
import { secp256r1, secp384r1, x25519, x25519mlkem768 } from "./key-share.js";
import type { CryptoProvider } from "./provider.js";
import { ecdsaP256, ecdsaP384, ed25519, rsa } from "./signature.js";

/** Choices for `createPureProvider`. */
export interface PureProviderOptions {
  /**
   * GHASH table per AES-GCM traffic key: "compact" (the default, 512 bytes) or "large" (64 KiB,
   * about 1.5x the bulk AES-GCM throughput). A connection holds two traffic keys.
   */
  readonly gcmTables?: GcmTableSize;
}

const EVERY_ALGORITHM: ProviderAlgorithms = {
  name: "pure",
  hashes: [sha256, sha384, sha512].map(withKeyedHkdf),
  aeads: [aes128gcm, aes256gcm, chacha20poly1305],
  keyShares: [x25519, secp256r1, secp384r1, x25519mlkem768],
  signatures: [ecdsaP256, ecdsaP384, ed25519, rsa],
};

export const pureProvider: CryptoProvider = /* @__PURE__ */ createProvider(EVERY_ALGORITHM);

/**
 * A pure provider with non-default choices; with no options it is `pureProvider` itself. Build
 * it once and share it between connections.
 */
export function createPureProvider(options: PureProviderOptions = {}): CryptoProvider {
  const gcmTables = options.gcmTables ?? "compact";
  if (gcmTables !== "compact" && gcmTables !== "large") throw new TypeError(`gcmTables must be "compact" or "large", not ${String(gcmTables)}`);
  if (gcmTables === "compact") return pureProvider;
  return createProvider({ ...EVERY_ALGORITHM, gcmTables: largeGcmTables });
}

export { keyShareFromPrivateKey } from "./key-share.js";
export { createPinnedProvider, type ProviderPins } from "./pinned.js";
