/**
 * Whatever bytes arrive, the X.509 entry points either succeed or throw a TLSError: never a
 * TypeError, RangeError or an asn1js exception. Inputs are real fixtures truncated, bit-flipped,
 * spliced, and plain random bytes (fast-check).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { readFileSync } from "node:fs";
import { decodePem, parseCertificate, parseCertificateRevocationList, parsePrivateKey, verifyCertificateChain } from "../../src/x509/index.js";
import { certDer, readFixture, readFixtureBytes } from "./fixtures.js";

function onlyTLSError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TLSError)) throw new Error(`threw ${String(e)} instead of a TLSError`);
  }
}

/** A mutation of `seed`: truncation, flipped bits, an inserted or deleted byte range. */
function mutated(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const seed = fc.constantFrom(...seeds);
  const truncated = seed.chain((s) => fc.nat({ max: s.length }).map((n) => s.slice(0, n)));
  const flipped = seed.chain((s) =>
    fc.array(fc.tuple(fc.nat({ max: s.length - 1 }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }).map((flips) => {
      const out = s.slice();
      for (const [at, bit] of flips) out[at] ^= 1 << bit;
      return out;
    }),
  );
  const spliced = seed.chain((s) =>
    fc.tuple(fc.nat({ max: s.length }), fc.nat({ max: 8 }), fc.uint8Array({ maxLength: 8 })).map(([at, del, ins]) =>
      Uint8Array.from([...s.subarray(0, at), ...ins, ...s.subarray(Math.min(s.length, at + del))]),
    ),
  );
  // Headers are where lengths live: bias flips to the first bytes.
  const headerFlip = seed.chain((s) =>
    fc.tuple(fc.nat({ max: Math.min(31, s.length - 1) }), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
      const out = s.slice();
      out[at] ^= x;
      return out;
    }),
  );
  return fc.oneof(truncated, flipped, spliced, headerFlip, fc.uint8Array({ maxLength: 300 }));
}

const CERTS = ["server", "client", "leaf-rsa-pss", "leaf-ed25519", "root-ca", "unknown-critical"].map(certDer);
const KEYS = [
  "keys/server.der",
  "keys/server.sec1.der",
  "keys/rsa.pkcs1.der",
  "keys/ed25519.der",
].map(readFixtureBytes);

describe("only TLSError escapes", () => {
  test("parseCertificate", () => {
    fc.assert(fc.property(mutated(CERTS), (der) => onlyTLSError(() => parseCertificate(der))), { numRuns: 3000 });
  });

  test("a mutated certificate is rejected or still parses to the same shape", () => {
    let rejected = 0;
    fc.assert(
      fc.property(mutated(CERTS), (der) => {
        try {
          const c = parseCertificate(der);
          expect(c.der.length).toBe(der.length);
        } catch (e) {
          expect(e).toBeInstanceOf(TLSError);
          rejected++;
        }
      }),
      { numRuns: 500 },
    );
    expect(rejected).toBeGreaterThan(100);
  });

  test("parsePrivateKey (DER and PEM text)", () => {
    fc.assert(fc.property(mutated(KEYS), (der) => onlyTLSError(() => parsePrivateKey(der))), { numRuns: 1500 });
    const pem = readFixture("keys/rsa.pkcs1.pem");
    fc.assert(
      fc.property(fc.nat({ max: pem.length - 1 }), fc.string({ minLength: 1, maxLength: 1 }), (at, ch) => onlyTLSError(() => parsePrivateKey(pem.slice(0, at) + ch + pem.slice(at + 1)))),
      { numRuns: 300 },
    );
  });

  test("parseCertificateRevocationList (seeds: the CRLs of x509-limbo's crl:: cases)", () => {
    const suite = JSON.parse(readFileSync(new URL("../../vectors/x509-limbo/x509-limbo.json", import.meta.url), "utf8")) as { testcases: { crls: string[] }[] };
    const seeds = suite.testcases.flatMap((c) => c.crls).flatMap((pem) => decodePem(pem).map((b) => b.der));
    expect(seeds.length).toBeGreaterThan(3);
    for (const der of seeds) expect(() => parseCertificateRevocationList(der)).not.toThrow();
    fc.assert(fc.property(mutated(seeds), (der) => onlyTLSError(() => parseCertificateRevocationList(der))), { numRuns: 1500 });
  });

  test("decodePem on arbitrary text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => onlyTLSError(() => decodePem(`-----BEGIN X-----\n${s}\n-----END X-----\n`))));
  });

  test("verifyCertificateChain with a mutated leaf or intermediate", () => {
    const root = parseCertificate(certDer("root-ca"));
    const inter = certDer("intermediate-ca");
    fc.assert(
      fc.property(mutated([certDer("server")]), mutated([inter]), fc.boolean(), (leaf, mutInter, which) =>
        onlyTLSError(() =>
          verifyCertificateChain({
            chain: which ? [leaf, inter] : [certDer("server"), mutInter],
            trustAnchors: [root],
            now: new Date(Date.UTC(2030, 0, 1)),
            provider: pureProvider,
            purpose: "serverAuth",
            serverName: "localhost",
          }),
        ),
      ),
      { numRuns: 300 },
    );
  });
});
