/**
 * `mutls cert inspect FILE`: each certificate in a PEM or DER file, as a person reads it (subject,
 * issuer, names, validity against the current time, key, SPIFFE ID, CA or leaf and its purposes),
 * or with `--json` as one JSON object per file.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { bytesToAscii } from "../bytes/index.js";
import type { Certificate } from "../index.js";
import { parseCertificate, pemCertificates, spiffeIdOf, x509SvidProblem } from "../x509/index.js";
import { type ParsedArgs, UsageError, fileProblem } from "./args.js";

function keyText(cert: Certificate): string {
  const key = cert.publicKey;
  if (key === null) return `unsupported (algorithm ${cert.publicKeyAlgorithmOid})`;
  if (key.kind === "ec") return `ECDSA ${key.curve}`;
  if (key.kind === "ed25519") return "Ed25519";
  return `RSA ${key.n.toString(2).length} bits${key.pssOnly ? " (RSA-PSS only)" : ""}`;
}

function validityState(cert: Certificate, now: Date): string {
  if (now < cert.notBefore) return "not yet valid";
  if (now > cert.notAfter) return "expired";
  const days = Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000);
  return `valid now, ${days} day(s) left`;
}

interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly validity: string;
  readonly key: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly uris: readonly string[];
  readonly emails: readonly string[];
  readonly spiffeId: string | null;
  /** Why the certificate is not an X509-SVID although it carries a SPIFFE ID, else null. */
  readonly svidProblem: string | null;
  readonly ca: boolean;
  readonly pathLength: number | null;
  readonly purposes: readonly string[] | null;
  readonly selfSigned: boolean;
  readonly sha256: string;
}

export function summarize(cert: Certificate, now: Date): CertificateSummary {
  const san = cert.subjectAltName;
  const spiffeId = spiffeIdOf(cert)?.id ?? null;
  return {
    subject: cert.subject.text,
    issuer: cert.issuer.text,
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    validity: validityState(cert, now),
    key: keyText(cert),
    dnsNames: san?.dns ?? [],
    ipAddresses: san?.ip ?? [],
    uris: san?.uri ?? [],
    emails: san?.email ?? [],
    spiffeId,
    svidProblem: spiffeId === null ? null : x509SvidProblem(cert),
    ca: cert.basicConstraints?.ca === true,
    pathLength: cert.basicConstraints?.pathLen ?? null,
    // The parser already names each purpose as OpenSSL prints it (KEY_PURPOSE_NAMES).
    purposes: cert.extKeyUsage ?? null,
    selfSigned: cert.subject.text === cert.issuer.text,
    sha256: createHash("sha256")
      .update(cert.der)
      .digest("hex")
      .toUpperCase()
      .replace(/(..)(?!$)/g, "$1:"),
  };
}

function formatSummary(s: CertificateSummary, index: number, count: number): string {
  const names = [
    ...s.dnsNames.map((n) => `DNS:${n}`),
    ...s.ipAddresses.map((n) => `IP:${n}`),
    ...s.uris.map((n) => `URI:${n}`),
    ...s.emails.map((n) => `email:${n}`),
  ];
  const rows: [string, string][] = [
    ["subject", s.subject || "(empty)"],
    ["issuer", `${s.issuer || "(empty)"}${s.selfSigned ? " (self-signed)" : ""}`],
    ["serial", s.serialNumber],
    ["not before", s.notBefore],
    ["not after", `${s.notAfter} (${s.validity})`],
    ["key", s.key],
    ["names", names.length > 0 ? names.join(", ") : "none (no subjectAltName)"],
    ["SPIFFE ID", s.spiffeId === null ? "none" : `${s.spiffeId}${s.svidProblem ? ` (not a valid X509-SVID: ${s.svidProblem})` : ""}`],
    ["CA", s.ca ? `yes${s.pathLength !== null ? `, path length ${s.pathLength}` : ""}` : "no"],
    ["purposes", s.purposes === null ? "any (no extendedKeyUsage)" : s.purposes.join(", ")],
    ["SHA-256", s.sha256],
  ];
  const title = count > 1 ? `certificate ${index + 1} of ${count}` : "certificate";
  return [title, ...rows.map(([k, v]) => `  ${k.padEnd(11)}${v}`)].join("\n") + "\n";
}

/** Runs `mutls cert inspect FILE [--json]`. */
export function inspectFile(args: ParsedArgs, write: (text: string) => void): void {
  if (args.positional.length !== 1) throw new UsageError("mutls cert inspect needs one FILE (mutls cert inspect --help)");
  const path = args.positional[0];
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`${path}: cannot read it: ${fileProblem(e)}`);
  }
  const text = bytesToAscii(bytes);
  const pem = /^\s*-----BEGIN /.test(text.slice(0, 64));
  if (!pem && bytes[0] !== 0x30) throw new UsageError(`${path}: no "BEGIN CERTIFICATE" block in it, and it is not DER either`);
  let ders: Uint8Array[];
  try {
    ders = pem ? pemCertificates(text) : [bytes];
  } catch (e) {
    throw new UsageError(`${path}: unreadable PEM: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (ders.length === 0) throw new UsageError(`${path}: no "BEGIN CERTIFICATE" block in it`);
  const now = new Date();
  const summaries = ders.map((der, i) => {
    try {
      return summarize(parseCertificate(der), now);
    } catch (e) {
      throw new UsageError(`${path}: certificate #${i + 1} is not a valid X.509 certificate: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  if (args.switches.has("json")) write(JSON.stringify({ file: path, certificates: summaries }) + "\n");
  else write(summaries.map((s, i) => formatSummary(s, i, summaries.length)).join("\n"));
}
