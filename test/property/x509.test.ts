/**
 * X.509 entry points the engine calls on peer and configuration input, fed mutations of the real
 * test PKI (test/fixtures/certs): DER certificates as a peer sends them, PEM text as a user
 * configures it, and private keys. Only a TLSError may come out, with the alert that fits the
 * input's origin: peer certificates get certificate alerts or decode_error (RFC 8446 §6.2);
 * local key files get internal_error (a configuration error, never sent for a peer's bytes).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TLSError } from "../../src/index.js";
import { decodePem, parseCertificate, parsePrivateKey, pemCertificates } from "../../src/x509/index.js";
import { KEY_TYPES, pemToDer, readPem } from "../helpers/fixtures.js";
import { mutated, params } from "./arbitraries.js";

function onlyTLSError(allowed: ReadonlySet<string>, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof TLSError)) throw new Error(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} instead of a TLSError`);
    expect(allowed.has(e.alertName), `${e.alertName}: ${e.message}`).toBe(true);
  }
}

const CERT_ALERTS = new Set(["bad_certificate", "unsupported_certificate", "decode_error"]);
const KEY_ALERTS = new Set(["internal_error", "decode_error"]);

const stems = ["ca", "untrusted-ca", ...KEY_TYPES.flatMap((t) => [`server-${t}`, `client-${t}`])];
const certPems = stems.map((s) => readPem(`${s}.cert.pem`));
const certDers = certPems.map((p) => pemToDer(p)[0]);
const keyPems = stems.map((s) => readPem(`${s}.key.pem`));
const keyDers = keyPems.map((p) => pemToDer(p, "PRIVATE KEY")[0] ?? pemToDer(p, "EC PRIVATE KEY")[0]).filter((d): d is Uint8Array => d !== undefined);
const ascii = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder("latin1").decode(b);

describe("x509 parsers only throw TLSError", () => {
  it("the seeds parse (the properties start from valid input)", () => {
    for (const der of certDers) expect(() => parseCertificate(der)).not.toThrow();
    for (const pem of keyPems) expect(() => parsePrivateKey(pem)).not.toThrow();
    expect(keyDers.length).toBeGreaterThan(0);
  });
  it("parseCertificate on mutated DER certificates (a peer's Certificate entries)", () => {
    fc.assert(fc.property(mutated(certDers), (der) => onlyTLSError(CERT_ALERTS, () => parseCertificate(der))), params(800));
  });
  it("pemCertificates and decodePem on mutated PEM text", () => {
    fc.assert(
      fc.property(mutated(certPems.map(ascii)), (bytes) => {
        onlyTLSError(new Set(["decode_error"]), () => decodePem(text(bytes)));
        onlyTLSError(new Set(["decode_error"]), () => pemCertificates(text(bytes)));
      }),
      params(500),
    );
  });
  it("parsePrivateKey on mutated PEM and DER keys", () => {
    fc.assert(
      fc.property(mutated([...keyPems.map(ascii), ...keyDers]), fc.boolean(), (bytes, asText) =>
        onlyTLSError(KEY_ALERTS, () => parsePrivateKey(asText ? text(bytes) : bytes)),
      ),
      params(400),
    );
  });
});
