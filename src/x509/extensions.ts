/**
 * The certificate extensions mutls acts on (RFC 5280 §4.2.1). Every other extension is kept only
 * by OID; a critical one we do not understand makes the certificate unusable (§4.2: "A
 * certificate-using system MUST reject the certificate if it encounters a critical extension it
 * does not recognize"), which the verifier enforces.
 */
import { Tag, expectChildren, expectSequence, isContext, isUniversal, malformed, parseDer, type DerContext, type DerNode } from "./der.js";
import { readBitString, readBoolean, readOctetString, readOid, readSmallInt } from "./der-values.js";
import { parseGeneralName } from "./general-name.js";
import { formatIpAddress } from "./ip-address.js";
import type { DistinguishedName } from "./name.js";
import type { NameConstraints, NameConstraintsReader } from "./name-constraints.js";
import { KEY_PURPOSE_NAMES, OID } from "./oids.js";

export interface BasicConstraints {
  readonly ca: boolean;
  /** pathLenConstraint, or null when unlimited. */
  readonly pathLen: number | null;
}

/** RFC 5280 §4.2.1.3 KeyUsage bits, by name. */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly contentCommitment: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
  readonly encipherOnly: boolean;
  readonly decipherOnly: boolean;
}

const KEY_USAGE_BITS: readonly (keyof KeyUsage)[] = [
  "digitalSignature",
  "contentCommitment",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

/** The GeneralName forms identities are built from (RFC 5280 §4.2.1.6). */
export interface SubjectAltName {
  readonly dns: readonly string[];
  /** Canonical text: dotted IPv4, RFC 5952 IPv6. */
  readonly ip: readonly string[];
  readonly uri: readonly string[];
  readonly email: readonly string[];
  /** The iPAddress entries as bytes, in the order of `ip` (for name constraints). */
  readonly ipBytes: readonly Uint8Array[];
  readonly directoryNames: readonly DistinguishedName[];
  /** Tags of the other GeneralName forms present (0 otherName, 3 x400Address, 5 ediPartyName, 8 registeredID). */
  readonly otherForms: readonly number[];
}

/** AuthorityKeyIdentifier (RFC 5280 §4.2.1.1): which of its three fields are present. */
export interface AuthorityKeyIdentifier {
  readonly keyId: Uint8Array | null;
  readonly hasIssuer: boolean;
  readonly hasSerial: boolean;
}

export interface Extensions {
  readonly basicConstraints: BasicConstraints | null;
  readonly keyUsage: KeyUsage | null;
  /** Key purposes by name (serverAuth, clientAuth, anyExtendedKeyUsage, ...) or dotted OID. */
  readonly extKeyUsage: readonly string[] | null;
  readonly subjectAltName: SubjectAltName | null;
  readonly subjectKeyId: Uint8Array | null;
  /** The keyIdentifier field of AuthorityKeyIdentifier, if present. */
  readonly authorityKeyId: Uint8Array | null;
  readonly authorityKeyIdentifier: AuthorityKeyIdentifier | null;
  readonly nameConstraints: NameConstraints | null;
  /** The URIs of the fullName distribution points in cRLDistributionPoints (RFC 5280 §4.2.1.13). */
  readonly crlDistributionUris: readonly string[];
  /** OIDs of every extension marked critical. */
  readonly criticalExtensions: readonly string[];
  /** OIDs of critical extensions mutls does not interpret. */
  readonly unrecognizedCriticalExtensions: readonly string[];
  /** Every extension OID, in certificate order. */
  readonly extensionOids: readonly string[];
}

const NO_EXTENSIONS: Extensions = Object.freeze({
  basicConstraints: null,
  keyUsage: null,
  extKeyUsage: null,
  subjectAltName: null,
  subjectKeyId: null,
  authorityKeyId: null,
  authorityKeyIdentifier: null,
  nameConstraints: null,
  crlDistributionUris: Object.freeze([]),
  criticalExtensions: Object.freeze([]),
  unrecognizedCriticalExtensions: Object.freeze([]),
  extensionOids: Object.freeze([]),
});

function parseBasicConstraints(value: DerNode, ctx: DerContext): BasicConstraints {
  const fields = expectChildren(expectSequence(value, "basicConstraints", ctx), 0, 2, "basicConstraints", ctx);
  let i = 0;
  let ca = false;
  if (isUniversal(fields[i], Tag.BOOLEAN)) ca = readBoolean(fields[i++], "basicConstraints cA", ctx);
  const pathLen = fields[i] !== undefined ? readSmallInt(fields[i++], "basicConstraints pathLenConstraint", ctx) : null;
  if (i !== fields.length) malformed(ctx, "basicConstraints has unexpected fields");
  return { ca, pathLen };
}

function parseKeyUsage(value: DerNode, ctx: DerContext): KeyUsage {
  const bits = readBitString(value, "keyUsage", ctx);
  const usage: Partial<Record<keyof KeyUsage, boolean>> = {};
  KEY_USAGE_BITS.forEach((name, bit) => {
    const byte = bits.bytes[bit >> 3] ?? 0;
    usage[name] = (byte & (0x80 >> (bit & 7))) !== 0;
  });
  return Object.freeze(usage as KeyUsage);
}

function parseExtKeyUsage(value: DerNode, ctx: DerContext): readonly string[] {
  const seq = expectSequence(value, "extKeyUsage", ctx);
  if (seq.children.length === 0) malformed(ctx, "extKeyUsage is empty");
  return Object.freeze(seq.children.map((n) => {
    const oid = readOid(n, "extKeyUsage purpose", ctx);
    return KEY_PURPOSE_NAMES[oid] ?? oid;
  }));
}

function parseSubjectAltName(value: DerNode, ctx: DerContext): SubjectAltName {
  const seq = expectSequence(value, "subjectAltName", ctx);
  if (seq.children.length === 0) malformed(ctx, "subjectAltName is empty");
  const out = { dns: [] as string[], ip: [] as string[], uri: [] as string[], email: [] as string[] };
  const ipBytes: Uint8Array[] = [];
  const directoryNames: DistinguishedName[] = [];
  const otherForms: number[] = [];
  for (const node of seq.children) {
    const name = parseGeneralName(node, ctx);
    if (name.form === "dNSName") out.dns.push(name.text);
    else if (name.form === "rfc822Name") out.email.push(name.text);
    else if (name.form === "uniformResourceIdentifier") out.uri.push(name.text);
    else if (name.form === "iPAddress") {
      const text = formatIpAddress(name.bytes);
      if (text === null) malformed(ctx, "iPAddress is neither 4 nor 16 bytes");
      out.ip.push(text);
      ipBytes.push(name.bytes);
    } else if (name.form === "directoryName") directoryNames.push(name.name);
    else if (name.form === "other") otherForms.push(name.tag);
  }
  return Object.freeze({
    dns: Object.freeze(out.dns),
    ip: Object.freeze(out.ip),
    uri: Object.freeze(out.uri),
    email: Object.freeze(out.email),
    ipBytes: Object.freeze(ipBytes),
    directoryNames: Object.freeze(directoryNames),
    otherForms: Object.freeze(otherForms),
  });
}

function parseAuthorityKeyId(value: DerNode, ctx: DerContext): AuthorityKeyIdentifier {
  const seq = expectSequence(value, "authorityKeyIdentifier", ctx);
  const keyId = seq.children.find((n) => isContext(n, 0));
  if (keyId !== undefined && keyId.constructed) malformed(ctx, "authorityKeyIdentifier keyIdentifier has the wrong encoding form");
  return {
    keyId: keyId?.content ?? null,
    hasIssuer: seq.children.some((n) => isContext(n, 1)),
    hasSerial: seq.children.some((n) => isContext(n, 2)),
  };
}

/**
 * The URIs named by fullName in a DistributionPointName (RFC 5280 §4.2.1.13): `node` is the
 * [0] EXPLICIT distributionPoint, holding fullName [0] IMPLICIT GeneralNames or nameRelativeToCRLIssuer [1].
 */
export function distributionPointUris(node: DerNode, ctx: DerContext): string[] {
  if (!node.constructed || node.children.length !== 1) malformed(ctx, "distributionPoint is badly encoded");
  const name = node.children[0];
  if (!isContext(name, 0)) return [];
  if (!name.constructed || name.children.length === 0) malformed(ctx, "distributionPoint fullName is empty");
  return name.children.map((n) => parseGeneralName(n, ctx)).flatMap((g) => (g.form === "uniformResourceIdentifier" ? [g.text] : []));
}

/** CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint. */
function parseCrlDistributionPoints(value: DerNode, ctx: DerContext): string[] {
  const seq = expectSequence(value, "cRLDistributionPoints", ctx);
  if (seq.children.length === 0) malformed(ctx, "cRLDistributionPoints is empty");
  return seq.children.flatMap((dp) => {
    const first = expectSequence(dp, "DistributionPoint", ctx).children[0];
    return isContext(first, 0) ? distributionPointUris(first, ctx) : [];
  });
}

/** AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF AccessDescription (RFC 5280 §4.2.2.1). */
function checkAuthorityInfoAccess(value: DerNode, ctx: DerContext): void {
  const seq = expectSequence(value, "authorityInfoAccess", ctx);
  if (seq.children.length === 0) malformed(ctx, "authorityInfoAccess is empty");
  for (const description of seq.children) {
    const [method, location] = expectChildren(expectSequence(description, "AccessDescription", ctx), 2, 2, "AccessDescription", ctx);
    readOid(method, "accessMethod", ctx);
    parseGeneralName(location, ctx);
  }
}

/**
 * Parses the `[3] EXPLICIT Extensions` contents (a SEQUENCE SIZE (1..MAX) OF Extension).
 * `readNameConstraints` reads nameConstraints (RFC 5280 §4.2.1.10); without one (a `mutls/core`
 * engine without `nameConstraintChecking`) the extension is only checked to be DER and kept as
 * `unparsed`, so its code stays out of a bundle and path validation refuses it.
 */
export function parseExtensions(node: DerNode | undefined, ctx: DerContext, readNameConstraints: NameConstraintsReader): Extensions {
  if (node === undefined) return NO_EXTENSIONS;
  const list = expectSequence(node, "extensions", ctx);
  if (list.children.length === 0) malformed(ctx, "extensions is an empty SEQUENCE");
  const out: { -readonly [K in keyof Extensions]: Extensions[K] } = { ...NO_EXTENSIONS };
  const seen = new Set<string>();
  const unrecognized: string[] = [];
  const criticalOids: string[] = [];
  for (const ext of list.children) {
    const fields = expectChildren(expectSequence(ext, "extension", ctx), 2, 3, "extension", ctx);
    const oid = readOid(fields[0], "extension extnID", ctx);
    // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
    if (seen.has(oid)) malformed(ctx, `extension ${oid} appears more than once`);
    seen.add(oid);
    const critical = fields.length === 3 ? readBoolean(fields[1], "extension critical", ctx) : false;
    if (critical) criticalOids.push(oid);
    const octets = readOctetString(fields[fields.length - 1], "extension extnValue", ctx);
    const inner: DerContext = { alert: ctx.alert, what: `${ctx.what} extension ${oid}` };
    const parse = (): DerNode => parseDer(octets, inner);
    switch (oid) {
      case OID.basicConstraints:
        out.basicConstraints = parseBasicConstraints(parse(), inner);
        break;
      case OID.keyUsage:
        out.keyUsage = parseKeyUsage(parse(), inner);
        break;
      case OID.extKeyUsage:
        out.extKeyUsage = parseExtKeyUsage(parse(), inner);
        break;
      case OID.subjectAltName:
        out.subjectAltName = parseSubjectAltName(parse(), inner);
        break;
      case OID.subjectKeyIdentifier:
        out.subjectKeyId = readOctetString(parse(), "subjectKeyIdentifier", inner);
        break;
      case OID.authorityKeyIdentifier:
        out.authorityKeyIdentifier = parseAuthorityKeyId(parse(), inner);
        out.authorityKeyId = out.authorityKeyIdentifier.keyId;
        break;
      case OID.nameConstraints:
        if (readNameConstraints !== null) {
          out.nameConstraints = readNameConstraints(parse(), inner);
        } else {
          parse();
          out.nameConstraints = Object.freeze({ permitted: null, excluded: null, size: 0, unparsed: octets });
        }
        break;
      case OID.cRLDistributionPoints:
        out.crlDistributionUris = Object.freeze(parseCrlDistributionPoints(parse(), inner));
        break;
      case OID.authorityInfoAccess:
        checkAuthorityInfoAccess(parse(), inner);
        break;
      default:
        if (critical) unrecognized.push(oid);
    }
  }
  out.unrecognizedCriticalExtensions = Object.freeze(unrecognized);
  out.criticalExtensions = Object.freeze(criticalOids);
  out.extensionOids = Object.freeze([...seen]);
  return Object.freeze(out);
}
