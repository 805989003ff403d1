/**
 * Certificate path validation for the TLS engine (RFC 5280 §6 with WebPKI practice): build a
 * path from the peer's leaf to a configured trust anchor through the intermediates it sent (in
 * any order, extras ignored, every candidate tried, so cross-signed roots work), check every
 * link, then the whole path (name constraints, revocation, pins), then the leaf's identity.
 */
import { AlertDescription, TLSError, bytesEqual, fail } from "../bytes/index.js";
import type { CryptoProvider } from "../crypto/provider.js";
import { describeCertificate, displayName, parseCertificate, parseCertificateWith, type Certificate } from "./certificate.js";
import { MIN_RSA_BITS, certificateError, checkIssuer, checkKeyStrength, checkLeaf, checkSignature, isSelfIssued, type LeafKeyUsage, type Purpose } from "./chain-checks.js";
import { type CertificateRevocationList, type CrlChecking, crlChecking } from "./crl.js";
import { certificateMatchesServerName, type PublicSuffixCheck } from "./hostname.js";
import { sameName } from "./name.js";
import { type NameConstraintChecking, nameConstraintChecking } from "./name-constraint-checks.js";
import { type CertificateProfile, checkCertificateProfile, type WebPkiCheck } from "./profile-checks.js";
import { type WebPkiProfile, webPkiProfile } from "./webpki-profile.js";
import { spiffeIdOf } from "./spiffe.js";
import { checkSpkiPins } from "./spki-pin.js";
import type { TrustAnchor } from "./trust-anchor.js";
import { anchorCertificate } from "./trust-anchor.js";
import { PATH_CANDIDATE_COST, VerificationBudget } from "./verification-budget.js";

export interface PeerIdentity {
  /** The leaf's subject DN as text ("CN=client, O=Example"). */
  readonly subject: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly uris: readonly string[];
  readonly emails: readonly string[];
  /** The leaf's SPIFFE ID, when its only URI SAN is one (X509-SVID §2); optional for custom verifiers. */
  readonly spiffeId?: string | null;
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
  /** Parsed anchors, or anchors prepared by prepareTrustAnchors (faster signature checks). */
  readonly trustAnchors: readonly (Certificate | TrustAnchor)[];
  readonly now: Date;
  readonly provider: CryptoProvider;
  readonly purpose: Purpose;
  /** The name the client connected to; checked against the leaf's DNS/IP SANs when given. */
  readonly serverName?: string;
  /** When given, a wildcard directly under a domain it calls a public suffix ("*.co.uk") matches no serverName. */
  readonly isPublicSuffix?: PublicSuffixCheck;
  /** Most certificates in the path, leaf included and anchor excluded (default 8). */
  readonly maxDepth?: number;
  /** Most intermediates that are not self-issued (RFC 5280 §6.1.4 (l) counts the same way; default 6). */
  readonly maxIntermediates?: number;
  /** "rfc5280" (default) or "webpki" for the CA/B Forum rules of public web certificates. */
  readonly profile?: CertificateProfile;
  /** CRLs supplied by the application; a listed certificate on the path is refused. */
  readonly crls?: readonly CertificateRevocationList[];
  /**
   * SHA-256 digests of SubjectPublicKeyInfo. With anchors, some certificate of the validated
   * path (anchor included) must match one; without anchors, the leaf must.
   */
  readonly spkiPins?: readonly Uint8Array[];
  /** keyUsage bits the leaf must allow when it has the extension (default digitalSignature, for TLS 1.3). */
  readonly leafKeyUsage?: LeafKeyUsage;
  /**
   * What this validation may spend: parsing, partial paths and signatures are charged to it before
   * they are done (bad_certificate when it runs out). Pass one budget for a whole handshake; by
   * default each validation gets DEFAULT_VERIFICATION_COST units of its own.
   */
  readonly budget?: VerificationBudget;
  /** Smallest RSA modulus accepted in a CA-issued path, leaf included (default 2048 bits). */
  readonly minRsaModulusBits?: number;
  /** Most signature verifications one validation may spend, whatever the peer sends (default 64). */
  readonly maxSignatureChecks?: number;
  /** Most partial paths one validation may explore (default 256). */
  readonly maxPathCandidates?: number;
  /**
   * How the chain's DER is parsed (default parseCertificate; the engine's verifyChainWith without
   * one skips name-constraint parsing, so constrained paths are refused); a cache may answer.
   */
  readonly parseCertificate?: (der: Uint8Array) => Certificate;
  /**
   * The rules of the "webpki" profile (`webPkiProfile`), which `profile: "webpki"` needs:
   * verifyCertificateChain supplies them, the engine its configuration's module.
   */
  readonly webPkiProfile?: WebPkiProfile;
}

