/**
 * A development certificate authority: make a root CA, then issue server and client
 * certificates under it, as PEM an application (or `mutls cert`) writes to files. Runtime-neutral:
 * randomness and signing come from the crypto provider.
 */
import type { CryptoProvider, PrivateKey } from "../crypto/provider.js";
import { pureProvider } from "../crypto/pure.js";
import { encodePem, isValidDnsName, parseCertificate, parsePrivateKey, pemCertificates, privateKeyMatchesCertificate, type Certificate } from "../x509/index.js";
import { buildCertificate, type SubjectNames } from "./certificate-builder.js";
import { type KeyType, generatePrivateKey, pkcs8, subjectPublicKeyInfo } from "./keys.js";

const DAY_MS = 86_400_000;
/** Backdating absorbs clock skew between the machine that issues and the one that verifies. */
const BACKDATE_MS = 5 * 60_000;

export interface CertificateAuthority {
  readonly certificate: Certificate;
  readonly privateKey: PrivateKey;
  /** The CA certificate as PEM (ca.pem). */
  readonly certificatePem: string;
  /** The CA key as PKCS#8 PEM (ca.key). */
  readonly privateKeyPem: string;
}

export interface CreateAuthorityOptions {
  /** The CA's common name (default "mutls development CA"). */
  readonly name?: string;
  readonly keyType?: KeyType;
  /** Validity in days (default 3650). */
  readonly days?: number;
  readonly provider?: CryptoProvider;
  /** The issuing clock (default now). */
  readonly now?: Date;
}

export interface IssueOptions {
  /** The subject common name; also a DNS SAN when no other name is given and it is a host name. */
  readonly name: string;
  /** Allow TLS server authentication (EKU serverAuth). */
  readonly server?: boolean;
  /** Allow TLS client authentication (EKU clientAuth). With neither flag, both are allowed. */
  readonly client?: boolean;
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
  /** URIs, e.g. one SPIFFE ID ("spiffe://example.org/ns/payments/sa/api"). */
  readonly uri?: readonly string[];
  readonly email?: readonly string[];
  /** Validity in days (default 365). */
  readonly days?: number;
  readonly keyType?: KeyType;
  readonly provider?: CryptoProvider;
  readonly now?: Date;
}

export interface IssuedCertificate {
  readonly certificate: Certificate;
  readonly privateKey: PrivateKey;
  /** The leaf then the CA certificate, as PEM (NAME.pem). */
  readonly certificateChainPem: string;
  /** PKCS#8 PEM (NAME.key). */
  readonly privateKeyPem: string;
}

function checkDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > 36500) throw new TypeError(`days must be a whole number from 1 to 36500, not ${days}`);
  return days;
}

export function createCertificateAuthority(options: CreateAuthorityOptions = {}): CertificateAuthority {
  const provider = options.provider ?? pureProvider;
  const now = options.now ?? new Date();
  const name = options.name ?? "mutls development CA";
  if (name === "") throw new TypeError("a CA needs a non-empty name (RFC 5280 §4.1.2.6)");
  const privateKey = generatePrivateKey(options.keyType ?? "p256", provider);
  const der = buildCertificate(
    {
      commonName: name,
      subjectPublicKeyInfo: subjectPublicKeyInfo(privateKey),
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + checkDays(options.days ?? 3650) * DAY_MS),
      ca: true,
      purposes: [],
      names: { dns: [], ip: [], uri: [], email: [] },
    },
    privateKey,
    provider,
  );
  return {
    certificate: parseCertificate(der),
    privateKey,
    certificatePem: encodePem("CERTIFICATE", der),
    privateKeyPem: encodePem("PRIVATE KEY", pkcs8(privateKey)),
  };
}

/** Reads a CA back from its PEM files, checking that the key belongs to the certificate. */
export function loadCertificateAuthority(certificatePem: string, privateKeyPem: string): CertificateAuthority {
  const ders = pemCertificates(certificatePem);
  if (ders.length === 0) throw new TypeError("the CA certificate file holds no CERTIFICATE block");
  const certificate = parseCertificate(ders[0]);
  if (certificate.basicConstraints?.ca !== true) throw new TypeError(`certificate ${certificate.subject.text} is not a CA`);
  const privateKey = parsePrivateKey(privateKeyPem);
  if (!privateKeyMatchesCertificate(privateKey, certificate)) throw new TypeError("the CA key does not match the CA certificate");
  return { certificate, privateKey, certificatePem: encodePem("CERTIFICATE", certificate.der), privateKeyPem };
}

export function issueCertificate(ca: CertificateAuthority, options: IssueOptions): IssuedCertificate {
  const provider = options.provider ?? pureProvider;
  const now = options.now ?? new Date();
  if (options.name === "") throw new TypeError("a certificate needs a non-empty name");
  const names: SubjectNames = {
    dns: options.dns ?? [],
    ip: options.ip ?? [],
    uri: options.uri ?? [],
    email: options.email ?? [],
  };
  for (const d of names.dns) if (!isValidDnsName(d, true)) throw new TypeError(`"${d}" is not a valid DNS name`);
  const anyName = names.dns.length + names.ip.length + names.uri.length + names.email.length > 0;
  // A server certificate is matched by SAN only (no CN fallback), so give a host-like name a DNS SAN.
  const withDefault = !anyName && isValidDnsName(options.name, true) ? { ...names, dns: [options.name] } : names;
  const both = !options.server && !options.client;
  const purposes = [...(options.server || both ? ["serverAuth" as const] : []), ...(options.client || both ? ["clientAuth" as const] : [])];
  const privateKey = generatePrivateKey(options.keyType ?? "p256", provider);
  const notAfter = Math.min(now.getTime() + checkDays(options.days ?? 365) * DAY_MS, ca.certificate.notAfter.getTime());
  const der = buildCertificate(
    {
      commonName: options.name,
      issuerName: ca.certificate.subject.der,
      subjectPublicKeyInfo: subjectPublicKeyInfo(privateKey),
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(notAfter),
      ca: false,
      purposes,
      names: withDefault,
      authorityKeyId: ca.certificate.subjectKeyId ?? undefined,
    },
    ca.privateKey,
    provider,
  );
  return {
    certificate: parseCertificate(der),
    privateKey,
    certificateChainPem: encodePem("CERTIFICATE", der) + encodePem("CERTIFICATE", ca.certificate.der),
    privateKeyPem: encodePem("PRIVATE KEY", pkcs8(privateKey)),
  };
}
