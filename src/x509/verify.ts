/**
 * Certificate path validation for the TLS engine: build a path from the peer's leaf to a
 * configured trust anchor through the intermediates it sent (in any order, extras ignored),
 * then check the leaf's identity. This is the "safe subset" of RFC 5280 §6: signatures,
 * validity, CA status, key usage, path length, EKU and critical extensions. Name constraints,
 * policies and revocation come later; certificates that rely on them critically are refused.
 */
import { AlertDescription, TLSError, bytesEqual, fail } from "../bytes/index.js";
import type { CryptoProvider } from "../crypto/provider.js";
import { describeCertificate, parseCertificate, type Certificate } from "./certificate.js";
import { certificateError, checkIssuer, checkKeyStrength, checkLeaf, checkSignature, type Purpose } from "./chain-checks.js";
import { certificateMatchesServerName } from "./hostname.js";

export interface PeerIdentity {
  /** The leaf's subject DN as text ("CN=client, O=Example"). */
  readonly subject: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly uris: readonly string[];
  readonly emails: readonly string[];
}

export interface VerifiedChain {
  readonly leaf: Certificate;
  /** Leaf first, up to the last certificate before the anchor; just [leaf] for a pinned leaf. */
  readonly path: readonly Certificate[];
  /** The trust anchor the path ends at (the leaf itself when the leaf is pinned as an anchor). */
  readonly anchor: Certificate;
  readonly identity: PeerIdentity;
}

export interface VerifyOptions {
  /** DER certificates as received: leaf first, then intermediates in any order. */
  readonly chain: readonly Uint8Array[];
  readonly trustAnchors: readonly Certificate[];
  readonly now: Date;
  readonly provider: CryptoProvider;
  readonly purpose: Purpose;
  /** The name the client connected to; checked against the leaf's DNS/IP SANs when given. */
  readonly serverName?: string;
  /** Most certificates in the path, leaf included and anchor excluded (default 8). */
  readonly maxDepth?: number;
}

/** Most signature verifications one validation may spend, whatever the peer sends. */
const SIGNATURE_BUDGET = 64;

interface Issuer {
  readonly cert: Certificate;
  readonly isAnchor: boolean;
}

class PathBuilder {
  private signaturesLeft = SIGNATURE_BUDGET;
  private readonly signatureResults = new Map<Certificate, Map<Certificate, TLSError | null>>();
  private best: { error: TLSError; score: number } | null = null;

  constructor(
    private readonly intermediates: readonly Certificate[],
    private readonly anchors: readonly Certificate[],
    private readonly opts: VerifyOptions,
    private readonly maxDepth: number,
  ) {}

  /** Keeps the most informative failure: a specific one beats unknown_ca, a deeper one a shallower one. */
  private record(error: TLSError, depth: number): void {
    const score = (error.alert === AlertDescription.unknown_ca ? 0 : 1000) + depth;
    if (this.best === null || score > this.best.score) this.best = { error, score };
  }

  failure(): TLSError {
    return this.best?.error ?? certificateError("unknown_ca", "no certification path to a trust anchor was found");
  }

  /**
   * Certificates whose subject is the child's issuer (RFC 5280 §4.1.2.4 exact match) and whose
   * subjectKeyIdentifier, if both are present, equals the child's authorityKeyIdentifier.
   * Anchors come first; nothing already on the path is offered again, so loops end.
   */
  private issuersOf(child: Certificate, path: readonly Certificate[]): Issuer[] {
    const fits = (c: Certificate): boolean =>
      bytesEqual(c.subject.der, child.issuer.der) &&
      (child.authorityKeyId === null || c.subjectKeyId === null || bytesEqual(child.authorityKeyId, c.subjectKeyId)) &&
      !path.some((p) => bytesEqual(p.der, c.der));
    const out: Issuer[] = this.anchors.filter(fits).map((cert) => ({ cert, isAnchor: true }));
    for (const cert of this.intermediates) {
      if (fits(cert) && !this.anchors.some((a) => bytesEqual(a.der, cert.der))) out.push({ cert, isAnchor: false });
    }
    return out;
  }

  private signature(child: Certificate, issuer: Certificate): TLSError | null {
    let byIssuer = this.signatureResults.get(child);
    if (byIssuer === undefined) this.signatureResults.set(child, (byIssuer = new Map()));
    const cached = byIssuer.get(issuer);
    if (cached !== undefined) return cached;
    if (this.signaturesLeft-- <= 0) {
      throw certificateError("bad_certificate", `gave up building a certification path after ${SIGNATURE_BUDGET} signature checks`);
    }
    const result = checkSignature(child, issuer, this.opts.provider);
    byIssuer.set(issuer, result);
    return result;
  }

