/**
 * The "webpki" certificate profile: the CA/Browser Forum Baseline Requirements that public web PKI
 * certificates follow, on top of RFC 5280's rules (profile-checks.ts). A module for the engine's
 * `webPkiProfile` option, so that a bundle of a private-PKI client (the default "rfc5280"
 * profile) does not carry them; the `mutls` entry supplies it to every configuration.
 */
import { bytesEqual, type TLSError } from "../bytes/index.js";
import { describeCertificate, type Certificate } from "./certificate.js";
import { certificateError, isSelfIssued, type Purpose } from "./chain-checks.js";
import { formatIpAddress, parseIpAddress } from "./ip-address.js";
import { OID } from "./oids.js";
import { type PathPosition, type WebPkiCheck, bad, isCritical } from "./profile-checks.js";

/** CA/B BR §7.1.4.3: a subject commonName must be, character for character, one of the SAN values. */
function checkCommonNameInSan(cert: Certificate): TLSError | null {
  const san = cert.subjectAltName;
  for (const cn of cert.subject.commonNames) {
    const ip = parseIpAddress(cn);
    const listed = ip !== null ? san?.ip.includes(cn) === true && formatIpAddress(ip) === cn : san?.dns.includes(cn) === true;
    if (!listed) return bad(cert, `has commonName "${cn}", which is not one of its subjectAltName values (CA/B BR §7.1.4.3)`);
  }
  return null;
}

function checkWebPki(cert: Certificate, position: PathPosition, purpose: Purpose): TLSError | null {
  const key = cert.publicKey;
  // CA/B BR §6.1.5: RSA moduli are a multiple of 8 bits.
  if (key?.kind === "rsa" && key.n.toString(2).length % 8 !== 0) {
    return certificateError(
      "unsupported_certificate",
      `certificate ${describeCertificate(cert)} has a ${key.n.toString(2).length}-bit RSA key, which is not a multiple of 8 bits (CA/B BR §6.1.5)`,
    );
  }
  // CA/B BR §7.1.2.7.12 (and RFC 5280 §4.2.1.6): critical only when the subject is empty.
  if (cert.subject.rdns.length > 0 && isCritical(cert, OID.subjectAltName)) return bad(cert, "marks subjectAltName critical although its subject is not empty");
  const aki = cert.authorityKeyIdentifier;
  // CA/B BR §7.1.2.1.3: a root's AKI, if present, carries only keyIdentifier, equal to its SKI.
  if (isSelfIssued(cert) && aki !== null) {
    if (aki.keyId === null || aki.hasIssuer || aki.hasSerial)
      return bad(cert, "is self-issued and has an authorityKeyIdentifier other than a bare keyIdentifier");
    if (cert.subjectKeyId !== null && !bytesEqual(aki.keyId, cert.subjectKeyId))
      return bad(cert, "is self-issued and its authorityKeyIdentifier differs from its subjectKeyIdentifier");
  }
  if (position === "anchor" && cert.extKeyUsage !== null && isSelfIssued(cert))
    return bad(cert, "is a root CA with an extKeyUsage extension (CA/B BR §7.1.2.1.2)");
  if (position === "leaf" && purpose === "serverAuth") {
    // CA/B BR §7.1.2.7.6 and §7.1.2.7.10: a present, non-critical EKU without anyExtendedKeyUsage.
    if (cert.extKeyUsage === null) return bad(cert, "has no extKeyUsage extension (CA/B BR §7.1.2.7.6)");
    if (isCritical(cert, OID.extKeyUsage)) return bad(cert, "marks extKeyUsage critical (CA/B BR §7.1.2.7.6)");
    if (cert.extKeyUsage.includes("anyExtendedKeyUsage")) return bad(cert, "lists anyExtendedKeyUsage (CA/B BR §7.1.2.7.10)");
    const cn = checkCommonNameInSan(cert);
    if (cn !== null) return cn;
  }
  // CA/B BR §7.1.2.7.8: a subscriber certificate has cA FALSE; a CA-flagged leaf must at least be able to sign certificates.
  if (position === "leaf" && cert.basicConstraints?.ca === true && cert.keyUsage !== null && !cert.keyUsage.keyCertSign) {
    return bad(cert, "asserts cA in basicConstraints but its keyUsage lacks keyCertSign");
  }
  return null;
}

/** The webpki profile as a module: `certificateProfile: "webpki"` needs it. */
export interface WebPkiProfile {
  readonly check: WebPkiCheck;
}

export const webPkiProfile: WebPkiProfile = { check: checkWebPki };
