/**
 * Certificate revocation lists supplied by the application (RFC 5280 §5). mutls never fetches
 * a CRL; it applies the ones it is given: a certificate on the path whose issuer signed a CRL
 * listing its serial is refused with certificate_revoked. A CRL that does not verify under the
 * issuer's key belongs to some other CA and is ignored, and so is a CRL whose scope
 * (issuingDistributionPoint) does not include the certificate. A CRL the issuer did sign but that
 * breaks the profile (no cRLNumber, a critical one) or that mutls cannot read fully (delta,
 * indirect, reason-partitioned) is an error rather than silently ignored, because ignoring it
 * could hide a revocation. Revocations apply whatever the CRL's nextUpdate: a stale list still
 * proves what it lists.
 */
import { bytesEqual, toHex, type TLSError } from "../bytes/index.js";
import type { CryptoProvider, SignatureAlgorithm } from "../crypto/provider.js";
import { parseAlgorithmIdentifier, signatureAlgorithmFrom } from "./algorithms.js";
import { describeCertificate, type Certificate } from "./certificate.js";
import { certificateError } from "./chain-checks.js";
import { Tag, expectChildren, expectSequence, expectUniversal, isContext, isUniversal, malformed, parseDer, type DerContext, type DerNode } from "./der.js";
import { checkIntegerContent, readBoolean, readOctetAlignedBits, readOid, readOctetString, readSmallInt, readTime } from "./der-values.js";
import { distributionPointUris } from "./extensions.js";
import { parseName, sameName, type DistinguishedName } from "./name.js";
import { OID } from "./oids.js";

export interface RevokedEntry {
  /** The serial's INTEGER contents octets, compared byte for byte with Certificate.serialBytes. */
  readonly serial: Uint8Array;
  readonly revocationDate: Date;
}

export interface CertificateRevocationList {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | null;
  readonly signatureAlgorithm: SignatureAlgorithm | null;
  readonly signatureAlgorithmOid: string;
  readonly signature: Uint8Array;
  readonly revoked: readonly RevokedEntry[];
  /** Which certificates the CRL covers (issuingDistributionPoint, RFC 5280 §5.2.5). */
  readonly scope: CrlScope;
  /** Why the CRL cannot be relied on, or null; reported only if its issuer really signed it. */
  readonly defect: string | null;
}

export interface CrlScope {
  /** The distribution point URIs the CRL is for; null when it covers every certificate of the issuer. */
  readonly distributionUris: readonly string[] | null;
  readonly userCertsOnly: boolean;
  readonly caCertsOnly: boolean;
}

const FULL_SCOPE: CrlScope = { distributionUris: null, userCertsOnly: false, caCertsOnly: false };

/** A [n] IMPLICIT BOOLEAN of IssuingDistributionPoint. */
function implicitBoolean(node: DerNode, field: string, ctx: DerContext): boolean {
  if (node.constructed || node.content.length !== 1 || (node.content[0] !== 0 && node.content[0] !== 0xff)) malformed(ctx, `${field} is not a DER BOOLEAN`);
  return node.content[0] === 0xff;
}

/**
 * IssuingDistributionPoint (RFC 5280 §5.2.5): mutls honours a distribution point given as URIs
 * and the user/CA-only scopes; reason partitions, indirect CRLs and attribute-certificate CRLs
 * make the CRL unusable (a defect), since applying them partially could miss a revocation.
 */
function parseIssuingDistributionPoint(value: Uint8Array, ctx: DerContext): { scope: CrlScope; defect: string | null } {
  const seq = expectSequence(parseDer(value, ctx), "issuingDistributionPoint", ctx);
  let distributionUris: string[] | null = null;
  let userCertsOnly = false;
  let caCertsOnly = false;
  let defect: string | null = null;
  for (const field of seq.children) {
    if (field.tagClass !== "context") malformed(ctx, "issuingDistributionPoint has an unknown field");
    if (field.tag === 0) {
      distributionUris = distributionPointUris(field, ctx);
      if (distributionUris.length === 0) defect ??= "its issuingDistributionPoint names no URI, which mutls cannot match";
    } else if (field.tag === 1) userCertsOnly = implicitBoolean(field, "onlyContainsUserCerts", ctx);
    else if (field.tag === 2) caCertsOnly = implicitBoolean(field, "onlyContainsCACerts", ctx);
    else if (field.tag === 3) defect ??= "it covers only some revocation reasons, which mutls does not support";
    else if (field.tag === 4 && implicitBoolean(field, "indirectCRL", ctx)) defect ??= "it is an indirect CRL, which mutls does not support";
    else if (field.tag === 5 && implicitBoolean(field, "onlyContainsAttributeCerts", ctx)) defect ??= "it covers attribute certificates only";
  }
  return { scope: { distributionUris, userCertsOnly, caCertsOnly }, defect };
}

