/**
 * parseCertificate against OpenSSL's reading of every fixture (openssl/*.txt, recorded by
 * make.sh) and Node's: names, serial, dates, keys, algorithms, extensions; and signatures
 * checked through the pure provider agree with node:crypto's X509Certificate.verify.
 */
import { createPublicKey, type JsonWebKey } from "node:crypto";
import { describe, expect, test } from "vitest";
import { pureProvider } from "../../src/crypto/pure.js";
import { parseCertificate, type Certificate } from "../../src/x509/index.js";
import { certDer, certificateNames, nodeCert, opensslExtension, opensslView } from "./fixtures.js";

const names = certificateNames();
const parsed = new Map<string, Certificate>(names.map((n) => [n, parseCertificate(certDer(n))]));
const cert = (n: string): Certificate => parsed.get(n)!;

const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString("hex"));
const opensslHex = (s: string): string => s.replace(/^keyid:/, "").replace(/:/g, "").toLowerCase();
const b64url = (v: string | undefined): string => Buffer.from(v ?? "", "base64url").toString("hex");

/** WHATWG URL serialises IPv6 per RFC 5952, an outside canonicaliser for openssl's long form. */
function canonicalIp(text: string): string {
  return text.includes(":") ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text;
}

const KEY_USAGE_NAMES: Record<string, string> = {
  "Digital Signature": "digitalSignature",
  "Non Repudiation": "contentCommitment",
  "Key Encipherment": "keyEncipherment",
  "Data Encipherment": "dataEncipherment",
  "Key Agreement": "keyAgreement",
  "Certificate Sign": "keyCertSign",
  "CRL Sign": "cRLSign",
  "Encipher Only": "encipherOnly",
  "Decipher Only": "decipherOnly",
};
const EKU_NAMES: Record<string, string> = {
  "TLS Web Server Authentication": "serverAuth",
  "TLS Web Client Authentication": "clientAuth",
};

