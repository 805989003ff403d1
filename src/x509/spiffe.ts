/**
 * SPIFFE identities (SPIFFE-ID and X509-SVID specifications, github.com/spiffe/spiffe/standards):
 * parsing a SPIFFE ID, the X509-SVID rules for a leaf, and an authorization policy that allows
 * IDs by exact match or by path prefix ("spiffe://prod.example/ns/payments/*").
 */
import type { Certificate } from "./certificate.js";
import type { PeerIdentity } from "./verify.js";
import { UsageError } from "../bytes/index.js";

export interface SpiffeId {
  /** The whole ID, "spiffe://trust.domain/path". */
  readonly id: string;
  readonly trustDomain: string;
  /** "" or "/segment/segment". */
  readonly path: string;
}

/** SPIFFE-ID §2.3: the ID as a whole is at most 2048 bytes. */
const MAX_ID_LENGTH = 2048;

/**
 * Parses a SPIFFE ID strictly (SPIFFE-ID §2): scheme "spiffe" in lower case; a trust domain of
 * lower-case letters, digits, ".", "-" and "_"; path segments of letters, digits, ".", "-" and
 * "_", none empty, "." or ".."; no port, user info, query, fragment or percent-encoding.
 */
export function parseSpiffeId(text: string): SpiffeId | null {
  if (text.length > MAX_ID_LENGTH || !text.startsWith("spiffe://")) return null;
  const rest = text.slice("spiffe://".length);
  const slash = rest.indexOf("/");
  const trustDomain = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash);
  if (!/^[a-z0-9._-]+$/.test(trustDomain)) return null;
  if (path !== "") {
    const segments = path.slice(1).split("/");
    if (segments.some((s) => s === "" || s === "." || s === ".." || !/^[A-Za-z0-9._-]+$/.test(s))) return null;
  }
  return { id: text, trustDomain, path };
}

/** The SPIFFE ID a leaf carries: its one URI SAN, when that is a valid SPIFFE ID. */
export function spiffeIdOf(leaf: Certificate): SpiffeId | null {
  const uris = leaf.subjectAltName?.uri ?? [];
  return uris.length === 1 ? parseSpiffeId(uris[0]) : null;
}

const uriCount = (n: number): string => `it has ${n} URI SANs; an X509-SVID has exactly one, its spiffe:// ID`;

/**
 * X509-SVID §4 and §5 for a leaf: exactly one URI SAN, a SPIFFE ID; not a CA; keyUsage with
 * digitalSignature and without keyCertSign or cRLSign. Returns why it is not an SVID, or null.
 */
export function x509SvidProblem(leaf: Certificate): string | null {
  const uris = leaf.subjectAltName?.uri ?? [];
  if (uris.length !== 1) return uriCount(uris.length);
  if (parseSpiffeId(uris[0]) === null) return `its URI SAN ${uris[0]} is not a valid SPIFFE ID`;
  if (leaf.basicConstraints?.ca === true) return "it is a CA certificate; an X509-SVID leaf must not be";
  const ku = leaf.keyUsage;
  if (ku === null || !ku.digitalSignature) return "its keyUsage lacks digitalSignature, which an X509-SVID leaf must have";
  if (ku.keyCertSign || ku.cRLSign) return "its keyUsage allows keyCertSign or cRLSign, which an X509-SVID leaf must not";
  return null;
}

/** Does a SPIFFE ID match an allow-list pattern: exact, or "/*" for one or more further segments? */
export function spiffeIdMatches(id: string, pattern: string): boolean {
  if (pattern.endsWith("/*")) {
    const prefix = pattern.slice(0, -1);
    return id.startsWith(prefix) && id.length > prefix.length;
  }
  return id === pattern;
}

export interface SpiffePolicyOptions {
  /** SPIFFE IDs or prefixes ending in "/*" ("spiffe://prod.example/ns/payments/*"); omitted: any ID of `trustDomains`. */
  readonly allow?: readonly string[];
  /** Trust domains the peer's ID must belong to ("prod.example"); checked before `allow`. */
  readonly trustDomains?: readonly string[];
}

/** What the authorizer sees of the peer, beyond its identity. */
export interface SpiffeAuthorizationContext {
  readonly leaf?: Certificate;
  readonly peerRole?: "client" | "server";
}

/**
 * An authorization policy for `authorizePeer`: the peer must present an X509-SVID whose SPIFFE
 * ID one of the patterns allows. Returns true to allow, or the reason it refuses.
 */
export function spiffePolicy(options: SpiffePolicyOptions): (identity: PeerIdentity, context?: SpiffeAuthorizationContext) => true | string {
  const allow = options.allow;
  const trustDomains = options.trustDomains;
  if (allow === undefined && trustDomains === undefined) throw new UsageError("spiffePolicy needs allow or trustDomains");
  for (const domain of trustDomains ?? []) {
    if (parseSpiffeId(`spiffe://${domain}`) === null) throw new UsageError(`"${domain}" is not a SPIFFE trust domain name`);
  }
  for (const pattern of allow ?? []) {
    const base = pattern.endsWith("/*") ? pattern.slice(0, -2) : pattern;
    if (parseSpiffeId(base) === null) throw new UsageError(`"${pattern}" is not a SPIFFE ID or a SPIFFE ID followed by /*`);
  }
  return (identity, context) => {
    const who = context?.peerRole !== undefined ? `${context.peerRole} certificate` : "peer certificate";
    const problem = context?.leaf !== undefined ? x509SvidProblem(context.leaf) : null;
    if (problem !== null) return `the ${who} is not a SPIFFE X509-SVID: ${problem}`;
    const parsed = identity.uris.length === 1 ? parseSpiffeId(identity.uris[0]) : null;
    if (parsed === null) return `the ${who} is not a SPIFFE X509-SVID: ${uriCount(identity.uris.length)}`;
    const id = identity.uris[0];
    const domain = parsed.trustDomain;
    if (trustDomains !== undefined && !trustDomains.includes(domain)) {
      return `SPIFFE ID ${id} belongs to trust domain ${domain}, not ${trustDomains.join(" or ")}`;
    }
    if (allow === undefined || allow.some((p) => spiffeIdMatches(id, p))) return true;
    return `SPIFFE ID ${id} is not allowed by the authorization policy (allowed: ${allow.join(", ")})`;
  };
}
