/**
 * The x509-limbo harness: maps each limbo test case onto verifyCertificateChain and reports
 * SUCCESS, FAILURE or SKIPPED in limbo's result format. Runtime-neutral (no file access), so the
 * vitest suite and `npm run limbo` (run.ts) share it.
 */
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import {
  decodePem,
  parseCertificate,
  parseCertificateRevocationList,
  pemCertificates,
  verifyCertificateChain,
  type Certificate,
  type KeyUsage,
  type Purpose,
  type VerifyOptions,
} from "../../src/x509/index.js";

export interface LimboPeerName {
  readonly kind: "DNS" | "IP" | "RFC822";
  readonly value: string;
}

export interface LimboCase {
  readonly id: string;
  readonly description?: string;
  readonly features?: readonly string[];
  readonly validation_kind: "SERVER" | "CLIENT";
  readonly trusted_certs: readonly string[];
  readonly untrusted_intermediates: readonly string[];
  readonly peer_certificate: string;
  readonly validation_time: string | null;
  readonly key_usage: readonly string[];
  readonly extended_key_usage: readonly string[];
  readonly expected_result: "SUCCESS" | "FAILURE";
  readonly expected_peer_name: LimboPeerName | null;
  readonly expected_peer_names?: readonly LimboPeerName[] | null;
  readonly max_chain_depth: number | null;
  readonly crls?: readonly string[];
}

export interface LimboSuite {
  readonly testcases: readonly LimboCase[];
}

export interface LimboResult {
  readonly id: string;
  readonly actual_result: "SUCCESS" | "FAILURE" | "SKIPPED";
  readonly context: string;
}

export interface LimboResults {
  readonly harness: string;
  readonly results: readonly LimboResult[];
}

/**
 * Features mutls deliberately leaves out, and why. A case carrying one is SKIPPED.
 */
export const OUT_OF_SCOPE_FEATURES: Readonly<Record<string, string>> = {
  "pedantic-public-suffix-wildcard":
    "refusing wildcards under a public suffix needs the Public Suffix List, which mutls does not ship (it refuses wildcards over a single label only; the isPublicSuffix hook lets an application supply one)",
  "rfc5280-incompatible-with-webpki":
    "RFC 5280 and WebPKI disagree here; mutls follows WebPKI practice, which the webpki:: twin of this case checks",
};

/** Options for running a case with what the application would add (an isPublicSuffix hook). */
export interface LimboOptions {
  readonly isPublicSuffix?: (domain: string) => boolean;
}

function skipReason(c: LimboCase, options: LimboOptions): string | null {
  for (const feature of c.features ?? []) {
    if (feature === "pedantic-public-suffix-wildcard" && options.isPublicSuffix !== undefined) continue;
    const why = OUT_OF_SCOPE_FEATURES[feature];
    if (why !== undefined) return `${feature}: ${why}`;
  }
  return null;
}

function certificatesOf(pems: readonly string[]): Uint8Array[] {
  return pems.flatMap((pem) => pemCertificates(pem));
}

function purposeOf(c: LimboCase): Purpose {
  const eku = c.extended_key_usage.find((e): e is Purpose => e === "serverAuth" || e === "clientAuth");
  return eku ?? (c.validation_kind === "SERVER" ? "serverAuth" : "clientAuth");
}

/** For CLIENT validation, every expected name must be among the leaf's SANs. */
function missingPeerName(identity: { dnsNames: readonly string[]; ipAddresses: readonly string[]; emails: readonly string[] }, names: readonly LimboPeerName[]): string | null {
  for (const n of names) {
    const list = n.kind === "DNS" ? identity.dnsNames.map((d) => d.toLowerCase()) : n.kind === "IP" ? identity.ipAddresses : identity.emails;
    const want = n.kind === "DNS" ? n.value.toLowerCase() : n.value;
    if (!list.includes(want)) return `${n.kind} name ${n.value} is not among the certificate's names`;
  }
  return null;
}

/** The VerifyOptions a case maps to (on the pure provider); throws a TLSError for inputs that do not parse. */
export function limboVerifyOptions(c: LimboCase, now: Date = new Date(), options: LimboOptions = {}): VerifyOptions {
  const anchors: Certificate[] = certificatesOf(c.trusted_certs).map((der) => parseCertificate(der));
  const crls = (c.crls ?? []).flatMap((pem) => decodePem(pem).filter((b) => b.label === "X509 CRL")).map((b) => parseCertificateRevocationList(b.der));
  const server = c.validation_kind === "SERVER";
  return {
    chain: [...pemCertificates(c.peer_certificate), ...certificatesOf(c.untrusted_intermediates)],
    trustAnchors: anchors,
    now: c.validation_time === null ? now : new Date(c.validation_time),
    provider: pureProvider,
    purpose: purposeOf(c),
    serverName: server && c.expected_peer_name !== null && c.expected_peer_name.kind !== "RFC822" ? c.expected_peer_name.value : undefined,
    // limbo counts intermediates; so does maxIntermediates (self-issued ones excepted, as in RFC 5280).
    maxIntermediates: c.max_chain_depth ?? undefined,
    maxDepth: c.max_chain_depth === null ? undefined : Math.max(8, c.max_chain_depth + 2),
    // Each namespace states the rules of its profile: webpki:: cases follow the CA/B Forum BRs.
    profile: c.id.startsWith("webpki::") ? "webpki" : "rfc5280",
    crls,
    leafKeyUsage: c.key_usage as readonly (keyof KeyUsage)[],
    isPublicSuffix: options.isPublicSuffix,
  };
}

/** Runs one case; never throws for a certificate problem (that is a FAILURE result). */
export function runLimboCase(c: LimboCase, now: Date = new Date(), options: LimboOptions = {}): LimboResult {
  const skip = skipReason(c, options);
  if (skip !== null) return { id: c.id, actual_result: "SKIPPED", context: skip };
  try {
    const server = c.validation_kind === "SERVER";
    const verified = verifyCertificateChain(limboVerifyOptions(c, now, options));
    if (!server) {
      const missing = missingPeerName(verified.identity, c.expected_peer_names ?? []);
      if (missing !== null) return { id: c.id, actual_result: "FAILURE", context: missing };
    }
    return { id: c.id, actual_result: "SUCCESS", context: "" };
  } catch (e) {
    if (!(e instanceof TLSError)) throw e;
    return { id: c.id, actual_result: "FAILURE", context: `${e.alertName}: ${e.message}` };
  }
}

export function runLimbo(suite: LimboSuite, now: Date = new Date()): LimboResults {
  return { harness: "mutls", results: suite.testcases.map((c) => runLimboCase(c, now)) };
}

export interface LimboScore {
  readonly total: number;
  readonly agree: number;
  readonly disagree: number;
  readonly skipped: number;
}

export function scoreLimbo(suite: LimboSuite, results: LimboResults): LimboScore {
  const expected = new Map(suite.testcases.map((c) => [c.id, c.expected_result]));
  let agree = 0;
  let skipped = 0;
  for (const r of results.results) {
    if (r.actual_result === "SKIPPED") skipped++;
    else if (r.actual_result === expected.get(r.id)) agree++;
  }
  const total = suite.testcases.length;
  return { total, agree, skipped, disagree: total - agree - skipped };
}
