/**
 * Distinguished names (RFC 5280 §4.1.2.4): kept as DER, reduced to a comparison key as RFC 5280
 * §7.1 compares names (./name-comparison.ts), and rendered as text for people in the style of
 * OpenSSL's `-nameopt RFC2253,sep_comma_plus_space`: "CN=leaf, O=Example, C=US".
 */
import { toHex } from "../bytes/index.js";
import { Tag, expectChildren, expectSequence, expectUniversal, malformed, parseDer, type DerContext, type DerNode } from "./der.js";
import { decodeDirectoryString, readOid } from "./der-values.js";
import { attributeKey, distinguishedNameKey, rdnKey } from "./name-comparison.js";

export interface DistinguishedName {
  /** The Name exactly as encoded in the certificate. */
  readonly der: Uint8Array;
  /** Most specific attribute first, as RFC 4514 §2.1 orders them. */
  readonly text: string;
  /** The first commonName, if any (for messages; never used for name matching). */
  readonly commonName: string | null;
  /** Every commonName value, in order (for the CA/B Forum subject checks). */
  readonly commonNames: readonly string[];
  /** Every emailAddress attribute (RFC 5280 §4.2.1.10 applies rfc822Name constraints to them). */
  readonly emailAddresses: readonly string[];
  /** Each RelativeDistinguishedName's DER, most general first (for directoryName constraints). */
  readonly rdns: readonly Uint8Array[];
  /**
   * Each RDN reduced as RFC 5280 §7.1 compares them (string preparation, attribute order within
   * the RDN ignored), most general first: equal keys are matching RDNs.
   */
  readonly rdnKeys: readonly string[];
  /** The whole name reduced the same way: two names match (§7.1) exactly when their keys are equal. */
  readonly key: string;
}

/** Short names OpenSSL and RFC 4514 §3 use for attribute types. */
const ATTRIBUTE_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.17": "postalCode",
  "2.5.4.42": "GN",
  "2.5.4.43": "initials",
  "2.5.4.44": "generationQualifier",
  "2.5.4.46": "dnQualifier",
  "2.5.4.65": "pseudonym",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};

const COMMON_NAME = "2.5.4.3";
const EMAIL_ADDRESS = "1.2.840.113549.1.9.1";

/** RFC 4514 §2.4 escaping, plus control characters as \XX so a name cannot forge log lines. */
function escapeValue(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) out += "\\" + toHex(Uint8Array.of(code)).toUpperCase();
    else if (',+"\\<>;'.includes(ch)) out += "\\" + ch;
    else if ((i === 0 && (ch === "#" || ch === " ")) || (i === value.length - 1 && ch === " ")) out += "\\" + ch;
    else out += ch;
  }
  return out;
}

/** Parses a Name (a SEQUENCE OF RelativeDistinguishedName, each a SET OF AttributeTypeAndValue). */
export function parseName(node: DerNode | undefined, field: string, ctx: DerContext): DistinguishedName {
  const name = expectSequence(node, field, ctx);
  const rdns: string[] = [];
  let commonName: string | null = null;
  const commonNames: string[] = [];
  const emailAddresses: string[] = [];
  const rdnKeys: string[] = [];
  for (const rdn of name.children) {
    const set = expectUniversal(rdn, Tag.SET, `${field} RDN`, ctx);
    if (set.children.length === 0) malformed(ctx, `${field} has an empty RDN`);
    const parts: string[] = [];
    const atvKeys: string[] = [];
    for (const atv of set.children) {
      const [typeNode, valueNode] = expectChildren(expectSequence(atv, `${field} attribute`, ctx), 2, 2, `${field} attribute`, ctx);
      const type = readOid(typeNode, `${field} attribute type`, ctx);
      // A value that is not a well-formed string is shown in hex rather than rejected: the text
      // is for people, and comparison uses the DER.
      const decoded = decodeDirectoryString(valueNode);
      atvKeys.push(attributeKey(type, decoded, valueNode.raw));
      if (type === COMMON_NAME && commonName === null && decoded !== null) commonName = decoded;
      if (type === COMMON_NAME) commonNames.push(decoded ?? "");
      if (type === EMAIL_ADDRESS && decoded !== null) emailAddresses.push(decoded);
      const label = ATTRIBUTE_NAMES[type] ?? type;
      // RFC 4514 §2.4: a value that is not a string is given as '#' and its BER encoding in hex.
      parts.push(`${label}=${decoded === null ? "#" + toHex(valueNode.raw).toUpperCase() : escapeValue(decoded)}`);
    }
    rdns.push(parts.reverse().join(" + "));
    rdnKeys.push(rdnKey(atvKeys));
  }
  return {
    der: name.raw,
    text: rdns.reverse().join(", "),
    commonName,
    commonNames: Object.freeze(commonNames),
    emailAddresses: Object.freeze(emailAddresses),
    rdns: Object.freeze(name.children.map((rdn) => rdn.raw)),
    rdnKeys: Object.freeze(rdnKeys),
    key: distinguishedNameKey(rdnKeys),
  };
}

/** RFC 5280 §7.1: do two distinguished names match? */
export function sameName(a: DistinguishedName, b: DistinguishedName): boolean {
  return a.key === b.key;
}

/**
 * The §7.1 comparison key of a DER-encoded Name (as sent in certificate_authorities), or null if
 * it is not one.
 */
export function distinguishedNameKeyOf(der: Uint8Array): string | null {
  try {
    const ctx = { alert: "decode_error", what: "distinguished name" } as const;
    return parseName(parseDer(der, ctx), "name", ctx).key;
  } catch {
    return null;
  }
}

/** The text of a DER-encoded Name (as sent in certificate_authorities), or null if it is not one. */
export function distinguishedNameText(der: Uint8Array): string | null {
  try {
    const name = parseName(parseDer(der, { alert: "decode_error", what: "distinguished name" }), "name", { alert: "decode_error", what: "distinguished name" });
    return name.text;
  } catch {
    return null;
  }
}
