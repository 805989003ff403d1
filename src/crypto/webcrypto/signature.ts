/**
 * Signature verification and signing with our key values (crypto/provider.ts `PublicKey`,
 * `PrivateKey`) on `crypto.subtle`, with the pure provider's meaning: verification is total
 * (malformed input or an unfit key is `false`), and whatever WebCrypto cannot take (a compressed
 * point, an exponent it refuses, an algorithm the runtime lacks) goes to the pure code, so the
 * verdict never depends on the runtime. test/crypto/webcrypto.test.ts checks the two agree.
 */
import { AlertDescription, TLSError, toHex } from "../../bytes/index.js";
import type { CryptoProvider, MaybePromise, PrivateKey, PublicKey, SignatureAlgorithm } from "../provider.js";
import { bitLength, isUsableRsaPublicKey } from "../rsa.js";
import type { WebCryptoAlgorithm } from "./detect.js";
import {
  COORDINATE_LENGTH,
  ED25519_PKCS8_PREFIX,
  bytesOf,
  ecPrivateJwk,
  ecPublicJwk,
  ecdsaDerToRaw,
  ecdsaRawToDer,
  rsaPrivateJwk,
  rsaPublicJwk,
  withPrefix,
} from "./encoding.js";
import type { SubtleLike, WebCryptoKey, WebCryptoParams } from "./subtle.js";

/**
 * Importing a key costs about as much as a verification, and the engine parses certificates
 * afresh per connection, so public keys are kept by value: trust anchors and frequent peers are
 * imported once. Bounded; the oldest goes first. Private keys are kept per key object.
 */
const PUBLIC_KEY_CACHE_SIZE = 256;

/**
 * A key handed to the runtime: its import, and the key itself once imported. An operation with a
 * key already imported is handed to the runtime at once, not in a callback of the import: the
 * engine starts a CertificateVerify check and our own signature before it searches the peer's
 * certificate path (handshake/peer-certificate.ts, client/sign-ahead.ts), so that the runtime
 * works on them during the search; a callback would run only after the search.
 */
class ImportedKey {
  key: WebCryptoKey | null = null;
  constructor(readonly made: Promise<WebCryptoKey>) {
    made.then(
      (key) => (this.key = key),
      () => undefined, // the operation waiting on it reports the refusal
    );
  }