interface ExtensionInfo {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

function readExtensions(node: DerNode, ctx: DerContext): ExtensionInfo[] {
  const list = expectSequence(node, "extensions", ctx);
  const seen = new Set<string>();
  return list.children.map((ext) => {
    const fields = expectChildren(expectSequence(ext, "extension", ctx), 2, 3, "extension", ctx);
    const oid = readOid(fields[0], "extension extnID", ctx);
    if (seen.has(oid)) malformed(ctx, `extension ${oid} appears more than once`);
    seen.add(oid);
    const critical = fields.length === 3 ? readBoolean(fields[1], "extension critical", ctx) : false;
    return { oid, critical, value: readOctetString(fields[fields.length - 1], "extension extnValue", ctx) };
  });
}

/** RFC 5280 §5.2: which CRL extensions make the list unusable to mutls. */
function crlDefect(extensions: readonly ExtensionInfo[]): string | null {
  const number = extensions.find((e) => e.oid === OID.cRLNumber);
  // §5.2.3: "conforming CRL issuers MUST include this extension in all CRLs" and "MUST mark this extension as non-critical".
  if (number === undefined) return "it has no cRLNumber extension (RFC 5280 §5.2.3)";
  if (number.critical) return "its cRLNumber extension is marked critical (RFC 5280 §5.2.3)";
  if (extensions.some((e) => e.oid === OID.deltaCRLIndicator)) return "it is a delta CRL, which mutls does not support";
  const understood: string[] = [OID.cRLNumber, OID.authorityKeyIdentifier, OID.issuingDistributionPoint];
  const unknown = extensions.find((e) => e.critical && !understood.includes(e.oid));
  return unknown === undefined ? null : `it has critical extension ${unknown.oid}, which mutls does not support`;
}

function parseRevoked(node: DerNode | undefined, ctx: DerContext): { entries: RevokedEntry[]; defect: string | null } {
  const entries: RevokedEntry[] = [];
  let defect: string | null = null;
  if (node === undefined) return { entries, defect };
  for (const entry of expectSequence(node, "revokedCertificates", ctx).children) {
    const fields = expectChildren(expectSequence(entry, "revoked certificate", ctx), 2, 3, "revoked certificate", ctx);
    const serial = expectUniversal(fields[0], Tag.INTEGER, "userCertificate", ctx);
    checkIntegerContent(serial.content, "userCertificate", ctx);
    const revocationDate = readTime(fields[1], "revocationDate", ctx);
    if (fields[2] !== undefined) {
      for (const ext of readExtensions(fields[2], ctx)) {
        // §5.3.3: certificateIssuer makes the CRL indirect; the entry may not be about this issuer's certificates.
        if (ext.oid === OID.certificateIssuer) defect ??= "it is an indirect CRL (certificateIssuer entries), which mutls does not support";
        else if (ext.critical && ext.oid !== OID.reasonCode && ext.oid !== OID.invalidityDate) defect ??= `an entry has critical extension ${ext.oid}, which mutls does not support`;
      }
    }
    entries.push({ serial: serial.content, revocationDate });
  }
  return { entries, defect };
}

/** Parses a DER CRL. Throws a TLSError (`bad_certificate`) if it is malformed. */
export function parseCertificateRevocationList(input: Uint8Array): CertificateRevocationList {
  const der = input.slice();
  const ctx: DerContext = { alert: "bad_certificate", what: "CRL" };
  const [tbsNode, outerAlgNode, signatureNode] = expectChildren(expectSequence(parseDer(der, ctx), "CertificateList", ctx), 3, 3, "CertificateList", ctx);
  const fields = expectSequence(tbsNode, "tbsCertList", ctx).children;
  let i = 0;
  let version = 1;
  if (isUniversal(fields[i], Tag.INTEGER)) version = readSmallInt(fields[i++], "version", ctx) + 1;
  if (version > 2) malformed(ctx, `version ${version} is not defined`);
  const innerAlg = parseAlgorithmIdentifier(fields[i++], "signature", ctx);
  const issuer = parseName(fields[i++], "issuer", ctx);
  const thisUpdate = readTime(fields[i++], "thisUpdate", ctx);
  let nextUpdate: Date | null = null;
  if (isUniversal(fields[i], Tag.UTC_TIME) || isUniversal(fields[i], Tag.GENERALIZED_TIME)) nextUpdate = readTime(fields[i++], "nextUpdate", ctx);
  const revoked = isUniversal(fields[i], Tag.SEQUENCE) ? parseRevoked(fields[i++], ctx) : { entries: [], defect: null };
  let extensions: ExtensionInfo[] = [];
  if (isContext(fields[i], 0)) {
    if (version !== 2) malformed(ctx, "a v1 CRL has extensions");
    extensions = readExtensions(expectChildren(fields[i++], 1, 1, "crlExtensions", ctx)[0], ctx);
  }
  if (i !== fields.length) malformed(ctx, "tbsCertList has unexpected trailing fields");
  const idp = extensions.find((e) => e.oid === OID.issuingDistributionPoint);
  const { scope, defect: scopeDefect } = idp === undefined ? { scope: FULL_SCOPE, defect: null } : parseIssuingDistributionPoint(idp.value, ctx);
  const outerAlg = parseAlgorithmIdentifier(outerAlgNode, "signatureAlgorithm", ctx);
  if (!bytesEqual(outerAlg.der, innerAlg.der)) malformed(ctx, "the inner and outer signature algorithms differ");
  return Object.freeze({
    der,
    tbs: tbsNode.raw,
    issuer,
    thisUpdate,
    nextUpdate,
    signatureAlgorithm: signatureAlgorithmFrom(outerAlg, ctx),
    signatureAlgorithmOid: outerAlg.oid,
    signature: readOctetAlignedBits(signatureNode, "signatureValue", ctx),
    revoked: Object.freeze(revoked.entries),
    scope,
    defect: crlDefect(extensions) ?? scopeDefect ?? revoked.defect,
  });
}

/** RFC 5280 §6.3.3 (b): whether a CRL's scope includes `cert` at all. */
function covers(scope: CrlScope, cert: Certificate): boolean {
  const isCa = cert.basicConstraints?.ca === true;
  if ((scope.userCertsOnly && isCa) || (scope.caCertsOnly && !isCa)) return false;
  const uris = scope.distributionUris;
  return uris === null || cert.crlDistributionUris.some((u) => uris.includes(u));
}

/**
 * RFC 5280 §6.3: checks `cert` against every supplied CRL its `issuer` signed. Returns the
 * TLSError to raise (certificate_revoked, or bad_certificate for an unusable CRL), or null.
 */
export function checkRevocation(
  cert: Certificate,
  issuer: Certificate,
  crls: readonly CertificateRevocationList[],
  provider: CryptoProvider,
): TLSError | null {
  for (const crl of crls) {
    if (!sameName(crl.issuer, cert.issuer) || !covers(crl.scope, cert)) continue;
    if (crl.signatureAlgorithm === null || issuer.publicKey === null) continue;
    // A CRL that does not verify under this issuer's key was made by another CA of the same name.
    if (!provider.verify(crl.signatureAlgorithm, issuer.publicKey, crl.tbs, crl.signature)) continue;
    const who = describeCertificate(issuer);
    // §6.3.3 (f): "If a key usage extension is present in the CRL issuer's certificate, verify that the cRLSign bit is set."
    if (issuer.keyUsage !== null && !issuer.keyUsage.cRLSign) {
      return certificateError("bad_certificate", `a CRL from ${who} cannot be used: its keyUsage lacks cRLSign`);
    }
    if (crl.defect !== null) return certificateError("bad_certificate", `a CRL from ${who} cannot be used: ${crl.defect}`);
    const entry = crl.revoked.find((r) => bytesEqual(r.serial, cert.serialBytes));
    if (entry !== undefined) {
      return certificateError(
        "certificate_revoked",
        `certificate ${describeCertificate(cert)} (serial ${toHex(cert.serialBytes)}) was revoked by ${who} on ${entry.revocationDate.toISOString().slice(0, 10)}`,
      );
    }
  }
  return null;
}

/**
 * CRL checking as a module for the engine's `crlChecking` option: what reads the configured
 * `crls` and checks a path against them. The `mutls` entry passes it by default; with
 * `mutls/core` a configuration that names `crls` passes it too, and one without CRLs leaves it
 * out, so a bundle does not carry CRL parsing and checking it never uses.
 */
export interface CrlChecking {
  readonly parse: (der: Uint8Array) => CertificateRevocationList;
  readonly check: typeof checkRevocation;
}

export const crlChecking: CrlChecking = { parse: parseCertificateRevocationList, check: checkRevocation };
