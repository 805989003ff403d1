/**
 * The certificate extensions mutls acts on (RFC 5280 §4.2.1). Every other extension is kept only
 * by OID; a critical one we do not understand makes the certificate unusable (§4.2: "A
 * certificate-using system MUST reject the certificate if it encounters a critical extension it
 * does not recognize"), which the verifier enforces.
 */
import { Tag, expectChildren, expectSequence, isContext, isUniversal, malformed, parseDer, type DerContext, type DerNode } from "./der.js";
import { readBitString, readBoolean, readOctetString, readOid, readSmallInt } from "./der-values.js";
import { formatIpAddress } from "./ip-address.js";
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

/** IA5String contents (implicitly tagged in GeneralName) must be 7-bit ASCII. */
function ia5(node: DerNode, field: string, ctx: DerContext): string {
  if (node.constructed) malformed(ctx, `${field} has the wrong encoding form`);
  let s = "";
  for (const b of node.content) {
    if (b > 0x7f) malformed(ctx, `${field} is not ASCII`);
    s += String.fromCharCode(b);
  }
  return s;
}

function parseSubjectAltName(value: DerNode, ctx: DerContext): SubjectAltName {
  const seq = expectSequence(value, "subjectAltName", ctx);
  if (seq.children.length === 0) malformed(ctx, "subjectAltName is empty");
  const dns: string[] = [];
  const ip: string[] = [];
  const uri: string[] = [];
  const email: string[] = [];
  for (const name of seq.children) {
    if (name.tagClass !== "context") malformed(ctx, "subjectAltName holds something other than a GeneralName");
    if (name.tag === 1) email.push(ia5(name, "rfc822Name", ctx));
    else if (name.tag === 2) dns.push(ia5(name, "dNSName", ctx));
    else if (name.tag === 6) uri.push(ia5(name, "uniformResourceIdentifier", ctx));
    else if (name.tag === 7) {
      const text = name.constructed ? null : formatIpAddress(name.content);
      if (text === null) malformed(ctx, "iPAddress is neither 4 nor 16 bytes");
      ip.push(text);
    }
    // otherName, x400Address, directoryName, ediPartyName, registeredID: not identities mutls matches.
  }
  return Object.freeze({ dns: Object.freeze(dns), ip: Object.freeze(ip), uri: Object.freeze(uri), email: Object.freeze(email) });
}

function parseAuthorityKeyId(value: DerNode, ctx: DerContext): Uint8Array | null {
  const seq = expectSequence(value, "authorityKeyIdentifier", ctx);
  const keyId = seq.children.find((n) => isContext(n, 0));
  if (keyId !== undefined && keyId.constructed) malformed(ctx, "authorityKeyIdentifier keyIdentifier has the wrong encoding form");
  return keyId?.content ?? null;
}

/** Parses the `[3] EXPLICIT Extensions` contents (a SEQUENCE SIZE (1..MAX) OF Extension). */
export function parseExtensions(node: DerNode | undefined, ctx: DerContext): Extensions {
  if (node === undefined) return NO_EXTENSIONS;
  const list = expectSequence(node, "extensions", ctx);
  if (list.children.length === 0) malformed(ctx, "extensions is an empty SEQUENCE");
  const out: { -readonly [K in keyof Extensions]: Extensions[K] } = { ...NO_EXTENSIONS };
  const seen = new Set<string>();
  const unrecognized: string[] = [];
  for (const ext of list.children) {
    const fields = expectChildren(expectSequence(ext, "extension", ctx), 2, 3, "extension", ctx);
    const oid = readOid(fields[0], "extension extnID", ctx);
    // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
    if (seen.has(oid)) malformed(ctx, `extension ${oid} appears more than once`);
    seen.add(oid);
    const critical = fields.length === 3 ? readBoolean(fields[1], "extension critical", ctx) : false;
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
        out.authorityKeyId = parseAuthorityKeyId(parse(), inner);
        break;
      default:
        if (critical) unrecognized.push(oid);
    }
  }
  out.unrecognizedCriticalExtensions = Object.freeze(unrecognized);
  out.extensionOids = Object.freeze([...seen]);
  return Object.freeze(out);
}
