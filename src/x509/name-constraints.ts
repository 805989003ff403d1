/**
 * Name constraints (RFC 5280 §4.2.1.10): parsing the extension, and deciding whether one name
 * lies inside one subtree. Applying them along a path is ./path-name-checks.ts.
 */
import { expectChildren, expectSequence, isContext, malformed, type DerContext, type DerNode } from "./der.js";
import { parseGeneralName } from "./general-name.js";
import { isValidDnsName } from "./hostname.js";
import type { DistinguishedName } from "./name.js";

export interface IpSubtree {
  readonly address: Uint8Array;
  readonly mask: Uint8Array;
}

/** The subtrees of one kind (permitted or excluded), grouped by name form. */
export interface Subtrees {
  readonly dns: readonly string[];
  readonly email: readonly string[];
  readonly uri: readonly string[];
  readonly ip: readonly IpSubtree[];
  readonly directoryNames: readonly DistinguishedName[];
  /** Tags of GeneralName forms mutls cannot evaluate (otherName, x400Address, ...). */
  readonly otherForms: readonly number[];
}

export interface NameConstraints {
  readonly permitted: Subtrees | null;
  readonly excluded: Subtrees | null;
  /** Number of subtrees in all, to bound the work of checking them. */
  readonly size: number;
  /**
   * The extension's value (DER) when the certificate was read without the parser (a `mutls/core`
   * configuration without `nameConstraintChecking`): the subtrees above are then not filled in; a
   * path on which it appears is refused without the module, and the module's check parses it.
   */
  readonly unparsed?: Uint8Array;
}

/** How a certificate's nameConstraints extension is read: `parseNameConstraints`, or null to only note that it is there. */
export type NameConstraintsReader = ((value: DerNode, ctx: DerContext) => NameConstraints) | null;

/** A mask is valid only as a CIDR prefix: ones, then zeros (RFC 5280 §4.2.1.10, RFC 4632). */
function isPrefixMask(mask: Uint8Array): boolean {
  let zeroSeen = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (byte >> bit) & 1;
      if (one && zeroSeen) return false;
      if (!one) zeroSeen = true;
    }
  }
  return true;
}

/** A host constraint: a DNS name, or "." and a DNS name for subdomains only. */
function isHostConstraint(text: string): boolean {
  return isValidDnsName(text.startsWith(".") ? text.slice(1) : text, false);
}

/** RFC 5280 §4.2.1.10: a mailbox, a host, or a domain (leading ".") for rfc822Name constraints. */
function isEmailConstraint(text: string): boolean {
  const at = text.indexOf("@");
  if (at < 0) return isHostConstraint(text);
  return at > 0 && text.indexOf("@", at + 1) < 0 && isValidDnsName(text.slice(at + 1), false);
}

function parseSubtrees(node: DerNode, which: string, ctx: DerContext): Subtrees {
  // GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree, implicitly tagged.
  if (!node.constructed || node.children.length === 0) malformed(ctx, `${which}Subtrees is empty`);
  const out = { dns: [] as string[], email: [] as string[], uri: [] as string[], ip: [] as IpSubtree[], directoryNames: [] as DistinguishedName[], otherForms: [] as number[] };
  for (const subtree of node.children) {
    const [baseNode, ...bounds] = expectChildren(expectSequence(subtree, "GeneralSubtree", ctx), 1, 3, "GeneralSubtree", ctx);
    // "the minimum MUST be zero" (so absent in DER) and "maximum MUST be absent".
    if (bounds.length > 0) malformed(ctx, "a GeneralSubtree has minimum or maximum, which RFC 5280 §4.2.1.10 forbids");
    const base = parseGeneralName(baseNode, ctx);
    switch (base.form) {
      case "dNSName":
        // An empty constraint covers every name; otherwise a plain name (no wildcard, no leading dot).
        if (base.text !== "" && !isValidDnsName(base.text, false)) malformed(ctx, `dNSName constraint "${base.text}" is not a valid DNS name`);
        out.dns.push(base.text.toLowerCase());
        break;
      case "rfc822Name":
        if (!isEmailConstraint(base.text)) malformed(ctx, `rfc822Name constraint "${base.text}" is not a mailbox, host or domain`);
        out.email.push(base.text);
        break;
      case "uniformResourceIdentifier":
        if (!isHostConstraint(base.text)) malformed(ctx, `URI constraint "${base.text}" is not a host or domain`);
        out.uri.push(base.text.toLowerCase());
        break;
      case "iPAddress": {
        // An address followed by a mask of the same length: 8 octets for IPv4, 32 for IPv6.
        const b = base.bytes;
        if ((b.length !== 8 && b.length !== 32) || !isPrefixMask(b.subarray(b.length / 2))) {
          malformed(ctx, "an iPAddress constraint is not an address and CIDR mask");
        }
        out.ip.push({ address: b.subarray(0, b.length / 2), mask: b.subarray(b.length / 2) });
        break;
      }
      case "directoryName":
        out.directoryNames.push(base.name);
        break;
      default:
        out.otherForms.push(base.tag);
    }
  }
  return out;
}