  /**
   * `operation` on the key: now if it is imported, else once it is (`refused` if the runtime
   * refuses the import); a throw is a rejection.
   */
  use<T>(operation: (key: WebCryptoKey) => Promise<T>, refused?: () => T): Promise<T> {
    if (this.key === null) return this.made.then(operation, refused);
    try {
      return operation(this.key);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

export class WebCryptoSignatures {
  private readonly publicKeys = new Map<string, ImportedKey>();
  private readonly privateKeys = new WeakMap<PrivateKey, Map<string, ImportedKey>>();

  constructor(
    private readonly subtle: SubtleLike,
    private readonly native: ReadonlySet<WebCryptoAlgorithm>,
    /** Decides what WebCrypto cannot: the pure provider unless configured otherwise. */
    private readonly fallback: CryptoProvider,
  ) {}

  verify(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): MaybePromise<boolean> {
    switch (algorithm.kind) {
      case "ecdsa": {
        // A compressed point (legal in X.509, SEC 1 §2.3.3) is not WebCrypto's "raw" form.
        if (key.kind !== "ec" || !this.native.has(`ECDSA ${key.curve}`) || key.point[0] !== 0x04) break;
        if (key.point.length !== 1 + 2 * COORDINATE_LENGTH[key.curve]) return false;
        // Parsed by noble, as in the pure provider, so both accept exactly the same DER.
        const raw = ecdsaDerToRaw(key.curve, signature);
        if (raw === null) return false;
        const { curve, point } = key;
        // The JWK is built only when the key is not imported yet (the cache is by value).
        const imported = this.publicKey(`ecdsa:${curve}:${toHex(point)}`, () => {
          const jwk = ecPublicJwk(curve, point);
          // Not reached (the form was checked above); a refusal would go to the pure code.
          if (jwk === null) return Promise.reject(new TypeError("not an uncompressed point"));
          return this.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: curve }, true, ["verify"]);
        });
        return this.verifyNative(imported, { name: "ECDSA", hash: algorithm.hash }, raw, algorithm, key, message, signature);
      }
      case "ed25519": {
        if (key.kind !== "ed25519" || key.key.length !== 32 || signature.length !== 64) return false;
        if (!this.native.has("Ed25519")) break;
        const raw = key.key.slice();
        const imported = this.publicKey(`ed25519:${toHex(raw)}`, () => this.subtle.importKey("raw", raw, { name: "Ed25519" }, true, ["verify"]));
        return this.verifyNative(imported, { name: "Ed25519" }, signature, algorithm, key, message, signature);
      }
      case "rsa-pkcs1":
      case "rsa-pss": {
        // The pure provider's refusals first (RFC 4055 §1.2: a PSS-only key never does PKCS#1 v1.5;
        // the modulus and exponent limits; RFC 8017 §8.x.2 step 1: the signature is k bytes).
        if (key.kind !== "rsa" || (algorithm.kind === "rsa-pkcs1" && key.pssOnly) || !isUsableRsaPublicKey(key)) return false;
        if (signature.length !== Math.ceil(bitLength(key.n) / 8)) return false;
        if (algorithm.kind === "rsa-pss" && (!Number.isInteger(algorithm.saltLength) || algorithm.saltLength < 0)) return false;
        const name = algorithm.kind === "rsa-pss" ? "RSA-PSS" : "RSASSA-PKCS1-v1_5";
        if (!this.native.has(name)) break;
        // A WebCrypto RSA key is bound to one padding and one hash at import.
        const id = `${name}:${algorithm.hash}:${key.n.toString(16)}:${key.e.toString(16)}`;
        const imported = this.publicKey(id, () => this.subtle.importKey("jwk", rsaPublicJwk(key), { name, hash: algorithm.hash }, true, ["verify"]));
        const params = algorithm.kind === "rsa-pss" ? { name, saltLength: algorithm.saltLength } : { name };
        return this.verifyNative(imported, params, signature, algorithm, key, message, signature);
      }
    }
    return this.fallback.verify(algorithm, key, message, signature);
  }

  /**
   * One verification through WebCrypto. If the runtime throws (import refused, parameters it does
   * not take), the pure provider decides instead, so a runtime's gaps never change a verdict.
   */
  private verifyNative(
    imported: ImportedKey,
    params: WebCryptoParams,
    webSignature: Uint8Array,
    algorithm: SignatureAlgorithm,
    key: PublicKey,
    message: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean> {
    const copy = message.slice();
    const sig = webSignature.slice();
    const original = signature === webSignature ? sig : signature.slice();
    return imported
      .use((webKey) => this.subtle.verify(params, webKey, sig, copy))
      .then(
        (valid) => valid === true,
        () => this.fallback.verify(algorithm, key, copy, original),
      );
  }

  private publicKey(id: string, importKey: () => Promise<WebCryptoKey>): ImportedKey {
    const cached = this.publicKeys.get(id);
    if (cached !== undefined) return cached;
    const made = new ImportedKey(importKey());
    if (this.publicKeys.size >= PUBLIC_KEY_CACHE_SIZE) this.publicKeys.delete(this.publicKeys.keys().next().value as string);
    this.publicKeys.set(id, made);
    return made;
  }

  private privateKey(key: PrivateKey, id: string, importKey: () => Promise<WebCryptoKey>): ImportedKey {
    let forKey = this.privateKeys.get(key);
    if (forKey === undefined) {
      forKey = new Map();
      this.privateKeys.set(key, forKey);
    }
    let made = forKey.get(id);
    if (made === undefined) {
      made = new ImportedKey(importKey());
      forKey.set(id, made);
    }
    return made;
  }

  /**
   * Signs through WebCrypto when the runtime has the algorithm; otherwise, or when it refuses the
   * key, with the pure code. Failures are TLSError internal_error, as in the pure provider.
   */
  sign(algorithm: SignatureAlgorithm, key: PrivateKey, message: Uint8Array): MaybePromise<Uint8Array> {
    const copy = message.slice();
    const pure = (): Uint8Array => this.fallback.sign(algorithm, key, copy);
    let params: WebCryptoParams;
    let signed: (webKey: WebCryptoKey) => Promise<Uint8Array>;
    let imported: ImportedKey;
    switch (algorithm.kind) {
      case "ecdsa": {
        if (key.kind !== "ec" || !this.native.has(`ECDSA ${key.curve}`)) return pure();
        const curve = key.curve;
        params = { name: "ECDSA", namedCurve: curve };
        imported = this.privateKey(key, "ecdsa", () => this.subtle.importKey("jwk", ecPrivateJwk(curve, key.d), params, false, ["sign"]));
        // WebCrypto gives r || s (IEEE P1363); TLS and X.509 carry the DER Ecdsa-Sig-Value.
        signed = (webKey) => this.subtle.sign({ name: "ECDSA", hash: algorithm.hash }, webKey, copy).then((raw) => ecdsaRawToDer(curve, bytesOf(raw)));
        break;
      }
      case "ed25519":
        if (key.kind !== "ed25519" || key.seed.length !== 32 || !this.native.has("Ed25519")) return pure();
        params = { name: "Ed25519" };
        imported = this.privateKey(key, "ed25519", () => this.subtle.importKey("pkcs8", withPrefix(ED25519_PKCS8_PREFIX, key.seed), params, false, ["sign"]));
        signed = (webKey) => this.subtle.sign(params, webKey, copy).then(bytesOf);
        break;
      case "rsa-pkcs1":
      case "rsa-pss": {
        const name = algorithm.kind === "rsa-pss" ? "RSA-PSS" : "RSASSA-PKCS1-v1_5";
        if (key.kind !== "rsa" || !this.native.has(name)) return pure();
        if (algorithm.kind === "rsa-pss" && (!Number.isInteger(algorithm.saltLength) || algorithm.saltLength < 0)) return pure();
        params = { name, hash: algorithm.hash };
        imported = this.privateKey(key, `${name}:${algorithm.hash}`, () => this.subtle.importKey("jwk", rsaPrivateJwk(key), params, false, ["sign"]));
        const signParams = algorithm.kind === "rsa-pss" ? { name, saltLength: algorithm.saltLength } : { name };
        signed = (webKey) => this.subtle.sign(signParams, webKey, copy).then(bytesOf);
        break;
      }
      default:
        return pure();
    }
    // A key the runtime will not import (an exponent it refuses, say) is signed by the pure code.
    return imported.use(signed, pure).catch((error: unknown) => {
      if (error instanceof TLSError) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new TLSError(AlertDescription.internal_error, `signing with WebCrypto failed: ${detail}`);
    });
  }
}