/** Default for VerifyOptions.maxSignatureChecks. */
export const SIGNATURE_BUDGET = 64;
/** Default for VerifyOptions.maxPathCandidates. */
export const PATH_BUDGET = 256;

interface Issuer {
  readonly cert: Certificate;
  readonly anchor: TrustAnchor | null;
}

interface FoundPath {
  readonly path: readonly Certificate[];
  readonly anchor: Certificate;
}

/** How informative a failure is: a specific alert beats unknown_ca, a deeper failure a shallower one. */
function failureScore(alert: number, depth: number): number {
  return (alert === AlertDescription.unknown_ca ? 0 : 1000) + depth;
}

/** How revocation is checked: `crlChecking`, or null when the engine was configured without it (then `crls` must be empty). */
type RevocationCheck = CrlChecking["check"] | null;

class PathBuilder {
  private signaturesLeft: number;
  private pathsLeft: number;
  private readonly signatureResults = new Map<Certificate, Map<Certificate, TLSError | null>>();
  private best: { error: TLSError; score: number } | null = null;
  private readonly webPki: WebPkiCheck | null;

  constructor(
    private readonly intermediates: readonly Certificate[],
    private readonly anchors: readonly TrustAnchor[],
    private readonly opts: VerifyOptions,
    private readonly maxDepth: number,
    private readonly maxIntermediates: number,
    private readonly budget: VerificationBudget,
    private readonly checkRevocation: RevocationCheck,
    /** `nameConstraintChecking`, or null when the engine was configured without it (then a path with name constraints is refused). */
    private readonly checkNames: NameConstraintChecking["check"] | null = null,
  ) {
    this.webPki = webPkiRules(opts);
    this.signaturesLeft = opts.maxSignatureChecks ?? SIGNATURE_BUDGET;
    this.pathsLeft = opts.maxPathCandidates ?? PATH_BUDGET;
  }

  /** Keeps the most informative failure: a specific one beats unknown_ca, a deeper one a shallower one. */
  private record(error: TLSError, depth: number): void {
    if (this.improves(error.alert, depth)) this.best = { error, score: failureScore(error.alert, depth) };
  }

  /**
   * Whether a failure with this alert at this depth would be kept: the failures a search meets at
   * every dead end (a hostile flight has hundreds) are built only when they would be, since an
   * error's message and stack cost more than the rest of a step.
   */
  private improves(alert: number, depth: number): boolean {
    return this.best === null || failureScore(alert, depth) > this.best.score;
  }

  failure(): TLSError {
    return this.best?.error ?? certificateError("unknown_ca", "no certification path to a trust anchor was found");
  }

