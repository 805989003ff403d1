/**
 * An X.509 v3 certificate (RFC 5280 §4.1) as an immutable, typed view over its DER. Parsing
 * checks structure only; trust decisions live in ./verify.ts.
 */
import { bytesEqual, toHex } from "../bytes/index.js";
import type { PublicKey, SignatureAlgorithm } from "../crypto/provider.js";
import { parseAlgorithmIdentifier, parseSubjectPublicKeyInfo, signatureAlgorithmFrom } from "./algorithms.js";
import { Tag, expectChildren, expectSequence, expectUniversal, isContext, malformed, parseDer, type DerContext, type DerNode } from "./der.js";
import { checkIntegerContent, readOctetAlignedBits, readSmallInt, readTime } from "./der-values.js";
import { parseExtensions, type AuthorityKeyIdentifier, type BasicConstraints, type KeyUsage, type SubjectAltName } from "./extensions.js";
import { parseName, type DistinguishedName } from "./name.js";
import { type NameConstraints, type NameConstraintsReader, parseNameConstraints } from "./name-constraints.js";

export interface Certificate {
  /** The whole certificate (a private copy of the input). */
  readonly der: Uint8Array;
  /** The exact TBSCertificate bytes the signature covers (RFC 5280 §4.1.1.3). */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /** Lower-case hex of the serial's magnitude, as `openssl x509 -serial` shows it; "-" if negative. */
  readonly serialNumber: string;
  /** The serial's INTEGER contents octets as encoded (for CRL lookups and RFC 5280 §4.1.2.2 checks). */
  readonly serialBytes: Uint8Array;
  readonly signatureAlgorithmOid: string;
  /** null when mutls does not accept the algorithm (SHA-1, DSA, ...). */
  readonly signatureAlgorithm: SignatureAlgorithm | null;
  readonly signature: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
  readonly publicKeyAlgorithmOid: string;
  /** null when the key type or curve is not supported. */
  readonly publicKey: PublicKey | null;
  readonly basicConstraints: BasicConstraints | null;
  readonly keyUsage: KeyUsage | null;
  readonly extKeyUsage: readonly string[] | null;
  readonly subjectAltName: SubjectAltName | null;
  readonly subjectKeyId: Uint8Array | null;
  readonly authorityKeyId: Uint8Array | null;
  readonly authorityKeyIdentifier: AuthorityKeyIdentifier | null;
  readonly nameConstraints: NameConstraints | null;
  /** URIs where the issuer publishes CRLs covering this certificate (cRLDistributionPoints). */
  readonly crlDistributionUris: readonly string[];
  /** OIDs of the extensions marked critical. */
  readonly criticalExtensions: readonly string[];
  /** Critical extensions mutls does not understand; the verifier refuses such certificates. */
  readonly unrecognizedCriticalExtensions: readonly string[];
  readonly extensionOids: readonly string[];
}

function serialText(content: Uint8Array): string {
  if ((content[0] & 0x80) === 0) {
    const magnitude = content[0] === 0 && content.length > 1 ? content.subarray(1) : content;
    return toHex(magnitude);
  }
  // Negative serials violate RFC 5280 §4.1.2.2 but exist; show them as OpenSSL does.
  let v = BigInt("0x" + toHex(content)) - (1n << BigInt(content.length * 8));
  v = -v;
  const hex = v.toString(16);
  return "-" + (hex.length % 2 === 1 ? "0" + hex : hex);
}

/** Parses a DER certificate. Throws `bad_certificate` (a TLSError) if it is malformed. */
export function parseCertificate(input: Uint8Array): Certificate {
  return parseCertificateWith(input, parseNameConstraints);
}

/**
 * parseCertificate with the nameConstraints extension read by `readNameConstraints`, or, when it
 * is null, only marked present (`nameConstraints.unparsed`): the engine reads certificates so
 * with its configuration's `nameConstraintChecking` module, which carries the parser.
 */
