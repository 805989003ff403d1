/**
 * A provider composed from per-algorithm modules. An application that names only the algorithms it
 * negotiates (one hash, one AEAD, one group, one kind of key) imports only their code, so a bundler
 * drops the rest: `createProvider({ hashes: [sha256], aeads: [aes128gcm], keyShares: [x25519],
 * signatures: [ecdsaP256] })`. The pure provider (pure.ts) is the same composition of every module.
 */
import { randomBytes as nobleRandomBytes } from "@noble/hashes/utils.js";
import { fail } from "../bytes/index.js";
import { type AeadCipher, bindAeadKey } from "./aead.js";
import { type GhashTables, compactGcmTables } from "./ghash.js";
import type { HashAlgorithm } from "./hash.js";
import type { KeyShareGroup } from "./key-share.js";
import type { CryptoProvider, HashName } from "./provider.js";
import { type SignatureContext, type SignatureKeyAlgorithm, signWith, signatureKeyType, verifyWith } from "./signature.js";

/** The modules a composed provider carries. An algorithm not listed fails as unsupported. */
export interface ProviderAlgorithms {
  /** Shown in errors and logs; default "composed". */
  readonly name?: string;
  /** `sha256`, `sha384`, `sha512`: the suites' hashes (SHA-384 for AES-256-GCM) and those of the signatures. */
  readonly hashes: readonly HashAlgorithm[];
  /** `aes128gcm`, `aes256gcm`, `chacha20poly1305`. */
  readonly aeads: readonly AeadCipher[];
  /** `x25519`, `secp256r1`, `secp384r1`, `x25519mlkem768`. */
  readonly keyShares: readonly KeyShareGroup[];
  /** `ecdsaP256`, `ecdsaP384`, `ed25519`, `rsa`: the keys whose signatures it verifies and makes. */
  readonly signatures: readonly SignatureKeyAlgorithm[];
  /**
   * GHASH table per AES-GCM traffic key: "compact" (the default, 512 bytes) or the module
   * `largeGcmTables` (64 KiB, about 1.5x the bulk AES-GCM throughput; a module so that bundles
   * without it do not carry its code). A connection holds two traffic keys.
   */
  readonly gcmTables?: "compact" | GhashTables;
}

function ghashTables(option: "compact" | GhashTables | undefined): GhashTables {
  if (option === undefined || option === "compact") return compactGcmTables;
  if (typeof option === "function") return option;
  if ((option as string) === "large") {
    throw new TypeError('gcmTables "large" is a module: pass gcmTables: largeGcmTables (from "mutls/core")');
  }
  throw new TypeError(`gcmTables must be "compact" or largeGcmTables, not ${String(option)}`);
}

function randomBytes(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) fail("internal_error", `cannot make ${length} random bytes`);
  return nobleRandomBytes(length);
}

/** What each composed provider was made of, for x509/precomputed-verifier.ts (its ECDSA curves). */
const compositions = new WeakMap<CryptoProvider, ProviderAlgorithms>();

export function providerAlgorithms(provider: CryptoProvider): ProviderAlgorithms | null {
  return compositions.get(provider) ?? null;
}

/** For a provider that wraps a composed one and computes as it does (pinned.ts). */
export function shareComposition(wrapper: CryptoProvider, base: CryptoProvider): void {
  const algorithms = compositions.get(base);
  if (algorithms !== undefined) compositions.set(wrapper, algorithms);
}

function byName<K, M>(modules: readonly M[], key: (m: M) => K): Map<K, M> {
  return new Map(modules.map((m) => [key(m), m]));
}

/**
 * A provider made of the given modules. Build it once and share it between connections. A
 * connection must then offer only what it carries (`cipherSuites`, `groups`, `signatureSchemes`):
 * asked for anything else it fails with internal_error, and it verifies no signature by a key it
 * has no module for.
 */
export function createProvider(algorithms: ProviderAlgorithms): CryptoProvider {
  const gcmTables = ghashTables(algorithms.gcmTables);
  const name = algorithms.name ?? "composed";
  const hashes = byName(algorithms.hashes, (h) => h.name);
  const aeads = byName(algorithms.aeads, (a) => a.algorithm);
  const groups = byName(algorithms.keyShares, (g) => g.group);
  const signatures = byName(algorithms.signatures, (s) => s.keyType);
  const hashNamed = (hash: HashName): HashAlgorithm => hashes.get(hash) ?? fail("internal_error", `the "${name}" provider has no ${String(hash)}`);
  const context: SignatureContext = { hash: (hash, data) => hashNamed(hash).hash(data), randomBytes };
  const provider: CryptoProvider = {
    name,
    randomBytes,
    hash: context.hash,
    createHash: (hash) => hashNamed(hash).createHash(),
    hmac: (hash, key, data) => hashNamed(hash).hmac(key, data),
    hkdfExtract: (hash, salt, ikm) => hashNamed(hash).hkdfExtract(salt, ikm),
    hkdfExpand: (hash, prk, info, length) => hashNamed(hash).hkdfExpand(prk, info, length),
    aead(algorithm, key) {
      const cipher = aeads.get(algorithm) ?? fail("internal_error", `the "${name}" provider has no ${String(algorithm)}`);
      return bindAeadKey(cipher, key, gcmTables);
    },
    generateKeyShare(group) {
      return (groups.get(group) ?? fail("internal_error", `the "${name}" provider has no group ${String(group)}`)).generate();
    },
    verify(algorithm, key, message, signature) {
      const module = signatures.get(signatureKeyType(key));
      return module !== undefined && verifyWith(module, algorithm, key, message, signature, context);
    },
    sign(algorithm, key, message) {
      const module = signatures.get(signatureKeyType(key)) ?? fail("internal_error", `the "${name}" provider cannot sign with ${signatureKeyType(key)} keys`);
      return signWith(module, algorithm, key, message, context);
    },
    // Only the modules this provider carries: a composed provider never pulls in another curve.
    dropPrecomputedTables() {
      for (const module of signatures.values()) module.dropPrecomputedTables?.();
      for (const group of groups.values()) group.dropPrecomputedTables?.();
    },
  };
  compositions.set(provider, algorithms);
  return provider;
}

/**
 * What a config without `provider` resolves to in the core entry (`mutls/core`), which has no
 * default: every primitive fails, naming the missing option.
 */
export const missingProvider: CryptoProvider = /* @__PURE__ */ createProvider({
  name: "missing: mutls/core needs config.provider",
  hashes: [],
  aeads: [],
  keyShares: [],
  signatures: [],
});