  /**
   * Certificates whose subject matches the child's issuer (RFC 5280 §7.1 name matching) and whose
   * subjectKeyIdentifier, if both are present, equals the child's authorityKeyIdentifier.
   * Anchors come first; nothing already on the path is offered again, so loops end.
   */
  private issuersOf(child: Certificate, path: readonly Certificate[]): Issuer[] {
    const fits = (c: Certificate): boolean =>
      sameName(c.subject, child.issuer) &&
      (child.authorityKeyId === null || c.subjectKeyId === null || bytesEqual(child.authorityKeyId, c.subjectKeyId)) &&
      // The certificate itself is on the path far more often than a copy of it: skip comparing its DER with itself.
      !path.some((p) => p === c || bytesEqual(p.der, c.der));
    const out: Issuer[] = this.anchors.filter((a) => fits(a.certificate)).map((anchor) => ({ cert: anchor.certificate, anchor }));
    for (const cert of this.intermediates) {
      if (fits(cert) && !this.anchors.some((a) => bytesEqual(a.certificate.der, cert.der))) out.push({ cert, anchor: null });
    }
    return out;
  }

  private signature(child: Certificate, issuer: Issuer): TLSError | null {
    let byIssuer = this.signatureResults.get(child);
    if (byIssuer === undefined) this.signatureResults.set(child, (byIssuer = new Map()));
    const cached = byIssuer.get(issuer.cert);
    if (cached !== undefined) return cached;
    if (this.signaturesLeft-- <= 0) {
      throw certificateError("bad_certificate", `gave up building a certification path after ${this.opts.maxSignatureChecks ?? SIGNATURE_BUDGET} signature checks (limit maxSignatureChecks)`, "limit_exceeded");
    }
    if (child.signatureAlgorithm !== null && issuer.cert.publicKey !== null) {
      this.budget.chargeSignature(child.signatureAlgorithm, issuer.cert.publicKey, `checking the signature on ${describeCertificate(child)}`);
    }
    const result = checkSignature(child, issuer.cert, this.opts.provider, issuer.anchor?.verifier);
    byIssuer.set(issuer.cert, result);
    return result;
  }

  /** The checks that need the whole path: name constraints, revocation, pins. */
  private checkCompletePath(path: readonly Certificate[], anchor: Certificate): TLSError | null {
    const nc = this.checkNames ? this.checkNames(path, anchor) : refuseNameConstraints(path, anchor);
    if (nc !== null) return nc;
    const crls = this.opts.crls ?? [];
    if (crls.length > 0) {
      // verifyPeerChain's caller refuses crls without the module when the configuration is read.
      if (this.checkRevocation === null) return certificateError("internal_error", "CRLs were given without the crlChecking module");
      for (let i = 0; i < path.length; i++) {
        const revoked = this.checkRevocation(path[i], path[i + 1] ?? anchor, crls, this.opts.provider);
        if (revoked !== null) return revoked;
      }
    }
    const pins = this.opts.spkiPins ?? [];
    if (pins.length > 0) return checkSpkiPins([...path, anchor], pins, this.opts.provider);
    return null;
  }

