/**
 * The crypto provider: every primitive the engine uses, behind one interface, so a runtime can
 * swap in native code (node:crypto, WebCrypto) and tests can pin randomness and ephemeral keys
 * (design.md, principle 4). Nothing here imports anything above `bytes`.
 */

export type HashName = "SHA-256" | "SHA-384" | "SHA-512";

/** An incremental hash, used for the handshake transcript (RFC 8446 §4.4.1). */
export interface HashContext {
  update(data: Uint8Array): void;
  /** The digest of everything so far; the context stays usable. */
  digest(): Uint8Array;
  clone(): HashContext;
}

export type AeadAlgorithm = "AES-128-GCM" | "AES-256-GCM" | "CHACHA20-POLY1305";

/**
 * An AEAD bound to one traffic key. Implementations may precompute per-key state once here
 * (design.md, principle 1). Both calls work in place on caller-owned memory.
 */
export interface AeadKey {
  readonly algorithm: AeadAlgorithm;
  /** Encrypts `buf[offset, offset+length)` in place and writes the 16-byte tag right after it. */
  seal(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): void;
  /**
   * Authenticates and decrypts `buf[offset, offset+length)` (ciphertext followed by its 16-byte tag)
   * in place. Returns false, leaving the buffer unspecified, when authentication fails.
   */
  open(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): boolean;
}

/**
 * Supported key exchange groups: the (EC)DHE groups by their RFC 8446 §4.2.7 names, and the hybrid
 * post-quantum X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem), whose server half is an encapsulation
 * (see crypto/key-exchange.ts).
 */
export type GroupName = "x25519" | "secp256r1" | "secp384r1" | "X25519MLKEM768";

/** One ephemeral key pair for a key_share (RFC 8446 §4.2.8). */
export interface KeyShare {
  readonly group: GroupName;
  /**
   * The encoded public value as it goes on the wire (§4.2.8.2: uncompressed point for NIST curves;
   * for X25519MLKEM768, the ML-KEM encapsulation key followed by the X25519 public key).
   */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's public value. Returns null when the peer's value is invalid
   * (wrong length, not on the curve, all-zero X25519 output), which the engine maps to
   * `illegal_parameter`.
   */
  deriveSharedSecret(peerPublicKey: Uint8Array): Uint8Array | null;
}

/** A public key as found in a SubjectPublicKeyInfo. */
export type PublicKey =
  | { readonly kind: "ec"; readonly curve: "P-256" | "P-384"; readonly point: Uint8Array }
  | { readonly kind: "ed25519"; readonly key: Uint8Array }
  | {
      readonly kind: "rsa";
      readonly n: bigint;
      readonly e: bigint;
      /** True for an id-RSASSA-PSS key, usable only with RSA-PSS (RFC 8446 rsa_pss_pss_*). */
      readonly pssOnly: boolean;
    };

/** A private key the pure provider can sign with. */
export type PrivateKey =
  | { readonly kind: "ec"; readonly curve: "P-256" | "P-384"; readonly d: Uint8Array }
  | { readonly kind: "ed25519"; readonly seed: Uint8Array }
  | {
      readonly kind: "rsa";
      readonly n: bigint;
      readonly e: bigint;
      readonly d: bigint;
      readonly p: bigint;
      readonly q: bigint;
      readonly dp: bigint;
      readonly dq: bigint;
      readonly qinv: bigint;
    };

/**
 * A signature algorithm independent of TLS code points, so X.509 (which pairs any ECDSA hash
 * with any curve) and TLS (which binds them, RFC 8446 §4.2.3) share one verifier.
 * ECDSA signatures are DER-encoded `Ecdsa-Sig-Value`, as on the wire and in certificates.
 */
export type SignatureAlgorithm =
  | { readonly kind: "ecdsa"; readonly hash: HashName }
  | { readonly kind: "ed25519" }
  | { readonly kind: "rsa-pkcs1"; readonly hash: HashName }
  | { readonly kind: "rsa-pss"; readonly hash: HashName; readonly saltLength: number };

export interface CryptoProvider {
  readonly name: string;
  /** Cryptographically secure random bytes. Tests may pin these (RFC 8448 replay). */
  randomBytes(length: number): Uint8Array;

  hash(name: HashName, data: Uint8Array): Uint8Array;
  createHash(name: HashName): HashContext;
  hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  hkdfExpand(name: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;

  aead(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey;

  /**
   * A fresh ephemeral key pair for `group`; for X25519MLKEM768 this is the client's half only (the
   * server answers with `answerKeyShare`). Tests may pin these (RFC 8448 replay).
   */
  generateKeyShare(group: GroupName): KeyShare;

  /** Returns false for a bad signature or a key that does not fit the algorithm; never throws for those. */
  verify(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean;
  sign(algorithm: SignatureAlgorithm, key: PrivateKey, message: Uint8Array): Uint8Array;

  /**
   * The operations this provider can also answer later (WebCrypto, a secure element, a KMS). When
   * absent, `asyncOperations(provider)` is the provider itself: every answer is synchronous.
   * The synchronous methods above must keep working whatever this holds, for callers that cannot
   * wait (the engine's synchronous API).
   */
  readonly asynchronous?: AsyncCryptoOperations;
}

/**
 * A result the provider may give now or later. A provider that answers at once returns the value
 * itself, so its caller pays no Promise (issue 13: the synchronous path stays as fast as before).
 */
export type MaybePromise<T> = T | Promise<T>;

/** True when an operation answered later. Any thenable counts, so a Promise from another realm does too. */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** A `KeyShare` whose Diffie-Hellman may finish later; a `KeyShare` is one. Same null rule. */
export interface AsyncKeyShare {
  readonly group: GroupName;
  readonly publicKey: Uint8Array;
  deriveSharedSecret(peerPublicKey: Uint8Array): MaybePromise<Uint8Array | null>;
}

/**
 * An `AeadKey` whose calls may finish later; an `AeadKey` is one. Same in-place contract. A call
 * reads `nonce` and `aad` before it returns, so the caller may reuse those buffers at once; it owns
 * `buf[offset, offset+length+16)` until the returned Promise settles, and must not touch it meanwhile.
 */
export interface AsyncAeadKey {
  readonly algorithm: AeadAlgorithm;
  seal(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): MaybePromise<void>;
  open(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): MaybePromise<boolean>;
}

/**
 * The expensive provider operations in a form that may answer later, with the same meaning and
 * the same failure values as their synchronous twins on `CryptoProvider` (a `CryptoProvider` is
 * itself one). Each answers synchronously where it can: an algorithm the runtime lacks falls back
 * to synchronous code and returns a plain value. A rejected Promise means what a throw means.
 */
export interface AsyncCryptoOperations {
  generateKeyShare(group: GroupName): MaybePromise<AsyncKeyShare>;
  aead(algorithm: AeadAlgorithm, key: Uint8Array): MaybePromise<AsyncAeadKey>;
  verify(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): MaybePromise<boolean>;
  sign(algorithm: SignatureAlgorithm, key: PrivateKey, message: Uint8Array): MaybePromise<Uint8Array>;
}

/** The operations to call when the caller can wait: the provider's asynchronous ones, else the provider itself. */
export function asyncOperations(provider: CryptoProvider): AsyncCryptoOperations {
  return provider.asynchronous ?? provider;
}

export function hashLength(name: HashName): number {
  return name === "SHA-256" ? 32 : name === "SHA-384" ? 48 : 64;
}