/** Parses the NameConstraints extension value. */
export function parseNameConstraints(value: DerNode, ctx: DerContext): NameConstraints {
  const fields = expectChildren(expectSequence(value, "nameConstraints", ctx), 0, 2, "nameConstraints", ctx);
  let permitted: Subtrees | null = null;
  let excluded: Subtrees | null = null;
  let i = 0;
  if (isContext(fields[i], 0)) permitted = parseSubtrees(fields[i++], "permitted", ctx);
  if (isContext(fields[i], 1)) excluded = parseSubtrees(fields[i++], "excluded", ctx);
  if (i !== fields.length) malformed(ctx, "nameConstraints has unexpected fields");
  // RFC 5280 §4.2.1.10: "Conforming CAs MUST NOT issue certificates where name constraints is an empty sequence."
  if (permitted === null && excluded === null) malformed(ctx, "nameConstraints has neither permitted nor excluded subtrees");
  const count = (s: Subtrees | null): number =>
    s === null ? 0 : s.dns.length + s.email.length + s.uri.length + s.ip.length + s.directoryNames.length + s.otherForms.length;
  return { permitted, excluded, size: count(permitted) + count(excluded) };
}

/** Is DNS name `name` equal to `domain` or below it (label-wise)? An empty domain covers all. */
function dnsWithin(name: string, domain: string): boolean {
  return domain === "" || name === domain || name.endsWith("." + domain);
}

/**
 * Whether a dNSName lies in a subtree. A SAN wildcard "*.x" stands for every one-label child of
 * x: it is inside a permitted subtree only if all of them are, and it meets an excluded subtree
 * if any of them could (so "*.example.com" is refused under an exclusion of "bar.example.com").
 */
export function dnsInSubtree(sanName: string, domain: string, mode: "all" | "any"): boolean {
  const name = sanName.toLowerCase().replace(/\.$/, "");
  if (!name.startsWith("*.")) return dnsWithin(name, domain);
  const base = name.slice(2);
  if (dnsWithin(base, domain)) return true;
  return mode === "any" && domain.endsWith("." + base) && !domain.slice(0, -base.length - 1).includes(".");
}

/** RFC 5280 §4.2.1.10 rfc822Name rules: mailbox exact, host exact, ".domain" for subdomains. */
export function emailInSubtree(email: string, constraint: string): boolean {
  const at = email.lastIndexOf("@");
  // A trailing dot (an absolute domain) must not step outside an excluded domain.
  const host = email.slice(at + 1).toLowerCase().replace(/\.$/, "");
  if (constraint.includes("@")) {
    const cAt = constraint.lastIndexOf("@");
    // The local part is case-sensitive (RFC 5321 §2.4); the host is not.
    return email.slice(0, at) === constraint.slice(0, cAt) && host === constraint.slice(cAt + 1).toLowerCase();
  }
  const c = constraint.toLowerCase();
  return c.startsWith(".") ? host.endsWith(c) : host === c;
}

/**
 * The host of a URI with an authority ("scheme://host..."), lower-cased and without the
 * trailing dot of an absolute name; null when it has none, or when it is percent-encoded
 * (RFC 3986 §3.2.2 allows "%65vil.example" for "evil.example"), which is not compared.
 */
export function uriHost(uri: string): string | null {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (m === null) return null;
  const authority = m[1].slice(m[1].lastIndexOf("@") + 1);
  const host = (authority.startsWith("[") ? authority : authority.replace(/:\d*$/, "")).replace(/\.$/, "");
  return host === "" || host.includes("%") ? null : host.toLowerCase();
}

/** RFC 5280 §4.2.1.10: URI constraints name a host, or a domain when they start with ".". */
export function uriHostInSubtree(host: string, constraint: string): boolean {
  return constraint.startsWith(".") ? host.endsWith(constraint) : host === constraint;
}

/**
 * A URI SAN against a URI constraint. One whose host cannot be read (a URN, an empty or
 * percent-encoded host) can be shown neither inside a permitted subtree nor outside an excluded
 * one, so it violates both ("any" mode, for excluded subtrees, counts it as inside).
 */
export function uriInSubtree(uri: string, constraint: string, mode: "all" | "any"): boolean {
  const host = uriHost(uri);
  return host === null ? mode === "any" : uriHostInSubtree(host, constraint);
}

export function ipInSubtree(address: Uint8Array, subtree: IpSubtree): boolean {
  if (address.length !== subtree.address.length) return false;
  for (let i = 0; i < address.length; i++) {
    if ((address[i] & subtree.mask[i]) !== (subtree.address[i] & subtree.mask[i])) return false;
  }
  return true;
}

/**
 * RFC 5280 §7.1: "DN2 is within the subtree defined by the distinguished name DN1 if DN2
 * contains at least as many RDNs as DN1, and DN1 and DN2 are a match when trailing RDNs in DN2
 * are ignored", RDNs compared after string preparation (./name-comparison.ts).
 */
export function directoryNameInSubtree(name: DistinguishedName, constraint: DistinguishedName): boolean {
  if (constraint.rdnKeys.length > name.rdnKeys.length) return false;
  return constraint.rdnKeys.every((rdn, i) => rdn === name.rdnKeys[i]);
}
