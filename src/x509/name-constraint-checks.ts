/**
 * Applying name constraints along a complete path (RFC 5280 §6.1.3 (b)(c), §6.1.4 (g)): every CA
 * on the path, the trust anchor included, constrains the names of every certificate below it,
 * except self-issued intermediates (§6.1.3 (b): "unless certificate i is self-issued and is not
 * the final certificate"). A path that breaks a constraint is refused; path building then tries
 * another candidate, because a different path may avoid the constraining CA.
 */
import type { TLSError } from "../bytes/index.js";
import { displayName, type Certificate } from "./certificate.js";
import { certificateError, isSelfIssued } from "./chain-checks.js";
import { parseDer, type DerContext } from "./der.js";
import { OID } from "./oids.js";
import { GENERAL_NAME_FORMS } from "./general-name.js";
import type { DistinguishedName } from "./name.js";
import {
  directoryNameInSubtree,
  dnsInSubtree,
  emailInSubtree,
  ipInSubtree,
  uriInSubtree,
  type NameConstraints,
  type Subtrees,
  parseNameConstraints,
} from "./name-constraints.js";

/** Most name-against-subtree comparisons one path may cost (hostile certificates carry thousands). */
export const NAME_CONSTRAINT_BUDGET = 1 << 16;

type Violation = { readonly name: string } | null;

function caName(ca: Certificate): string {
  return displayName(ca.subject.commonName ?? ca.subject.text, "(empty subject)");
}

/** The names of one certificate, by form, in the order messages show them. */
interface NamesOf {
  readonly dns: readonly string[];
  readonly ip: readonly { readonly text: string; readonly bytes: Uint8Array }[];
  readonly email: readonly { readonly label: string; readonly value: string }[];
  readonly uri: readonly string[];
  readonly directoryNames: readonly { readonly label: string; readonly name: DistinguishedName }[];
  readonly otherForms: readonly number[];
}

function namesOf(cert: Certificate): NamesOf {
  const san = cert.subjectAltName;
  const directoryNames = [...(san?.directoryNames ?? []).map((name) => ({ label: "directoryName SAN", name }))];
  // §4.2.1.10: constraints apply to the subject too, when it is not empty.
  if (cert.subject.rdns.length > 0) directoryNames.unshift({ label: "subject", name: cert.subject });
  return {
    dns: san?.dns ?? [],
    ip: san === null ? [] : san.ip.map((text, i) => ({ text, bytes: san.ipBytes[i] })),
    // §4.2.1.10: "rfc822Name constraints ... MUST be applied to the attribute of type emailAddress".
    email: [
      ...(san?.email ?? []).map((value) => ({ label: "email SAN", value })),
      ...cert.subject.emailAddresses.map((value) => ({ label: "subject emailAddress", value })),
    ],
    uri: san?.uri ?? [],
    directoryNames,
    otherForms: san?.otherForms ?? [],
  };
}

class ConstraintChecker {
  private budget = NAME_CONSTRAINT_BUDGET;

  private spend(n: number): void {
    this.budget -= n;
    if (this.budget < 0) {
      throw certificateError("bad_certificate", `gave up checking name constraints after ${NAME_CONSTRAINT_BUDGET} comparisons (too many names or constraints)`, "limit_exceeded");
    }
  }

  /** Names of one form against the permitted subtrees (all must fit one) and excluded ones (none may). */
  private check<N, C>(
    names: readonly N[],
    permitted: readonly C[] | undefined,
    excluded: readonly C[] | undefined,
    inside: (n: N, c: C, mode: "all" | "any") => boolean,
    show: (n: N) => string,
  ): Violation {
    for (const n of names) {
      if (permitted !== undefined && permitted.length > 0) {
        this.spend(permitted.length);
        if (!permitted.some((c) => inside(n, c, "all"))) return { name: show(n) };
      }
      if (excluded !== undefined && excluded.length > 0) {
        this.spend(excluded.length);
        if (excluded.some((c) => inside(n, c, "any"))) return { name: show(n) };
      }
    }
    return null;
  }

