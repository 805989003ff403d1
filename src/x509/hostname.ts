/**
 * Server identity checks (RFC 6125 §6, as RFC 8446 §4.4.2.4 requires of clients): the name the
 * client asked for must appear among the certificate's subjectAltName DNS or IP entries. The
 * subject Common Name is never consulted (RFC 6125 §6.4.4 allows it only without SANs; CA/B and
 * modern clients dropped it).
 */
import type { Certificate } from "./certificate.js";
import { formatIpAddress, parseIpAddress } from "./ip-address.js";

/** Lower-cases ASCII only and drops one trailing dot (an absolute name, RFC 6125 §6.4.1). */
function normaliseDnsName(name: string): string | null {
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  // Internationalised names must be compared as A-labels (RFC 6125 §6.4.2), so non-ASCII fails.
  if (trimmed === "" || !/^[\x21-\x7e]+$/.test(trimmed)) return null;
  return trimmed.toLowerCase();
}

/**
 * Tells whether a domain is a public suffix ("com", "co.uk", "github.io"), under which no one
 * certificate may cover every name: for example a lookup in a copy of the Public Suffix List.
 */
export type PublicSuffixCheck = (domain: string) => boolean;

/**
 * One DNS-ID against one reference name. A wildcard is allowed only as the entire left-most
 * label and matches exactly one label (RFC 6125 §6.4.3); it must be followed by at least two
 * labels, so "*.com" or "*.test" never match a whole top-level domain. With `isPublicSuffix`,
 * a wildcard directly under a public suffix ("*.co.uk") matches nothing either (RFC 6125
 * §7.2; the CA/Browser Forum Baseline Requirements §3.2.2.6 forbid issuing one).
 */
export function dnsNameMatches(pattern: string, serverName: string, isPublicSuffix?: PublicSuffixCheck): boolean {
  const p = normaliseDnsName(pattern);
  const host = normaliseDnsName(serverName);
  if (p === null || host === null) return false;
  if (!p.includes("*")) return p === host;
  const labels = p.split(".");
  if (labels[0] !== "*" || labels.length < 3 || labels.slice(1).some((l) => l === "" || l.includes("*"))) return false;
  const hostLabels = host.split(".");
  if (hostLabels.length !== labels.length || hostLabels[0] === "") return false;
  const parent = labels.slice(1).join(".");
  if (hostLabels.slice(1).join(".") !== parent) return false;
  return isPublicSuffix === undefined || !isPublicSuffix(parent);
}

/** True when `serverName` is an IPv4 or IPv6 literal. */
export function isIpAddress(serverName: string): boolean {
  return parseIpAddress(serverName) !== null;
}

/**
 * Does the certificate identify `serverName`? IP literals match only iPAddress entries, and
 * DNS names only dNSName entries (RFC 6125 §6.2.1, RFC 5280 §4.2.1.6).
 */
export function certificateMatchesServerName(cert: Certificate, serverName: string, isPublicSuffix?: PublicSuffixCheck): boolean {
  const san = cert.subjectAltName;
  if (san === null) return false;
  const ip = parseIpAddress(serverName);
  if (ip !== null) {
    const canonical = formatIpAddress(ip);
    return san.ip.includes(canonical ?? "");
  }
  return san.dns.some((pattern) => dnsNameMatches(pattern, serverName, isPublicSuffix));
}

/**
 * RFC 5280 §4.2.1.6: a dNSName is in the "preferred name syntax" of RFC 1034 §3.5 as relaxed by
 * RFC 1123 §2.1 (letters, digits and inner hyphens, labels of 1 to 63 characters). With
 * `wildcard`, the whole left-most label may be "*" (RFC 6125 §6.4.3), the only pattern mutls
 * honours. Underscores, empty labels and non-ASCII (use A-labels) are refused.
 */
export function isValidDnsName(name: string, wildcard: boolean): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  return labels.every(
    (label, i) => (wildcard && i === 0 && label === "*" && labels.length > 1) || /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label),
  );
}

/**
 * RFC 6066 §3 HostName: "the fully qualified DNS hostname of the server ... represented as a
 * byte string using ASCII encoding without a trailing dot". Labels of letters, digits and
 * hyphens (RFC 1123 §2.1), plus the underscore that real host names carry, 1 to 63 characters,
 * 253 in all. An IPv4 or IPv6 literal is not a HostName ("Literal IPv4 and IPv6 addresses are
 * not permitted"); internationalised names are sent as A-labels ("xn--...").
 */
export function isValidHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253 || isIpAddress(name)) return false;
  return name.split(".").every((label) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
}