describe.each(names)("%s matches openssl x509", (name) => {
  const c = cert(name);
  const view = opensslView(name);

  test("names, serial, validity and SPKI", () => {
    expect(c.subject.text).toBe(view.subject);
    expect(c.issuer.text).toBe(view.issuer);
    expect(c.serialNumber).toBe(view.serial.toLowerCase());
    expect(c.notBefore.toISOString()).toBe(view.notBefore.toISOString());
    expect(c.notAfter.toISOString()).toBe(view.notAfter.toISOString());
    expect(hex(c.spki)).toBe(hex(view.spki));
    expect(c.version).toBe(3);
    expect(hex(c.der)).toBe(hex(new Uint8Array(nodeCert(name).raw)));
  });

  test("public key equals the one node:crypto exports", () => {
    const k = c.publicKey;
    const algorithm = /Public Key Algorithm: (\S+)/.exec(view.text)![1];
    if (algorithm === "rsassaPss") {
      // node:crypto cannot export id-RSASSA-PSS keys as JWK, so read openssl's modulus dump.
      const modulus = /Modulus:\n([\s0-9a-f:]+)\n\s*Exponent: (\d+)/.exec(view.text)!;
      expect(k).toEqual({ kind: "rsa", n: BigInt("0x" + modulus[1].replace(/[\s:]/g, "")), e: BigInt(modulus[2]), pssOnly: true });
      return;
    }
    const jwk: JsonWebKey = createPublicKey({ key: Buffer.from(view.spki), format: "der", type: "spki" }).export({ format: "jwk" });
    if (jwk.crv === "P-521" || algorithm === "ED448") return expect(k).toBeNull();
    expect(k).not.toBeNull();
    if (k!.kind === "ec") {
      expect(k!.curve).toBe(jwk.crv);
      expect(hex(k!.point)).toBe("04" + b64url(jwk.x) + b64url(jwk.y));
    } else if (k!.kind === "ed25519") {
      expect(algorithm).toBe("ED25519");
      expect(hex(k!.key)).toBe(b64url(jwk.x));
    } else {
      expect(k!.n.toString(16).padStart(512, "0")).toBe(b64url(jwk.n));
      expect(k!.e).toBe(BigInt("0x" + b64url(jwk.e)));
      expect(k!.pssOnly).toBe(algorithm === "rsassaPss");
    }
  });

  test("signature algorithm", () => {
    const alg = /Signature Algorithm: (\S+)/.exec(view.text)![1];
    const expected: Record<string, unknown> = {
      "ecdsa-with-SHA256": { kind: "ecdsa", hash: "SHA-256" },
      "ecdsa-with-SHA384": { kind: "ecdsa", hash: "SHA-384" },
      "sha256WithRSAEncryption": { kind: "rsa-pkcs1", hash: "SHA-256" },
      "sha384WithRSAEncryption": { kind: "rsa-pkcs1", hash: "SHA-384" },
      ED25519: { kind: "ed25519" },
      "ecdsa-with-SHA1": null,
    };
    if (alg === "rsassaPss") {
      const hash = /Hash Algorithm: sha(\d+)/.exec(view.text)![1];
      expect(view.text).toContain(`Mask Algorithm: mgf1 with sha${hash}`);
      const salt = Number(/Salt Length: (0x[0-9A-Fa-f]+)/.exec(view.text)![1]);
      expect(c.signatureAlgorithm).toEqual({ kind: "rsa-pss", hash: `SHA-${hash}`, saltLength: salt });
    } else {
      expect(alg in expected, `fixture uses ${alg}`).toBe(true);
      expect(c.signatureAlgorithm).toEqual(expected[alg]);
    }
  });

  test("extensions", () => {
    const bc = opensslExtension(view, "X509v3 Basic Constraints");
    if (bc === null) expect(c.basicConstraints).toBeNull();
    else {
      const pathLen = /pathlen:(\d+)/.exec(bc.value);
      expect(c.basicConstraints).toEqual({ ca: bc.value.startsWith("CA:TRUE"), pathLen: pathLen ? Number(pathLen[1]) : null });
    }

    const ku = opensslExtension(view, "X509v3 Key Usage");
    if (ku === null) expect(c.keyUsage).toBeNull();
    else {
      const set = new Set(ku.value.split(", ").map((s) => KEY_USAGE_NAMES[s]));
      for (const [flag, on] of Object.entries(c.keyUsage!)) expect(on, flag).toBe(set.has(flag));
    }

    const eku = opensslExtension(view, "X509v3 Extended Key Usage");
    expect(c.extKeyUsage).toEqual(eku === null ? null : eku.value.split(", ").map((s) => EKU_NAMES[s] ?? s));

    const san = opensslExtension(view, "X509v3 Subject Alternative Name");
    if (san === null) expect(c.subjectAltName).toBeNull();
    else {
      const entries = san.value.split(", ");
      const of = (prefix: string): string[] => entries.filter((e) => e.startsWith(prefix)).map((e) => e.slice(prefix.length));
      expect(c.subjectAltName).toMatchObject({
        dns: of("DNS:"),
        ip: of("IP Address:").map(canonicalIp),
        uri: of("URI:"),
        email: of("email:"),
      });
    }

    const ski = opensslExtension(view, "X509v3 Subject Key Identifier");
    expect(hex(c.subjectKeyId)).toBe(ski === null ? null : opensslHex(ski.value));
    const aki = opensslExtension(view, "X509v3 Authority Key Identifier");
    expect(hex(c.authorityKeyId)).toBe(aki === null ? null : opensslHex(aki.value.split("\n")[0]));

    // OpenSSL prints an extension it does not know by OID; only critical ones must be listed.
    const unknown = [...view.text.matchAll(/^\s*(\d+(?:\.\d+)+): critical$/gm)].map((m) => m[1]);
    expect(c.unrecognizedCriticalExtensions).toEqual(unknown);
  });
});

describe("signatures agree with node:crypto", () => {
  // Every (child, candidate issuer) pair whose names chain, including wrong-key pairs.
  const pairs = names.flatMap((child) => names.filter((issuer) => nodeCert(child).checkIssued(nodeCert(issuer))).map((issuer) => [child, issuer]));

  test("there are pairs to check", () => expect(pairs.length).toBeGreaterThan(20));

  test.each(pairs)("%s signed by %s", (child, issuer) => {
    const c = cert(child);
    const i = cert(issuer);
    const nodeSays = nodeCert(child).verify(nodeCert(issuer).publicKey);
    if (c.signatureAlgorithm === null || i.publicKey === null) {
      // SHA-1 or an unsupported issuer key: mutls refuses to check, and says so elsewhere.
      return;
    }
    expect(pureProvider.verify(c.signatureAlgorithm, i.publicKey, c.tbs, c.signature)).toBe(nodeSays);
  });

  test("a one-bit change in the TBS breaks the signature", () => {
    const c = cert("server");
    const tbs = c.tbs.slice();
    tbs[tbs.length - 5] ^= 1;
    expect(pureProvider.verify(c.signatureAlgorithm!, cert("intermediate-ca").publicKey!, tbs, c.signature)).toBe(false);
  });
});

describe("immutability", () => {
  test("the certificate keeps its own copy of the DER", () => {
    const der = certDer("server");
    const c = parseCertificate(der);
    der.fill(0);
    expect(c.der[0]).toBe(0x30);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.subjectAltName!.dns)).toBe(true);
  });
});
