/**
 * The pure provider: every primitive in portable TypeScript (noble for hashes, curves and ciphers,
 * in-house BigInt RSA). It runs in any JavaScript runtime with `crypto.getRandomValues`.
 */
import { randomBytes as nobleRandomBytes } from "@noble/hashes/utils.js";
import { fail } from "../bytes/index.js";
import { createAeadKey } from "./aead.js";
import { createHash, hash, hkdfExpand, hkdfExtract, hmac } from "./hash.js";
import { generateKeyShare } from "./key-share.js";
import type { CryptoProvider } from "./provider.js";
import { signMessage, verifySignature } from "./signature.js";

function randomBytes(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) fail("internal_error", `cannot make ${length} random bytes`);
  return nobleRandomBytes(length);
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

export { keyShareFromPrivateKey } from "./key-share.js";
export { createPinnedProvider, type ProviderPins } from "./pinned.js";
