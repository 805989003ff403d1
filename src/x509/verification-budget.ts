/**
 * The work a peer that has not yet authenticated can make us do, bounded (design principle 7,
 * "strangers cost little"). One budget serves one handshake (or one post-handshake
 * authentication): the peer's certificate bytes as they are parsed, each partial path tried,
 * each certificate signature and the CertificateVerify signature are charged before the work
 * is done, in units of one ECDSA P-256 verification by the pure provider. Running out is
 * bad_certificate (RFC 8446 §6.2) with a message naming the limit, never a stall.
 */
import { AlertDescription, TLSError } from "../bytes/index.js";
import type { PublicKey, SignatureAlgorithm } from "../crypto/provider.js";
import { signatureVerificationCost } from "../crypto/verification-cost.js";

/** Default for limits.maxVerificationCost: 64 P-256 verifications, at most about 7 mutual P-256 handshakes of work (docs/guide.md, Limits). */
export const DEFAULT_VERIFICATION_COST = 64;
/**
 * Parsing: one unit per KiB of certificate DER, charged before the certificate is parsed. With
 * asn1js the most expensive certificates found (thousands of tiny DER nodes: RDNs, extensions,
 * EKU OIDs, subjectAltNames; about 60 KB each) measured 0.2 to 1.2 units per KiB; with der.ts's
 * own reader the same certificates measure 0.01 to 0.1, so the charge is now a generous upper
 * bound, kept so that the limit's meaning (and what a configured limit admits) does not change.
 */
export const PARSE_COST_PER_BYTE = 1 / 1024;
/** Each partial path tried: candidate issuers are found and checked (names, validity, extensions). */
export const PATH_CANDIDATE_COST = 0.05;

function rounded(units: number): string {
  return units.toFixed(2).replace(/\.?0+$/, "");
}

export class VerificationBudget {
  private spent = 0;

  /** `limit` in units; `name` is how refusals name the setting (limits.maxVerificationCost). */
  constructor(
    readonly limit: number = DEFAULT_VERIFICATION_COST,
    private readonly name = "limits.maxVerificationCost",
  ) {}

  /** Units charged so far. */
  get used(): number {
    return this.spent;
  }

  /** Charges `units` for `what`, or throws bad_certificate if that would pass the limit (or the cap). */
  charge(units: number, what: string): void {
    if (this.spent + units > this.limit) this.refuse(what, units);
    if (this.cap !== null && this.spent + units > this.cap.at) this.refuse(`${what} (${this.cap.why})`, units);
    this.spent += units;
  }

  /** A lower limit while work is redone (async-verify.ts's rounds), and what its refusal says of it. */
  private cap: { readonly at: number; readonly why: string } | null = null;

  capAt(at: number, why: string): void {
    this.cap = { at, why };
  }

  uncap(): void {
    this.cap = null;
  }

  /** Throws the refusal for `what`, which needs `units` more than this budget allows. */
  private refuse(what: string, units: number): never {
    throw new TLSError(
      AlertDescription.bad_certificate,
      `the peer's certificates exceeded ${this.name} (${this.limit} units of one P-256 verification): ` +
        `${rounded(this.spent)} units spent, ${what} needs ${rounded(units)} more`,
      "local",
      "limit_exceeded",
    );
  }

  /**
   * Back to `used` units (a value `used` had earlier): for work that is redone, so that it is
   * charged once. async-verify.ts redoes an optimistic path search this way.
   */
  rewindTo(used: number): void {
    if (used >= 0 && used <= this.spent) this.spent = used;
  }

  chargeSignature(algorithm: SignatureAlgorithm, key: PublicKey, what: string): void {
    this.charge(signatureVerificationCost(algorithm, key), what);
  }

  chargeParse(bytes: number, what: string): void {
    this.charge(bytes * PARSE_COST_PER_BYTE, what);
  }
}