  /** The first name of `cert` that `constraints` forbid, described for a message. */
  violation(cert: Certificate, constraints: NameConstraints): Violation | "unsupported" {
    const names = namesOf(cert);
    const p: Subtrees | null = constraints.permitted;
    const x: Subtrees | null = constraints.excluded;
    // A form mutls cannot evaluate is refused only when it is both constrained and present.
    for (const tag of names.otherForms) {
      if (p?.otherForms.includes(tag) || x?.otherForms.includes(tag)) return "unsupported";
    }
    return (
      this.check(names.dns, p?.dns, x?.dns, (n: string, c: string, mode) => dnsInSubtree(n, c, mode), (n) => `DNS SAN ${n}`) ??
      this.check(names.ip, p?.ip, x?.ip, (n, c) => ipInSubtree(n.bytes, c), (n) => `IP SAN ${n.text}`) ??
      this.check(names.email, p?.email, x?.email, (n, c: string) => emailInSubtree(n.value, c), (n) => `${n.label} ${n.value}`) ??
      this.check(
        names.uri,
        p?.uri,
        x?.uri,
        (n: string, c: string, mode) => uriInSubtree(n, c, mode),
        (n) => `URI SAN ${n}`,
      ) ??
      this.check(names.directoryNames, p?.directoryNames, x?.directoryNames, (n, c) => directoryNameInSubtree(n.name, c), (n) => `${n.label} ${n.name.text}`)
    );
  }
}

/** A CA's constraints, parsed here if the certificate was read without the parser (parseCertificateWith(der, null)). */
function constraintsOf(ca: Certificate): NameConstraints | null {
  const constraints = ca.nameConstraints;
  if (constraints?.unparsed === undefined) return constraints;
  const ctx: DerContext = { alert: "bad_certificate", what: `certificate extension ${OID.nameConstraints}` };
  return parseNameConstraints(parseDer(constraints.unparsed, ctx), ctx);
}

/**
 * Checks every constraint on a complete path: `path` is leaf first and excludes the anchor.
 * Returns the TLSError to raise, or null.
 */
export function checkPathNameConstraints(path: readonly Certificate[], anchor: Certificate): TLSError | null {
  const checker = new ConstraintChecker();
  const cas = [...path.slice(1), anchor];
  for (let k = 0; k < cas.length; k++) {
    const ca = cas[k];
    const constraints = constraintsOf(ca);
    if (constraints === null) continue;
    // cas[k] sits at path index k + 1, so it constrains path[0..k].
    for (let i = 0; i <= k; i++) {
      const subject = path[i];
      if (i > 0 && isSelfIssued(subject)) continue;
      const found = checker.violation(subject, constraints);
      if (found === "unsupported") {
        const forms = (subject.subjectAltName?.otherForms ?? []).map((t) => GENERAL_NAME_FORMS[t]).join(", ");
        return certificateError(
          "unsupported_certificate",
          `certificate ${displayName(subject.subject.text, "(empty subject)")} has a ${forms} name, and ${caName(ca)} constrains that name form, which mutls cannot evaluate`,
        );
      }
      if (found !== null) return certificateError("bad_certificate", `${found.name} violates the name constraint of ${caName(ca)}`);
    }
  }
  return null;
}

/**
 * Name-constraint checking as a module for the engine's `nameConstraintChecking` option: the
 * `mutls` entry supplies it to every configuration; a `mutls/core` configuration that leaves it
 * out refuses every path on which a certificate constrains names (verify.ts), so a bundle that
 * never meets name constraints carries neither their parsing (`parse`: the engine reads
 * certificates with it, else only notes the extension) nor their matching code (`check`).
 */
export interface NameConstraintChecking {
  readonly parse: typeof parseNameConstraints;
  readonly check: typeof checkPathNameConstraints;
}

export const nameConstraintChecking: NameConstraintChecking = { parse: parseNameConstraints, check: checkPathNameConstraints };
