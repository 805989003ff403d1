/**
 * Access to test/fixtures/x509 (made by its make.sh) and to OpenSSL's recorded reading of it.
 * Certificates are decoded here with Node's base64, not mutls's, so the tests do not lean on the
 * code under test to load their inputs.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";

const DIR = new URL("../fixtures/x509/", import.meta.url);

export function fixturePath(rel: string): URL {
  return new URL(rel, DIR);
}

export function readFixture(rel: string): string {
  return readFileSync(fixturePath(rel), "utf8");
}

export function readFixtureBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(rel)));
}

/** Names of every certificate fixture (certs/NAME.pem). */
export function certificateNames(): string[] {
  return readdirSync(fixturePath("certs/"))
    .filter((f) => f.endsWith(".pem"))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** DER of certs/NAME.pem, decoded by Node. */
export function certDer(name: string): Uint8Array {
  return new Uint8Array(new X509Certificate(readFixture(`certs/${name}.pem`)).raw);
}

export function nodeCert(name: string): X509Certificate {
  return new X509Certificate(readFixture(`certs/${name}.pem`));
}

/** What `openssl x509` printed for a certificate (see make.sh). */
export interface OpensslView {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** `-text` output restricted to the signature algorithm, public key and extensions. */
  text: string;
  /** DER of the SubjectPublicKeyInfo from `-pubkey`. */
  spki: Uint8Array;
}

function isoDate(openssl: string): Date {
  // "2026-11-27 09:17:16Z" -> ISO 8601
  return new Date(openssl.replace(" ", "T"));
}

export function opensslView(name: string): OpensslView {
  const raw = readFixture(`openssl/${name}.txt`);
  const [head, rest] = raw.split("---text---\n");
  const [text, pubkeyPem] = rest.split("---pubkey---\n");
  const field = (key: string): string => {
    const line = head.split("\n").find((l) => l.startsWith(`${key}=`));
    if (line === undefined) throw new Error(`openssl/${name}.txt lacks ${key}`);
    return line.slice(key.length + 1);
  };
  const b64 = pubkeyPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return {
    subject: field("subject"),
    issuer: field("issuer"),
    serial: field("serial"),
    notBefore: isoDate(field("notBefore")),
    notAfter: isoDate(field("notAfter")),
    text,
    spki: new Uint8Array(Buffer.from(b64, "base64")),
  };
}

/** The lines under an extension heading in openssl's -text output, e.g. "X509v3 Subject Alternative Name". */
export function opensslExtension(view: OpensslView, heading: string): { critical: boolean; value: string } | null {
  const lines = view.text.split("\n");
  const at = lines.findIndex((l) => l.trim().startsWith(`${heading}:`));
  if (at < 0) return null;
  const indent = lines[at].search(/\S/);
  const value: string[] = [];
  for (let i = at + 1; i < lines.length && lines[i].search(/\S/) > indent; i++) value.push(lines[i].trim());
  return { critical: lines[at].includes("critical"), value: value.join("\n") };
}

export interface VerifyCase {
  name: string;
  leaf: string;
  untrusted: string[];
  anchors: string[];
  purpose: "serverAuth" | "clientAuth";
  host: string;
  opensslOk: boolean;
  opensslSays: string;
}

/** The `openssl verify` verdicts make.sh recorded, and the time they hold for. */
export function verifyCases(): { at: Date; cases: VerifyCase[] } {
  const lines = readFixture("verify.tsv").split("\n");
  const at = new Date(Number(/attime=(\d+)/.exec(lines[0])![1]) * 1000);
  const words = (s: string): string[] => s.split(" ").filter((w) => w !== "");
  const cases = lines
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const [name, leaf, untrusted, anchors, purpose, host, verdict, says] = l.split("\t");
      return {
        name,
        leaf,
        untrusted: words(untrusted),
        anchors: words(anchors),
        purpose: purpose === "sslserver" ? ("serverAuth" as const) : ("clientAuth" as const),
        host,
        opensslOk: verdict === "OK",
        opensslSays: says ?? "",
      };
    });
  return { at, cases };
}
