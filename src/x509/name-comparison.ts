/**
 * Comparing distinguished names as RFC 5280 §7.1 says: "Two naming attributes match if the
 * attribute types are the same and the values of the attributes are an exact match after
 * processing with the string preparation algorithm"; two RDNs match when they hold matching
 * attributes in any order; two names match when their RDNs match in order.
 *
 * Each name is reduced once, when it is parsed, to a key string: equal keys are matching names.
 * The work is linear in the name's size (a hostile name costs what its bytes cost to read, plus
 * one sort of the attributes of each RDN), and every later comparison is a string comparison.
 */
import { toHex } from "../bytes/index.js";

// RFC 4518 §2.2 "Map": characters mapped to nothing (soft hyphen, variation selectors, object
// replacement, format characters, and control characters other than the whitespace ones).
const MAPPED_TO_NOTHING = /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F\u00AD\u034F\u1806\u180B-\u180E\u200B\uFE00-\uFE0F\uFFFC\p{Cf}]/gu;
// RFC 4518 §2.2: TAB, LF, VT, FF, CR, NEL and every space separator (Zs) map to SPACE; so do
// the line and paragraph separators.
const MAPPED_TO_SPACE = /[\u0009-\u000D\u0085\u2028\u2029\p{Zs}]/gu;
const SPACES = / +/g;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * RFC 4518 string preparation as RFC 5280 §7.1 requires it for caseIgnoreMatch: map (with the
 * case folding of RFC 3454 Appendix B.2, which folds for use with NFKC), normalize to NFKC,
 * then insignificant space handling (§2.6.1: leading and trailing spaces do not count, and a
 * run of spaces inside counts as one). The prohibit step (§2.4) is not applied: a value with
 * unassigned or private-use code points is compared after the same mapping rather than made
 * unmatchable, so an excluded subtree still catches it.
 */
export function prepareString(value: string): string {
  // Printable ASCII, what nearly every name holds, is left alone by the mapping and by NFKC.
  if (PRINTABLE_ASCII.test(value)) return value.toLowerCase().replace(SPACES, " ").trim();
  const mapped = value.replace(MAPPED_TO_NOTHING, "").replace(MAPPED_TO_SPACE, " ");
  // Folding after NFKC catches compatibility characters whose decomposition is upper case
  // (U+210D DOUBLE-STRUCK CAPITAL H is "h"), as table B.2 does; the second NFKC re-composes.
  const folded = mapped.normalize("NFKC").toLowerCase().normalize("NFKC");
  return folded.replace(SPACES, " ").trim();
}

/**
 * One AttributeTypeAndValue reduced for comparison. A string value (any of the DirectoryString
 * choices, and the IA5String of emailAddress and domainComponent, which §7.1 and §7.3 compare
 * case-insensitively too) becomes its prepared text, so PrintableString, UTF8String, BMPString,
 * UniversalString and TeletexString spellings of the same text are equal. A value that is not a
 * well-formed string is compared as its exact DER (tag included).
 */
export function attributeKey(type: string, decoded: string | null, valueDer: Uint8Array): string {
  const value = decoded === null ? "#" + toHex(valueDer) : JSON.stringify(prepareString(decoded));
  return `${type}=${value}`;
}

/** RFC 5280 §7.1: attribute order within an RDN (a SET) does not matter. */
export function rdnKey(attributeKeys: string[]): string {
  return attributeKeys.sort().join("+");
}

/** RDNs match in order; their number must be the same. */
export function distinguishedNameKey(rdnKeys: readonly string[]): string {
  return rdnKeys.join(",");
}
