/**
 * Whether a private key belongs to a certificate, judged with the connection's provider (so that
 * the check pulls no curve into a bundle), and the EC public point a key file carried beside its
 * scalar (RFC 5915 §3), which must be the certificate's too. Apart from private-key.ts, so that a
 * configuration whose key is given parsed checks it without carrying PEM/DER key reading.
 */
import { bytesEqual } from "../bytes/index.js";
import { providerAlgorithms } from "../crypto/compose.js";
import type { CryptoProvider, PrivateKey, PublicKey, SignatureAlgorithm } from "../crypto/provider.js";
import { signatureKeyType } from "../crypto/signature.js";
import type { Certificate } from "./certificate.js";

/** An EC key's public point as written inside it (RFC 5915 §3 publicKey), not yet checked. */
const embeddedPublicPoints = new WeakMap<PrivateKey, Uint8Array>();

export function embeddedPublicPoint(key: PrivateKey): Uint8Array | null {
  return embeddedPublicPoints.get(key) ?? null;
}

/** Kept by the key reader (private-key.ts) when a key file carries its public point. */
export function setEmbeddedPublicPoint(key: PrivateKey, point: Uint8Array): void {
  embeddedPublicPoints.set(key, point);
}

/** The test message of `privateKeyFitsCertificate`'s signature. */
const PROBE = /* @__PURE__ */ new Uint8Array([0x6d, 0x75, 0x74, 0x6c, 0x73]);

/**
 * True when `cert` carries the public key of `key`, judged with `provider`: RSA by modulus and
 * exponent; an EC or Ed25519 key by its public half, derived by the provider's own signature
 * module when it is composed (`createProvider`), else by a test signature the certificate's key
 * must verify (a native provider has no derivation to offer). An EC key's embedded public point
 * must be the certificate's too.
 */
export function privateKeyFitsCertificate(key: PrivateKey, cert: Certificate, provider: CryptoProvider): boolean {
  const certKey = cert.publicKey;
  if (certKey === null || certKey.kind !== key.kind) return false;
  if (key.kind === "rsa" && certKey.kind === "rsa") return key.n === certKey.n && key.e === certKey.e;
  if (key.kind === "ec" && certKey.kind === "ec") {
    if (key.curve !== certKey.curve) return false;
    const embedded = embeddedPublicPoint(key);
    if (embedded !== null && !bytesEqual(embedded, certKey.point)) return false;
  }
  const module = providerAlgorithms(provider)?.signatures.find((s) => s.keyType === signatureKeyType(key));
  if (module !== undefined) {
    let mine: PublicKey;
    try {
      mine = module.publicKey(key);
    } catch {
      // A key object built by hand with an invalid value: it fits no certificate.
      return false;
    }
    if (mine.kind === "ec" && certKey.kind === "ec") return bytesEqual(mine.point, certKey.point);
    if (mine.kind === "ed25519" && certKey.kind === "ed25519") return bytesEqual(mine.key, certKey.key);
    return false;
  }
  const algorithm: SignatureAlgorithm = key.kind === "ec" ? { kind: "ecdsa", hash: key.curve === "P-256" ? "SHA-256" : "SHA-384" } : { kind: "ed25519" };
  return provider.verify(algorithm, certKey, PROBE, provider.sign(algorithm, key, PROBE));
}
