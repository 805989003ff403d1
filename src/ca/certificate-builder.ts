/**
 * Builds and signs X.509 v3 certificates (RFC 5280 §4.1) with the profile mutls itself checks:
 * a positive random serial of 16 octets, UTF8String common name, subjectKeyIdentifier and
 * authorityKeyIdentifier, critical basicConstraints and keyUsage, SANs for identities.
 */
import type { CryptoProvider, PrivateKey } from "../crypto/provider.js";
import { parseIpAddress } from "../x509/ip-address.js";
import { OID } from "../x509/oids.js";
import * as a from "./asn1.js";
import { signingFor } from "./keys.js";

const EKU = { serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2" };
/** RFC 5280 §4.2.1.3 bit numbers. */
const KU = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };

export interface SubjectNames {
  readonly dns: readonly string[];
  readonly ip: readonly string[];
  readonly uri: readonly string[];
  readonly email: readonly string[];
}

export interface CertificateTemplate {
  readonly commonName: string;
  /** The issuer's Name DER; omitted for a self-signed CA. */
  readonly issuerName?: Uint8Array;
  readonly subjectPublicKeyInfo: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly ca: boolean;
  readonly purposes: readonly ("serverAuth" | "clientAuth")[];
  readonly names: SubjectNames;
  /** The issuer's subjectKeyIdentifier; omitted for a self-signed CA (its own is used). */
  readonly authorityKeyId?: Uint8Array;
}

export function distinguishedName(commonName: string): Uint8Array {
  return a.encode(a.seq(a.set(a.seq(a.oid("2.5.4.3"), a.utf8(commonName)))));
}

/** SHA-256 of the SubjectPublicKeyInfo truncated to 160 bits (RFC 7093 §2's methods, over the whole SPKI). */
export function keyIdentifier(spki: Uint8Array, provider: CryptoProvider): Uint8Array {
  return provider.hash("SHA-256", spki).subarray(0, 20);
}

export function extension(id: string, critical: boolean, value: a.Asn): a.Asn {
  return critical ? a.seq(a.oid(id), a.bool(true), a.octets(a.encode(value))) : a.seq(a.oid(id), a.octets(a.encode(value)));
}

export function subjectAltName(names: SubjectNames): a.Asn {
  const entries: a.Asn[] = [
    ...names.email.map((e) => a.contextPrimitive(1, a.ascii(e))),
    ...names.dns.map((d) => a.contextPrimitive(2, a.ascii(d))),
    ...names.uri.map((u) => a.contextPrimitive(6, a.ascii(u))),
    ...names.ip.map((ip) => {
      const bytes = parseIpAddress(ip);
      if (bytes === null) throw new TypeError(`"${ip}" is not an IPv4 or IPv6 address`);
      return a.contextPrimitive(7, bytes);
    }),
  ];
  return a.seq(...entries);
}

/** A random positive serial of 16 octets (CA/B BR §7.1: at least 64 bits from a CSPRNG). */
function randomSerial(provider: CryptoProvider): Uint8Array {
  const serial = provider.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  return serial;
}

/** Encodes the TBSCertificate, signs it with `issuerKey`, and returns the certificate DER. */
export function buildCertificate(template: CertificateTemplate, issuerKey: PrivateKey, provider: CryptoProvider): Uint8Array {
  const signing = signingFor(issuerKey);
  const subject = distinguishedName(template.commonName);
  const ski = keyIdentifier(template.subjectPublicKeyInfo, provider);
  const keyUsage = template.ca ? [KU.keyCertSign, KU.cRLSign] : [KU.digitalSignature];
  const extensions: a.Asn[] = [
    extension(OID.basicConstraints, true, template.ca ? a.seq(a.bool(true)) : a.seq()),
    extension(OID.keyUsage, true, a.namedBits(keyUsage)),
  ];
  if (template.purposes.length > 0) extensions.push(extension(OID.extKeyUsage, false, a.seq(...template.purposes.map((p) => a.oid(EKU[p])))));
  const { dns, ip, uri, email } = template.names;
  if (dns.length + ip.length + uri.length + email.length > 0) extensions.push(extension(OID.subjectAltName, false, subjectAltName(template.names)));
  extensions.push(extension(OID.subjectKeyIdentifier, false, a.octets(ski)));
  extensions.push(extension(OID.authorityKeyIdentifier, false, a.seq(a.contextPrimitive(0, template.authorityKeyId ?? ski))));
  const tbs = a.encode(
    a.seq(
      a.contextConstructed(0, a.small(2)),
      a.unsigned(randomSerial(provider)),
      signing.identifier(),
      a.raw(template.issuerName ?? subject),
      a.seq(a.time(template.notBefore), a.time(template.notAfter)),
      a.raw(subject),
      a.raw(template.subjectPublicKeyInfo),
      a.contextConstructed(3, a.seq(...extensions)),
    ),
  );
  const signature = provider.sign(signing.algorithm, issuerKey, tbs);
  return a.encode(a.seq(a.raw(tbs), signing.identifier(), a.bits(signature)));
}
