/**
 * The part of WebCrypto's `SubtleCrypto` (W3C Web Cryptography API) this provider calls, typed
 * here because the core compiles against the ES2020 library alone: no DOM or Node types are
 * visible (tsconfig.core.json). A runtime's `crypto.subtle` and its `CryptoKey`s fit these shapes.
 */

/** A `CryptoKey`: an opaque handle whose key bytes may never leave the runtime (non-extractable). */
export interface WebCryptoKey {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: WebCryptoKeyAlgorithm;
  readonly usages: readonly string[];
}

/** What a `CryptoKey` says of its algorithm (`EcKeyAlgorithm`, `RsaHashedKeyAlgorithm`, `KeyAlgorithm`). */
export interface WebCryptoKeyAlgorithm {
  readonly name: string;
  readonly namedCurve?: string;
  readonly hash?: { readonly name: string };
  readonly modulusLength?: number;
}

export interface WebCryptoKeyPair {
  readonly publicKey: WebCryptoKey;
  readonly privateKey: WebCryptoKey;
}

/** A JSON Web Key (RFC 7517) with the members this provider writes. */
export interface JsonWebKeyFields {
  readonly kty: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly d?: string;
  readonly n?: string;
  readonly e?: string;
  readonly p?: string;
  readonly q?: string;
  readonly dp?: string;
  readonly dq?: string;
  readonly qi?: string;
  readonly ext?: boolean;
}

/** Algorithm parameters, as the Web Cryptography API's dictionaries (`EcdsaParams`, `AesGcmParams`, ...). */
export interface WebCryptoParams {
  readonly name: string;
  readonly namedCurve?: string;
  readonly hash?: string;
  readonly saltLength?: number;
  readonly iv?: Uint8Array;
  readonly additionalData?: Uint8Array;
  readonly tagLength?: number;
  readonly public?: WebCryptoKey;
}

export interface SubtleLike {
  importKey(
    format: "raw" | "pkcs8" | "spki",
    keyData: Uint8Array,
    algorithm: WebCryptoParams,
    extractable: boolean,
    keyUsages: string[],
  ): Promise<WebCryptoKey>;
  importKey(format: "jwk", keyData: JsonWebKeyFields, algorithm: WebCryptoParams, extractable: boolean, keyUsages: string[]): Promise<WebCryptoKey>;
  generateKey(algorithm: WebCryptoParams, extractable: boolean, keyUsages: string[]): Promise<WebCryptoKeyPair | WebCryptoKey>;
  exportKey(format: "raw", key: WebCryptoKey): Promise<ArrayBuffer>;
  exportKey(format: "jwk", key: WebCryptoKey): Promise<JsonWebKeyFields>;
  deriveBits(algorithm: WebCryptoParams, baseKey: WebCryptoKey, length: number): Promise<ArrayBuffer>;
  sign(algorithm: WebCryptoParams, key: WebCryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
  verify(algorithm: WebCryptoParams, key: WebCryptoKey, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
  encrypt(algorithm: WebCryptoParams, key: WebCryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
  decrypt(algorithm: WebCryptoParams, key: WebCryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
}

/** The runtime's `crypto.subtle`, or null where there is none (QuickJS, XS, an insecure browser context). */
export function runtimeSubtle(): SubtleLike | null {
  const crypto = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto;
  return crypto?.subtle ?? null;
}

/** A key pair from `generateKey` (asymmetric algorithms always give one). */
export function asKeyPair(generated: WebCryptoKeyPair | WebCryptoKey): WebCryptoKeyPair {
  if (!("privateKey" in generated)) throw new TypeError("generateKey returned a single key for an asymmetric algorithm");
  return generated;
}