  /** Depth-first search from the last certificate of `path` towards an anchor. */
  extend(path: readonly Certificate[]): { path: readonly Certificate[]; anchor: Certificate } | null {
    const child = path[path.length - 1];
    const candidates = this.issuersOf(child, path);
    if (candidates.length === 0) {
      const who = describeCertificate(child);
      const message = bytesEqual(child.subject.der, child.issuer.der)
        ? `certificate ${who} is self-signed and is not a configured trust anchor`
        : `certificate ${who} was issued by ${child.issuer.text || "(empty name)"}, which is not a configured trust anchor`;
      this.record(certificateError("unknown_ca", message), path.length);
      return null;
    }
    for (const candidate of candidates) {
      const error =
        checkIssuer(candidate.cert, candidate.isAnchor, path, this.opts.now, this.opts.purpose) ?? this.signature(child, candidate.cert);
      if (error !== null) {
        this.record(error, path.length);
        continue;
      }
      if (candidate.isAnchor) return { path, anchor: candidate.cert };
      if (path.length >= this.maxDepth) {
        this.record(certificateError("bad_certificate", `the certification path is longer than the limit of ${this.maxDepth} certificates`), path.length);
        continue;
      }
      const found = this.extend([...path, candidate.cert]);
      if (found !== null) return found;
    }
    return null;
  }
}

function parseChain(chain: readonly Uint8Array[]): Certificate[] {
  return chain.map((der, i) => {
    try {
      return parseCertificate(der);
    } catch (e) {
      if (e instanceof TLSError && i > 0) throw new TLSError(e.alert, `certificate #${i + 1} in the chain: ${e.message}`);
      throw e;
    }
  });
}

function identityOf(leaf: Certificate): PeerIdentity {
  const san = leaf.subjectAltName;
  return Object.freeze({
    subject: leaf.subject.text,
    dnsNames: san?.dns ?? [],
    ipAddresses: san?.ip ?? [],
    uris: san?.uri ?? [],
    emails: san?.email ?? [],
  });
}

/** RFC 6125 §6 against DNS/IP SANs only; the message lists what the certificate does name. */
function checkServerName(leaf: Certificate, serverName: string): void {
  if (certificateMatchesServerName(leaf, serverName)) return;
  const san = leaf.subjectAltName;
  const names = [
    san !== null && san.dns.length > 0 ? `DNS: ${san.dns.join(", ")}` : "",
    san !== null && san.ip.length > 0 ? `IP: ${san.ip.join(", ")}` : "",
  ].filter((s) => s !== "");
  const listed = names.length > 0 ? names.join("; ") : "it has no DNS or IP subjectAltName";
  fail("bad_certificate", `server name ${serverName} does not match the certificate's names (${listed})`);
}

/**
 * Validates a peer's certificate chain. Returns the path and the peer's identity, or throws a
 * TLSError whose alert the engine sends: certificate_expired, unknown_ca, bad_certificate or
 * unsupported_certificate.
 */
export function verifyCertificateChain(opts: VerifyOptions): VerifiedChain {
  if (opts.chain.length === 0) fail("bad_certificate", "the peer's certificate chain is empty");
  const maxDepth = opts.maxDepth ?? 8;
  const [leaf, ...intermediates] = parseChain(opts.chain);
  const leafError = checkLeaf(leaf, opts.now, opts.purpose);
  if (leafError !== null) throw leafError;

  // A leaf configured as a trust anchor is trusted as-is (pinned, as in RFC 8448's traces).
  const pinned = opts.trustAnchors.find((a) => bytesEqual(a.der, leaf.der));
  let path: readonly Certificate[] = [leaf];
  let anchor: Certificate | undefined = pinned;
  if (anchor === undefined) {
    const weak = checkKeyStrength(leaf);
    if (weak !== null) throw weak;
    const builder = new PathBuilder(intermediates, opts.trustAnchors, opts, maxDepth);
    const found = builder.extend([leaf]);
    if (found === null) throw builder.failure();
    ({ path, anchor } = found);
  }
  if (opts.serverName !== undefined) checkServerName(leaf, opts.serverName);
  return Object.freeze({ leaf, path: Object.freeze([...path]), anchor, identity: identityOf(leaf) });
}