  /** Depth-first search from the last certificate of `path` towards an anchor. */
  extend(path: readonly Certificate[]): FoundPath | null {
    if (this.pathsLeft-- <= 0) {
      throw certificateError("bad_certificate", `gave up building a certification path after trying ${this.opts.maxPathCandidates ?? PATH_BUDGET} partial paths (limit maxPathCandidates)`, "limit_exceeded");
    }
    this.budget.charge(PATH_CANDIDATE_COST, "another partial certification path");
    const child = path[path.length - 1];
    const candidates = this.issuersOf(child, path);
    if (candidates.length === 0) {
      if (this.improves(AlertDescription.unknown_ca, path.length)) {
        const who = describeCertificate(child);
        const message = isSelfIssued(child)
          ? `certificate ${who} is self-signed and is not a configured trust anchor`
          : `certificate ${who} was issued by ${displayName(child.issuer.text)}, which is not a configured trust anchor`;
        this.record(certificateError("unknown_ca", message), path.length);
      }
      return null;
    }
    for (const candidate of candidates) {
      const isAnchor = candidate.anchor !== null;
      const error =
        checkIssuer(candidate.cert, isAnchor, path, this.opts.now, this.opts.purpose, this.opts.minRsaModulusBits ?? MIN_RSA_BITS) ??
        checkCertificateProfile(candidate.cert, isAnchor ? "anchor" : "intermediate", this.webPki, this.opts.purpose) ??
        this.signature(child, candidate);
      if (error !== null) {
        this.record(error, path.length);
        continue;
      }
      if (isAnchor) {
        const whole = this.checkCompletePath(path, candidate.cert);
        if (whole === null) return { path, anchor: candidate.cert };
        this.record(whole, path.length + 1000);
        continue;
      }
      const logical = [...path.slice(1), candidate.cert].filter((c) => !isSelfIssued(c)).length;
      if (path.length >= this.maxDepth || logical > this.maxIntermediates) {
        if (this.improves(AlertDescription.bad_certificate, path.length)) {
          const limit = path.length >= this.maxDepth ? `${this.maxDepth} certificates` : `${this.maxIntermediates} intermediate CA(s)`;
          this.record(certificateError("bad_certificate", `the certification path is longer than the limit of ${limit}`), path.length);
        }
        continue;
      }
      const found = this.extend([...path, candidate.cert]);
      if (found !== null) return found;
    }
    return null;
  }
}

/** Without a parser of its own, the chain is read without name-constraint parsing: a constrained path is then refused, never accepted. */
const parseLean = (der: Uint8Array): Certificate => parseCertificateWith(der, null);

/** The webpki profile's rules when `opts.profile` asks for them; the engine refuses the profile without its module when the configuration is read. */
function webPkiRules(opts: VerifyOptions): WebPkiCheck | null {
  if ((opts.profile ?? "rfc5280") !== "webpki") return null;
  if (opts.webPkiProfile === undefined) return fail("internal_error", 'the webpki profile needs a module: pass webPkiProfile (from "mutls/core")');
  return opts.webPkiProfile.check;
}

function parseChain(chain: readonly Uint8Array[], budget: VerificationBudget, parse: (der: Uint8Array) => Certificate = parseLean): Certificate[] {
  return chain.map((der, i) => {
    budget.chargeParse(der.length, `parsing certificate #${i + 1} (${der.length} bytes)`);
    try {
      return parse(der);
    } catch (e) {
      if (e instanceof TLSError && i > 0) throw new TLSError(e.alert, `certificate #${i + 1} in the chain: ${e.message}`, e.origin, e.reason);
      throw e;
    }
  });
}

export function identityOf(leaf: Certificate): PeerIdentity {
  const san = leaf.subjectAltName;
  return Object.freeze({
    subject: leaf.subject.text,
    dnsNames: san?.dns ?? [],
    ipAddresses: san?.ip ?? [],
    uris: san?.uri ?? [],
    emails: san?.email ?? [],
    spiffeId: spiffeIdOf(leaf)?.id ?? null,
  });
}

/** RFC 6125 §6 against DNS/IP SANs only; the message lists what the certificate does name. */
function checkServerName(leaf: Certificate, serverName: string, isPublicSuffix: PublicSuffixCheck | undefined): void {
  if (certificateMatchesServerName(leaf, serverName, isPublicSuffix)) return;
  const san = leaf.subjectAltName;
  const names = [
    san !== null && san.dns.length > 0 ? `DNS: ${san.dns.join(", ")}` : "",
    san !== null && san.ip.length > 0 ? `IP: ${san.ip.join(", ")}` : "",
  ].filter((s) => s !== "");
  const listed = names.length > 0 ? names.join("; ") : "it has no DNS or IP subjectAltName";
  fail("bad_certificate", `server name ${serverName} does not match the certificate's names (${listed})`, "name_mismatch");
}

/**
 * Without the name-constraint module a constraint cannot be checked, and RFC 5280 §4.2 says a
 * certificate whose critical extension is not processed MUST be rejected (§4.2.1.10 makes
 * nameConstraints critical; a non-critical one is refused too, never skipped).
 */
