/**
 * The per-certificate and per-link rules path validation applies (a safe subset of RFC 5280
 * §6.1.3 and §6.1.4). Each check returns the TLSError to raise, or null, so path building can
 * try another candidate before giving up.
 */
import { AlertDescription, TLSError, type AlertName, type TLSErrorReason } from "../bytes/index.js";
import type { CryptoProvider } from "../crypto/provider.js";
import { RSA_MAX_MODULUS_BITS, RSA_MAX_PUBLIC_EXPONENT, bitLength } from "../crypto/rsa.js";
import { describeCertificate, type Certificate } from "./certificate.js";
import type { KeyUsage } from "./extensions.js";
import { sameName } from "./name.js";
import type { AnchorVerifier } from "./trust-anchor.js";
import { BROKEN_HASH_SIGNATURE_OIDS, OID, algorithmName } from "./oids.js";

export type Purpose = "serverAuth" | "clientAuth";

/** keyUsage bits a leaf must allow, when it has the extension. */
export type LeafKeyUsage = readonly (keyof KeyUsage)[];

export function certificateError(alert: AlertName, message: string, reason?: TLSErrorReason): TLSError {
  return new TLSError(AlertDescription[alert], message, "local", reason);
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * RFC 5280 §6.1.3 (a)(2): the current time must fall within the validity period. Certificate
 * times have one-second granularity (§4.1.2.5), so the clock is compared at that granularity:
 * a certificate is valid throughout its notAfter second.
 */
export function checkValidity(cert: Certificate, now: Date, leafRole?: string): TLSError | null {
  const second = Math.floor(now.getTime() / 1000) * 1000;
  const expired = second > cert.notAfter.getTime();
  if (!expired && second >= cert.notBefore.getTime()) return null;
  // Path building checks every candidate at every step: the message is built only for a refusal.
  const who = describeCertificate(cert);
  const checked = `checked at ${now.toISOString()}`;
  // The peer's own certificate is named by role first ("client certificate expired on 2026-01-02").
  const subject = leafRole === undefined ? `certificate ${who}` : `${leafRole} certificate`;
  const detail = leafRole === undefined ? checked : `${who}; ${checked}`;
  const when = expired ? `expired on ${isoDate(cert.notAfter)}` : `is not valid until ${isoDate(cert.notBefore)}`;
  return certificateError("certificate_expired", `${subject} ${when} (${detail})`);
}

/** "server" or "client": how messages name the peer's own certificate. */
export function roleOf(purpose: Purpose): string {
  return purpose === "serverAuth" ? "server" : "client";
}

/** RFC 5280 §4.2: a critical extension we do not interpret could restrict use in ways we would ignore. */
export function checkCriticalExtensions(cert: Certificate): TLSError | null {
  const unknown = cert.unrecognizedCriticalExtensions;
  if (unknown.length === 0) return null;
  return certificateError(
    "unsupported_certificate",
    `certificate ${describeCertificate(cert)} has critical extension ${unknown.join(", ")}, which mutls does not support`,
  );
}

/** Default smallest RSA modulus accepted in a CA-issued chain (NIST SP 800-57 / CA/B BR §6.1.5). */
export const MIN_RSA_BITS = 2048;

/** Modulus sizes by key object: path building checks each candidate's key at every step it is offered. */
const modulusSizes = new WeakMap<object, number>();

function modulusBits(key: { readonly n: bigint }): number {
  let bits = modulusSizes.get(key);
  if (bits === undefined) modulusSizes.set(key, (bits = bitLength(key.n)));
  return bits;
}

/**
 * Weak RSA keys are refused in CA-issued chains (a pinned certificate is trusted as configured),
 * and so are keys past the limits every provider verifies under (src/crypto/rsa.ts), with a
 * message that says so rather than a failed signature. The alert is bad_certificate, as OpenSSL
 * sends for a key too small (X509_V_ERR_EE/CA_KEY_TOO_SMALL) and Go for an RSA key over 8192
 * bits (RFC 8446 §6.2: "a certificate was corrupt ... etc.").
 */
export function checkKeyStrength(cert: Certificate, minRsaBits: number = MIN_RSA_BITS): TLSError | null {
  const key = cert.publicKey;
  if (key === null || key.kind !== "rsa") return null;
  const who = describeCertificate(cert);
  if (key.e > BigInt(RSA_MAX_PUBLIC_EXPONENT) || (key.e & 1n) === 0n || key.e < 3n) {
    return certificateError("bad_certificate", `certificate ${who} has an RSA public exponent that is not odd, from 3 to 2^32 - 1`);
  }
  const bits = modulusBits(key);
  if (bits > RSA_MAX_MODULUS_BITS) {
    return certificateError("bad_certificate", `certificate ${who} has a ${bits}-bit RSA key; mutls verifies RSA keys of at most ${RSA_MAX_MODULUS_BITS} bits`);
  }
  if (bits >= minRsaBits) return null;
  return certificateError("bad_certificate", `certificate ${who} has a ${bits}-bit RSA key; mutls requires at least ${minRsaBits} bits (minRsaModulusBits)`);
}

/** RFC 5280 §4.2.1.12: anyExtendedKeyUsage or the purpose itself must be listed, if EKU is present. */
export function checkExtendedKeyUsage(cert: Certificate, purpose: Purpose, label?: string): TLSError | null {
  const eku = cert.extKeyUsage;
  if (eku === null || eku.includes(purpose) || eku.includes("anyExtendedKeyUsage")) return null;
  return certificateError("bad_certificate", `${label ?? `certificate ${describeCertificate(cert)}`}: EKU lacks ${purpose} (it allows ${eku.join(", ")})`);
}

/** Checks the end-entity certificate on its own: usable now, for this purpose, by TLS 1.3. */
export function checkLeaf(leaf: Certificate, now: Date, purpose: Purpose, keyUsage: LeafKeyUsage = ["digitalSignature"]): TLSError | null {
  const who = describeCertificate(leaf);
  const structural = checkCriticalExtensions(leaf) ?? checkValidity(leaf, now, roleOf(purpose));
  if (structural !== null) return structural;
  // TLS 1.3 authenticates with CertificateVerify, a signature (RFC 8446 §4.4.3), so a key
  // restricted by keyUsage must at least allow digitalSignature (RFC 5280 §4.2.1.3).
  const allowed = leaf.keyUsage;
  const missing = allowed === null ? undefined : keyUsage.find((bit) => !allowed[bit]);
  if (missing !== undefined) {
    const why = missing === "digitalSignature" ? ", which TLS 1.3 needs to authenticate" : "";
    return certificateError("bad_certificate", `keyUsage of ${who} lacks ${missing}${why}`);
  }
  // RFC 5280 §4.2.1.3: "If the keyCertSign bit is asserted, then the cA bit ... MUST also be asserted."
  if (leaf.keyUsage !== null && leaf.keyUsage.keyCertSign && leaf.basicConstraints?.ca !== true) {
    return certificateError("bad_certificate", `keyUsage of ${who} asserts keyCertSign, but basicConstraints does not make it a CA`);
  }
  const eku = checkExtendedKeyUsage(leaf, purpose, `${roleOf(purpose)} certificate ${who}`);
  if (eku !== null) return eku;
  if (leaf.publicKey === null) return unsupportedKey(leaf);
  return null;
}

function unsupportedKey(cert: Certificate): TLSError {
  const who = describeCertificate(cert);
  const message =
    cert.publicKeyAlgorithmOid === OID.ecPublicKey
      ? // The parser reads P-256 and P-384 points in the uncompressed form only (algorithms.ts): RFC 5480 §2.2 allows compressed ones.
        `certificate ${who} has an EC key mutls does not read: only P-256 and P-384, with the point uncompressed (0x04 || X || Y)`
      : `certificate ${who} has a ${algorithmName(cert.publicKeyAlgorithmOid)} key, which mutls does not support (use EC P-256/P-384, Ed25519 or RSA)`;
  return certificateError("unsupported_certificate", message);
}

/** RFC 5280 §6.1: subject and issuer are the same name (a root, or a CA's key rollover); such certificates do not count towards path lengths. */
export function isSelfIssued(cert: Certificate): boolean {
  return sameName(cert.subject, cert.issuer);
}

/**
 * Can `issuer` have issued `child`, given the certificates already below `child` in `path`
 * (path[0] is the leaf)? Covers names/keys identifiers, CA status, key usage, path length,
 * validity and critical extensions. The signature is checked separately (it costs the most).
 */
export function checkIssuer(
  issuer: Certificate,
  isAnchor: boolean,
  path: readonly Certificate[],
  now: Date,
  purpose: Purpose,
  minRsaBits: number = MIN_RSA_BITS,
): TLSError | null {
  const who = describeCertificate(issuer);
  const child = describeCertificate(path[path.length - 1]);
  const general = checkCriticalExtensions(issuer) ?? checkValidity(issuer, now) ?? checkKeyStrength(issuer, minRsaBits);
  if (general !== null) return general;
  // RFC 5280 §4.2.1.9: only a certificate asserting cA may sign certificates.
  if (issuer.basicConstraints === null || !issuer.basicConstraints.ca) {
    return certificateError("bad_certificate", `certificate ${who} issued ${child} but is not a CA (basicConstraints CA is not set)`);
  }
  // RFC 5280 §4.2.1.3: keyCertSign is required to verify signatures on certificates.
  if (issuer.keyUsage !== null && !issuer.keyUsage.keyCertSign) {
    return certificateError("bad_certificate", `certificate ${who} issued ${child} but its keyUsage lacks keyCertSign`);
  }
  // RFC 5280 §4.2.1.9: pathLenConstraint limits the non-self-issued intermediates below it.
  const pathLen = issuer.basicConstraints.pathLen;
  if (pathLen !== null) {
    const below = path.slice(1).filter((c) => !isSelfIssued(c)).length;
    if (below > pathLen) {
      return certificateError("bad_certificate", `certificate ${who} allows ${pathLen} intermediate CA(s) below it, but the chain has ${below}`);
    }
  }
  // An intermediate's EKU constrains what it may issue for, as OpenSSL, Go and browsers enforce;
  // a configured anchor is trusted as given.
  if (!isAnchor) {
    const eku = checkExtendedKeyUsage(issuer, purpose);
    if (eku !== null) return eku;
  }
  return null;
}

/** RFC 5280 §6.1.3 (a)(1): the child's signature must verify with the issuer's public key. */
export function checkSignature(child: Certificate, issuer: Certificate, provider: CryptoProvider, anchorVerifier?: AnchorVerifier | null): TLSError | null {
  const who = describeCertificate(child);
  if (child.signatureAlgorithm === null) {
    if (BROKEN_HASH_SIGNATURE_OIDS.has(child.signatureAlgorithmOid)) {
      // RFC 8446 §4.4.2.4: MD5 MUST, and SHA-1 SHOULD, be refused with bad_certificate.
      return certificateError("bad_certificate", `certificate ${who} is signed with ${algorithmName(child.signatureAlgorithmOid)}, a broken hash (RFC 8446 §4.4.2.4)`);
    }
    return certificateError(
      "unsupported_certificate",
      `certificate ${who} is signed with ${algorithmName(child.signatureAlgorithmOid)}, which mutls does not accept`,
    );
  }
  if (issuer.publicKey === null) return unsupportedKey(issuer);
  const valid = anchorVerifier
    ? anchorVerifier(child.signatureAlgorithm, child.tbs, child.signature)
    : provider.verify(child.signatureAlgorithm, issuer.publicKey, child.tbs, child.signature);
  if (!valid) {
    return certificateError("bad_certificate", `the signature on certificate ${who} does not verify with the key of its issuer ${describeCertificate(issuer)}`);
  }
  return null;
}