export function parseCertificateWith(input: Uint8Array, readNameConstraints: NameConstraintsReader): Certificate {
  const der = input.slice();
  const ctx: DerContext = { alert: "bad_certificate", what: "certificate" };
  // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const [tbsNode, outerAlgNode, signatureNode] = expectChildren(
    expectSequence(parseDer(der, ctx), "Certificate", ctx),
    3,
    3,
    "Certificate",
    ctx,
  );
  const tbsFields = expectSequence(tbsNode, "tbsCertificate", ctx).children;
  let i = 0;
  let version = 1;
  // §4.1.2.1: version [0] EXPLICIT Version DEFAULT v1.
  if (isContext(tbsFields[0], 0)) {
    const [v] = expectChildren(tbsFields[i++], 1, 1, "version", ctx);
    version = readSmallInt(v, "version", ctx) + 1;
    if (version > 3) malformed(ctx, `version ${version} is not defined`);
  }
  const serialNode = expectUniversal(tbsFields[i++], Tag.INTEGER, "serialNumber", ctx);
  checkIntegerContent(serialNode.content, "serialNumber", ctx);
  const innerAlg = parseAlgorithmIdentifier(tbsFields[i++], "signature", ctx);
  const issuer = parseName(tbsFields[i++], "issuer", ctx);
  const [notBeforeNode, notAfterNode] = expectChildren(expectSequence(tbsFields[i++], "validity", ctx), 2, 2, "validity", ctx);
  const notBefore = readTime(notBeforeNode, "notBefore", ctx);
  const notAfter = readTime(notAfterNode, "notAfter", ctx);
  const subject = parseName(tbsFields[i++], "subject", ctx);
  const spki = parseSubjectPublicKeyInfo(tbsFields[i++], ctx);
  // §4.1.2.8: issuerUniqueID [1] and subjectUniqueID [2] (v2 and v3 only) are skipped.
  for (const tag of [1, 2]) {
    if (isContext(tbsFields[i], tag)) {
      if (version < 2) malformed(ctx, "a v1 certificate has a unique identifier");
      i++;
    }
  }
  let extensionsNode: DerNode | undefined;
  if (isContext(tbsFields[i], 3)) {
    // §4.1.2.9: extensions appear only in v3 certificates.
    if (version !== 3) malformed(ctx, `a v${version} certificate has extensions (only v3 may)`);
    extensionsNode = expectChildren(tbsFields[i++], 1, 1, "extensions", ctx)[0];
  }
  if (i !== tbsFields.length) malformed(ctx, "tbsCertificate has unexpected trailing fields");
  const extensions = parseExtensions(extensionsNode, ctx, readNameConstraints);

  const outerAlg = parseAlgorithmIdentifier(outerAlgNode, "signatureAlgorithm", ctx);
  // §4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the signature field".
  if (!bytesEqual(outerAlg.der, innerAlg.der)) malformed(ctx, "the inner and outer signature algorithms differ");
  const signature = readOctetAlignedBits(signatureNode, "signatureValue", ctx);

  return Object.freeze({
    der,
    tbs: tbsNode.raw,
    version,
    serialNumber: serialText(serialNode.content),
    serialBytes: serialNode.content,
    signatureAlgorithmOid: outerAlg.oid,
    signatureAlgorithm: signatureAlgorithmFrom(outerAlg, ctx),
    signature,
    issuer,
    subject,
    notBefore,
    notAfter,
    spki: spki.der,
    publicKeyAlgorithmOid: spki.algorithm.oid,
    publicKey: spki.publicKey,
    basicConstraints: extensions.basicConstraints,
    keyUsage: extensions.keyUsage,
    extKeyUsage: extensions.extKeyUsage,
    subjectAltName: extensions.subjectAltName,
    subjectKeyId: extensions.subjectKeyId,
    authorityKeyId: extensions.authorityKeyId,
    authorityKeyIdentifier: extensions.authorityKeyIdentifier,
    nameConstraints: extensions.nameConstraints,
    crlDistributionUris: extensions.crlDistributionUris,
    criticalExtensions: extensions.criticalExtensions,
    unrecognizedCriticalExtensions: extensions.unrecognizedCriticalExtensions,
    extensionOids: extensions.extensionOids,
  });
}

/** A certificate's subject for messages: its DN text, or "(empty subject)". */
export function describeCertificate(cert: Certificate): string {
  return displayName(cert.subject.text, "(empty subject)");
}

/** Longest name quoted in an error message. */
const MAX_DISPLAYED_NAME = 256;

/**
 * A name as error messages quote it: a peer's names may fill a 64 KB message, and a refusal that
 * quotes them whole would hand kilobytes to every log line and alert handler.
 */
export function displayName(text: string, empty = "(empty name)"): string {
  if (text === "") return empty;
  if (text.length <= MAX_DISPLAYED_NAME) return text;
  return `${text.slice(0, MAX_DISPLAYED_NAME)}... (${text.length} characters)`;
}
