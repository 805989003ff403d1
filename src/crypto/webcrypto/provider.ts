/**
 * The WebCrypto provider (issue 13): the expensive operations on the runtime's `crypto.subtle`
 * (BoringSSL, OpenSSL or the browser's own code) where it has them, the pure provider where it
 * does not. WebCrypto answers only asynchronously, so these live in `asynchronous`
 * (crypto/provider.ts `AsyncCryptoOperations`); the synchronous methods are the fallback
 * provider's, for callers that cannot wait. Hashes, HMAC and HKDF stay synchronous and pure: the
 * transcript needs an incremental hash, which WebCrypto lacks, and for the few hundred bytes TLS
 * hashes a Promise costs more than the hash.
 *
 * Detection is asynchronous and done once (`await webCryptoProvider()`): each algorithm is tried
 * up front, so from the first handshake on every operation has a fixed route, and an algorithm the
 * runtime lacks answers synchronously through the fallback, without a Promise. A synchronous
 * factory would have to detect on first use and so return a Promise even for those.
 */
import { MLKEM768_SEED_LENGTH, X25519MLKEM768, hybridKeyShare } from "../hybrid-key-share.js";
import { shareComposition } from "../compose.js";
import { andThen } from "../maybe-promise.js";
import type { AeadAlgorithm, AsyncAeadKey, AsyncCryptoOperations, AsyncKeyShare, CryptoProvider, GroupName, MaybePromise } from "../provider.js";
import { pureProvider } from "../pure.js";
import { importWebCryptoAesGcm } from "./aead.js";
import { type WebCryptoAlgorithm, detectWebCrypto } from "./detect.js";
import { type EcdheGroup, generateWebCryptoKeyShare } from "./key-share.js";
import { WebCryptoSignatures } from "./signature.js";
import { SpareKeyShares } from "./spare-key-shares.js";
import { type SubtleLike, runtimeSubtle } from "./subtle.js";

export interface WebCryptoProviderOptions {
  /** The `SubtleCrypto` to use; by default the runtime's `globalThis.crypto.subtle`. */
  readonly subtle?: SubtleLike;
  /**
   * The provider for what WebCrypto does not do here: synchronous calls, hashes, randomness, and
   * every algorithm the runtime lacks (ChaCha20-Poly1305 always). By default the pure provider.
   */
  readonly fallback?: CryptoProvider;
  /**
   * Keep one spare key share per group in use, made in the background after one is taken, so a
   * handshake does not wait for its share to be generated (spare-key-shares.ts). Each share is
   * still used once only (RFC 8446 §4.2.8). Default true; false generates every share on demand,
   * which saves a client that makes one connection the generation of a share it never uses.
   */
  readonly spareKeyShares?: boolean;
}

export interface WebCryptoProvider extends CryptoProvider {
  readonly asynchronous: AsyncCryptoOperations;
  /** The algorithms that run on `crypto.subtle` here; everything else is the fallback's. Empty without `crypto.subtle`. */
  readonly webCryptoAlgorithms: readonly WebCryptoAlgorithm[];
}

const ECDHE_ALGORITHM: Record<EcdheGroup, WebCryptoAlgorithm> = { x25519: "X25519", secp256r1: "ECDH P-256", secp384r1: "ECDH P-384" };

function asynchronousOperations(
  subtle: SubtleLike,
  native: ReadonlySet<WebCryptoAlgorithm>,
  fallback: CryptoProvider,
  spareKeyShares: boolean,
): AsyncCryptoOperations {
  const signatures = new WebCryptoSignatures(subtle, native, fallback);
  const generate = (group: EcdheGroup): Promise<AsyncKeyShare> => generateWebCryptoKeyShare(subtle, group);
  const spares = spareKeyShares ? new SpareKeyShares(generate) : null;
  // X25519 is the first of the default groups (codec/constants.ts DEFAULT_GROUPS), so the default key
  // share: even the first ClientHello or ServerHello finds one made.
  if (spares !== null && native.has("X25519")) spares.prime("x25519");

  function generateKeyShare(group: GroupName): MaybePromise<AsyncKeyShare> {
    if (group === X25519MLKEM768) {
      // The ML-KEM-768 half is noble's (no runtime has it in WebCrypto); the X25519 half is native where it can be.
      const seed = fallback.randomBytes(MLKEM768_SEED_LENGTH);
      return andThen(generateKeyShare("x25519"), (x25519) => hybridKeyShare(seed, x25519));
    }
    if ((group === "x25519" || group === "secp256r1" || group === "secp384r1") && native.has(ECDHE_ALGORITHM[group])) {
      return spares !== null ? spares.take(group) : generate(group);
    }
    return fallback.generateKeyShare(group);
  }

  function aead(algorithm: AeadAlgorithm, key: Uint8Array): MaybePromise<AsyncAeadKey> {
    // RFC 8439's ChaCha20-Poly1305 has no WebCrypto form.
    if (algorithm !== "CHACHA20-POLY1305" && native.has("AES-GCM")) return importWebCryptoAesGcm(subtle, algorithm, key);
    return fallback.aead(algorithm, key);
  }

  return {
    generateKeyShare,
    aead,
    verify: (algorithm, key, message, signature) => signatures.verify(algorithm, key, message, signature),
    sign: (algorithm, key, message) => signatures.sign(algorithm, key, message),
  };
}

/**
 * A provider on this runtime's `crypto.subtle`, with the pure provider (or `options.fallback`) for
 * what it lacks. The runtime's algorithms are probed once per `SubtleCrypto`; build the provider
 * once and share it between connections. Without `crypto.subtle` every operation is the fallback's.
 */
export async function webCryptoProvider(options: WebCryptoProviderOptions = {}): Promise<WebCryptoProvider> {
  const fallback = options.fallback ?? pureProvider;
  const subtle = options.subtle ?? runtimeSubtle();
  const native: ReadonlySet<WebCryptoAlgorithm> = subtle === null ? new Set() : await detectWebCrypto(subtle);
  const asynchronous: AsyncCryptoOperations = subtle === null ? fallback : asynchronousOperations(subtle, native, fallback, options.spareKeyShares ?? true);
  const provider: WebCryptoProvider = {
    name: "webcrypto",
    randomBytes: (length) => fallback.randomBytes(length),
    hash: (name, data) => fallback.hash(name, data),
    createHash: (name) => fallback.createHash(name),
    hmac: (name, key, data) => fallback.hmac(name, key, data),
    hkdfExtract: (name, salt, ikm) => fallback.hkdfExtract(name, salt, ikm),
    hkdfExpand: (name, prk, info, length) => fallback.hkdfExpand(name, prk, info, length),
    aead: (algorithm, key) => fallback.aead(algorithm, key),
    generateKeyShare: (group) => fallback.generateKeyShare(group),
    verify: (algorithm, key, message, signature) => fallback.verify(algorithm, key, message, signature),
    sign: (algorithm, key, message) => fallback.sign(algorithm, key, message),
    asynchronous,
    webCryptoAlgorithms: [...native],
  };
  // Its synchronous signatures and verifications are the fallback's, so what the fallback is
  // composed of holds for them: certificate chains then verify with the precomputed anchor
  // tables, and a private key is matched to its certificate by derivation, not a test signature
  // (x509/precomputed-verifier.ts, x509/private-key.ts), as on the pure provider.
  shareComposition(provider, fallback);
  return provider;
}
