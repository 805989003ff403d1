/**
 * PKCS#10 certificate signing requests (RFC 2986): the subject's name, public key and wanted
 * subjectAltNames, signed by the subject's own key, so a CA (ACME, step-ca, a cloud IoT service)
 * can issue a certificate while the private key stays where it was made.
 */
import type { CryptoProvider, PrivateKey } from "../crypto/provider.js";
import { pureProvider } from "../crypto/pure.js";
import { encodePem, isValidDnsName, parsePrivateKey } from "../x509/index.js";
import { OID } from "../x509/oids.js";
import * as a from "./asn1.js";
import { type SubjectNames, distinguishedName, extension, subjectAltName } from "./certificate-builder.js";
import { signingFor, subjectPublicKeyInfo } from "./keys.js";

/** PKCS#9 extensionRequest (RFC 2985 §5.4.2): the extensions the subject asks the CA to include. */
const EXTENSION_REQUEST = "1.2.840.113549.1.9.14";

export interface CertificateSigningRequestOptions {
  /** The subject's common name. */
  readonly name: string;
  /** The subject's private key (PEM or DER: PKCS#8, SEC1, PKCS#1; or parsed); it signs the request. */
  readonly privateKey: string | Uint8Array | PrivateKey;
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
  /** URIs, e.g. one SPIFFE ID. */
  readonly uri?: readonly string[];
  readonly email?: readonly string[];
  readonly provider?: CryptoProvider;
}

export interface CertificateSigningRequest {
  /** The CertificationRequest DER. */
  readonly der: Uint8Array;
  /** As PEM ("CERTIFICATE REQUEST", RFC 7468 §7). */
  readonly pem: string;
}

export function createCertificateSigningRequest(options: CertificateSigningRequestOptions): CertificateSigningRequest {
  const provider = options.provider ?? pureProvider;
  if (options.name === "") throw new TypeError("a certificate signing request needs a non-empty name");
  const key = typeof options.privateKey === "string" || options.privateKey instanceof Uint8Array ? parsePrivateKey(options.privateKey) : options.privateKey;
  const names: SubjectNames = { dns: options.dns ?? [], ip: options.ip ?? [], uri: options.uri ?? [], email: options.email ?? [] };
  for (const d of names.dns) if (!isValidDnsName(d, true)) throw new TypeError(`"${d}" is not a valid DNS name`);
  const anyName = names.dns.length + names.ip.length + names.uri.length + names.email.length > 0;
  // RFC 2986 §4.1: attributes [0] IMPLICIT SET OF Attribute; an empty set when no names are asked for.
  const attributes = anyName ? [a.seq(a.oid(EXTENSION_REQUEST), a.set(a.seq(extension(OID.subjectAltName, false, subjectAltName(names)))))] : [];
  const info = a.encode(a.seq(a.small(0), a.raw(distinguishedName(options.name)), a.raw(subjectPublicKeyInfo(key)), a.contextConstructed(0, ...attributes)));
  const signing = signingFor(key);
  const signature = provider.sign(signing.algorithm, key, info);
  const der = a.encode(a.seq(a.raw(info), signing.identifier(), a.bits(signature)));
  return { der, pem: encodePem("CERTIFICATE REQUEST", der) };
}