function refuseNameConstraints(path: readonly Certificate[], anchor: Certificate): TLSError | null {
  const ca = [...path.slice(1), anchor].find((c) => c.nameConstraints !== null);
  if (ca === undefined) return null;
  return certificateError(
    "unsupported_certificate",
    `certificate ${describeCertificate(ca)} has name constraints, which need a module: pass nameConstraintChecking (from "mutls/core")`,
  );
}

/**
 * Validates a peer's certificate chain. Returns the path and the peer's identity, or throws a
 * TLSError whose alert the engine sends: certificate_expired, certificate_revoked, unknown_ca,
 * bad_certificate or unsupported_certificate.
 */
export function verifyCertificateChain(opts: VerifyOptions): VerifiedChain {
  const all = { ...opts, parseCertificate: opts.parseCertificate ?? parseCertificate, webPkiProfile: opts.webPkiProfile ?? webPkiProfile };
  return verifyChainWith(all, crlChecking.check, nameConstraintChecking.check);
}

/**
 * verifyCertificateChain with revocation checking passed in: the engine calls this with its
 * configuration's `crlChecking` module (null without one), so a bundle of a connection configured
 * without CRLs does not carry crl.ts.
 */
export function verifyChainWith(opts: VerifyOptions, checkRevocation: RevocationCheck, checkNames: NameConstraintChecking["check"] | null = null): VerifiedChain {
  if (opts.chain.length === 0) fail("bad_certificate", "the peer's certificate chain is empty");
  const maxDepth = opts.maxDepth ?? 8;
  const maxIntermediates = opts.maxIntermediates ?? 6;
  const budget = opts.budget ?? new VerificationBudget();
  const [leaf, ...intermediates] = parseChain(opts.chain, budget, opts.parseCertificate);
  // The leaf's own rules hold however it is trusted (through a CA, pinned as an anchor, or by key).
  const leafError = checkLeaf(leaf, opts.now, opts.purpose, opts.leafKeyUsage) ?? checkCertificateProfile(leaf, "leaf", webPkiRules(opts), opts.purpose);
  if (leafError !== null) throw leafError;
  const anchors = opts.trustAnchors.map(anchorCertificate);

  // A leaf configured as a trust anchor is trusted as-is (pinned, as in RFC 8448's traces).
  const pinned = anchors.find((a) => bytesEqual(a.certificate.der, leaf.der));
  let path: readonly Certificate[] = [leaf];
  let anchor: Certificate | undefined = pinned?.certificate;
  const pins = opts.spkiPins ?? [];
  if (anchor === undefined && anchors.length === 0 && pins.length > 0) {
    // Pinning without a CA: the leaf's key is the trust decision (the path is just the leaf).
    const pinError = checkSpkiPins([leaf], pins, opts.provider);
    if (pinError !== null) throw pinError;
    anchor = leaf;
  } else if (anchor === undefined) {
    // Weak keys are refused in CA-issued chains; a pinned certificate is trusted as configured.
    const weak = checkKeyStrength(leaf, opts.minRsaModulusBits ?? MIN_RSA_BITS);
    if (weak !== null) throw weak;
    const builder = new PathBuilder(intermediates, anchors, opts, maxDepth, maxIntermediates, budget, checkRevocation, checkNames);
    const found = builder.extend([leaf]);
    if (found === null) throw builder.failure();
    ({ path, anchor } = found);
  } else if (pins.length > 0) {
    const pinError = checkSpkiPins([leaf], pins, opts.provider);
    if (pinError !== null) throw pinError;
  }
  if (opts.serverName !== undefined) checkServerName(leaf, opts.serverName, opts.isPublicSuffix);
  return Object.freeze({ leaf, path: Object.freeze([...path]), anchor, identity: identityOf(leaf) });
}
