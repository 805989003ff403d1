/**
 * parsePrivateKey against node:crypto's reading of the same files (JWK export), for every form
 * make.sh writes; the key/certificate match check; and the refusals.
 */
import { createPrivateKey, type JsonWebKey } from "node:crypto";
import { describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { createProvider, ecdsaP256, sha256, aes128gcm, x25519 } from "../../src/crypto/algorithms.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { nativeProvider } from "../../src/node/index.js";
import { parseCertificate, parsePrivateKey, privateKeyFitsCertificate, privateKeyMatchesCertificate, publicKeyOf, readPrivateKey } from "../../src/x509/index.js";
import { explicit, int, octets, oid, seq } from "./der-builder.js";
import { certDer, readFixture, readFixtureBytes } from "./fixtures.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const b64 = (v: string | undefined): string => Buffer.from(v ?? "", "base64url").toString("hex");
const big = (v: string | undefined): bigint => BigInt("0x" + b64(v));

function nodeJwk(file: string): JsonWebKey {
  const bytes = readFixtureBytes(file);
  const isDer = bytes[0] === 0x30;
  const type = file.includes("pkcs1") ? "pkcs1" : file.includes("sec1") ? "sec1" : "pkcs8";
  const key = isDer ? createPrivateKey({ key: Buffer.from(bytes), format: "der", type }) : createPrivateKey(readFixture(file));
  return key.export({ format: "jwk" });
}

const FORMS: [file: string, kind: string][] = [
  ["keys/server.pem", "ec"],
  ["keys/server.sec1.pem", "ec"],
  ["keys/server.sec1.der", "ec"],
  ["keys/server.der", "ec"],
  ["keys/p384.pem", "ec"],
  ["keys/p384.sec1.pem", "ec"],
  ["keys/ecparam-p256.pem", "ec"],
  ["keys/ed25519.pem", "ed25519"],
  ["keys/ed25519.der", "ed25519"],
  ["keys/rsa.pem", "rsa"],
  ["keys/rsa.pkcs1.pem", "rsa"],
  ["keys/rsa.pkcs1.der", "rsa"],
  ["keys/rsa-ca.pem", "rsa"],
];

describe.each(FORMS)("%s equals node:crypto's reading", (file, kind) => {
  test("components", () => {
    const input = file.endsWith(".der") ? readFixtureBytes(file) : readFixture(file);
    const key = parsePrivateKey(input);
    const jwk = nodeJwk(file);
    expect(key.kind).toBe(kind);
    if (key.kind === "ec") {
      expect(key.curve).toBe(jwk.crv);
      expect(hex(key.d)).toBe(b64(jwk.d));
      const pub = publicKeyOf(key);
      expect(pub.kind === "ec" && hex(pub.point)).toBe("04" + b64(jwk.x) + b64(jwk.y));
    } else if (key.kind === "ed25519") {
      expect(hex(key.seed)).toBe(b64(jwk.d));
      const pub = publicKeyOf(key);
      expect(pub.kind === "ed25519" && hex(pub.key)).toBe(b64(jwk.x));
    } else {
      expect([key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qinv]).toEqual(
        [jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(big),
      );
    }
  });

  test("PEM given as bytes works the same", () => {
    if (file.endsWith(".der")) return;
    expect(parsePrivateKey(readFixtureBytes(file))).toEqual(parsePrivateKey(readFixture(file)));
  });
});

describe("privateKeyMatchesCertificate", () => {
  const pairs: [key: string, cert: string][] = [
    ["keys/server.pem", "server"],
    ["keys/server.sec1.pem", "expired"],
    ["keys/client.pem", "client"],
    ["keys/p384.sec1.pem", "leaf-p384"],
    ["keys/ed25519.pem", "leaf-ed25519"],
    ["keys/ed25519.der", "pinned-ed25519"],
    ["keys/rsa.pkcs1.pem", "leaf-rsa"],
    ["keys/rsa-pss.pem", "leaf-rsa-pss"],
    ["keys/root.pem", "root-ca"],
  ];
  test.each(pairs)("%s belongs to %s", (keyFile, certName) => {
    const key = parsePrivateKey(keyFile.endsWith(".der") ? readFixtureBytes(keyFile) : readFixture(keyFile));
    expect(privateKeyMatchesCertificate(key, parseCertificate(certDer(certName)))).toBe(true);
  });

  test("keys do not match other certificates", () => {
    const server = parsePrivateKey(readFixture("keys/server.pem"));
    for (const other of ["client", "leaf-p384", "leaf-ed25519", "leaf-rsa", "root-ca", "leaf-p521"]) {
      expect(privateKeyMatchesCertificate(server, parseCertificate(certDer(other))), other).toBe(false);
    }
    expect(privateKeyMatchesCertificate(parsePrivateKey(readFixture("keys/rsa.pem")), parseCertificate(certDer("leaf-rsa-pss")))).toBe(false);
  });

  // The engine's check (handshake/config): the key read without curve arithmetic, judged by the
  // connection's provider: derived by a composed provider's module, by a test signature under a
  // native one. It must agree with the stand-alone check above on every pair.
  const minimal = createProvider({ hashes: [sha256], aeads: [aes128gcm], keyShares: [x25519], signatures: [ecdsaP256] });
  test.each([
    ["pure", pureProvider],
    ["native", nativeProvider],
  ] as const)("privateKeyFitsCertificate under the %s provider agrees on every pair and every mismatch", (_, provider) => {
    for (const [keyFile, certName] of pairs) {
      const key = readPrivateKey(keyFile.endsWith(".der") ? readFixtureBytes(keyFile) : readFixture(keyFile));
      expect(privateKeyFitsCertificate(key, parseCertificate(certDer(certName)), provider), `${keyFile} ${certName}`).toBe(true);
    }
    const server = readPrivateKey(readFixture("keys/server.pem"));
    for (const other of ["client", "leaf-p384", "leaf-ed25519", "leaf-rsa", "root-ca", "leaf-p521"]) {
      expect(privateKeyFitsCertificate(server, parseCertificate(certDer(other)), provider), other).toBe(false);
    }
  });

  test("a provider composed of ECDSA P-256 alone still judges a P-256 key (by derivation) and an Ed25519 key (by a signature it cannot make)", () => {
    expect(privateKeyFitsCertificate(readPrivateKey(readFixture("keys/server.pem")), parseCertificate(certDer("server")), minimal)).toBe(true);
    expect(privateKeyFitsCertificate(readPrivateKey(readFixture("keys/server.pem")), parseCertificate(certDer("client")), minimal)).toBe(false);
    expect(() => privateKeyFitsCertificate(readPrivateKey(readFixture("keys/ed25519.pem")), parseCertificate(certDer("leaf-ed25519")), minimal)).toThrow("cannot sign with Ed25519 keys");
  });

  test("a key read without curve arithmetic keeps a wrong embedded public key aside, and it fits no certificate", () => {
    const der = readFixtureBytes("keys/server.sec1.der").slice();
    der[der.length - 1] ^= 1;
    expect(privateKeyFitsCertificate(readPrivateKey(der), parseCertificate(certDer("expired")), pureProvider)).toBe(false);
    expect(privateKeyFitsCertificate(readPrivateKey(readFixtureBytes("keys/server.sec1.der")), parseCertificate(certDer("expired")), pureProvider)).toBe(true);
  });

  test("a parsed key signs what the certificate's key verifies", () => {
    const key = parsePrivateKey(readFixture("keys/p384.sec1.pem"));
    const cert = parseCertificate(certDer("leaf-p384"));
    const message = new Uint8Array([1, 2, 3]);
    const alg = { kind: "ecdsa", hash: "SHA-384" } as const;
    expect(pureProvider.verify(alg, cert.publicKey!, message, pureProvider.sign(alg, key, message))).toBe(true);
  });
});

function refusal(input: string | Uint8Array): TLSError {
  try {
    parsePrivateKey(input);
  } catch (e) {
    expect(e).toBeInstanceOf(TLSError);
    return e as TLSError;
  }
  throw new Error("parsePrivateKey accepted it");
}

describe("refusals", () => {
  test.each(["keys/server.encrypted.pem", "keys/rsa.legacy-encrypted.pem"])("%s is encrypted", (file) => {
    const e = refusal(readFixture(file));
    expect(e.alertName).toBe("internal_error");
    expect(e.message).toBe("encrypted private keys are not supported; decrypt it first with openssl pkey");
  });

  test("encrypted PKCS#8 as DER", () => {
    const der = createPrivateKey(readFixture("keys/server.pem")).export({ format: "der", type: "pkcs8", cipher: "aes-128-cbc", passphrase: "x" });
    expect(refusal(new Uint8Array(der)).message).toContain("encrypted private keys are not supported");
  });

  test.each([
    ["keys/p521.pem", "curve 1.3.132.0.35 is not supported"],
    ["keys/ed448.pem", "algorithm 1.3.101.113 is not supported"],
  ])("%s is unsupported", (file, message) => {
    expect(refusal(readFixture(file)).message).toContain(message);
  });

  test("no key in the text", () => {
    expect(refusal(readFixture("certs/server.pem")).message).toContain('no private key found (only CERTIFICATE); expected a "PRIVATE KEY" PEM block');
    expect(refusal("hello").message).toContain("no PEM blocks");
  });

  test("a SEC1 key whose embedded public key is someone else's", () => {
    const der = readFixtureBytes("keys/server.sec1.der").slice();
    der[der.length - 1] ^= 1;
    expect(refusal(der).message).toContain("does not belong to its private scalar");
  });

  test("an RSA key with a corrupted CRT value", () => {
    const jwk = createPrivateKey(readFixture("keys/rsa.pem")).export({ format: "jwk" });
    const bad = createPrivateKey({ key: { ...jwk, dp: Buffer.from(big(jwk.dp).toString(16).replace(/.$/, "0"), "hex").toString("base64url") }, format: "jwk" });
    const der = bad.export({ format: "der", type: "pkcs1" });
    expect(refusal(new Uint8Array(der)).message).toContain("inconsistent");
  });

  test.each([
    ["zero", "00".repeat(32)],
    ["the group order", "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"],
  ])("an EC scalar equal to %s", (_, d) => {
    const der = seq(int(1), octets(Buffer.from(d, "hex")), explicit(0, oid("1.2.840.10045.3.1.7")));
    const e = refusal(der);
    expect(e.alertName).toBe("internal_error");
    expect(e.message).toContain("not a valid P-256 scalar");
  });

  test("a scalar with its leading zero dropped is restored", () => {
    const d = "00" + "11".repeat(31);
    const key = parsePrivateKey(seq(int(1), octets(Buffer.from(d.slice(2), "hex")), explicit(0, oid("1.2.840.10045.3.1.7"))));
    expect(key.kind === "ec" && hex(key.d)).toBe(d);
  });

  test("multi-prime RSA is refused", () => {
    const der = seq(int(1), ...Array.from({ length: 8 }, () => int(3)), seq());
    expect(refusal(der).message).toContain("multi-prime RSA private keys are not supported");
  });
});
