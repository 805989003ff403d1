/**
 * Private keys from PEM or DER: PKCS#8 PrivateKeyInfo (RFC 5958 §2) holding EC (RFC 5915),
 * Ed25519 (RFC 8410 §7) or RSA (RFC 8017 §A.1.2); SEC1 "EC PRIVATE KEY" (RFC 5915 §3); and
 * PKCS#1 "RSA PRIVATE KEY". These are local configuration, so failures are `internal_error`
 * with a message that says what to do.
 *
 * Nothing here computes on a curve, so the engine (handshake/config) reads keys without pulling
 * every curve into a bundle: `readPrivateKey` checks an EC scalar's range against the group order
 * and keeps an embedded public key aside, and `privateKeyFitsCertificate` (key-fit.ts) checks the
 * key against its certificate with the connection's provider. `parsePrivateKey` (public-key.ts) is
 * the stand-alone reading, which also derives the public point and checks the embedded one.
 *
 * The engine reaches this file only through the `privateKeyReading` module (config.privateKeyReading),
 * so a `mutls/core` bundle whose keys are given parsed (or as a signer) does not carry it.
 */
import { bytesToAscii, fail } from "../bytes/index.js";
import type { PrivateKey } from "../crypto/provider.js";
import { parseAlgorithmIdentifier } from "./algorithms.js";
import { Tag, expectChildren, expectSequence, isContext, isUniversal, malformed, parseDer, type DerContext, type DerNode } from "./der.js";
import { readBigInt, readOctetAlignedBits, readOctetString, readOid, readSmallInt } from "./der-values.js";
import { OID } from "./oids.js";
import { decodePem } from "./pem.js";
import { setEmbeddedPublicPoint } from "./key-fit.js";

const ENCRYPTED = "encrypted private keys are not supported; decrypt it first with openssl pkey";
const KEY_LABELS = ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"];
const ctx: DerContext = { alert: "internal_error", what: "private key" };

type Curve = "P-256" | "P-384";
const SCALAR_LENGTH: Record<Curve, number> = { "P-256": 32, "P-384": 48 };
/** The group orders n (FIPS 186-5 / SP 800-186 §3.2.1.3-4): a private scalar is in [1, n-1]. */
const ORDER: Record<Curve, bigint> = {
  "P-256": 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  "P-384": 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

function curveFromOid(oid: string): Curve {
  if (oid === OID.prime256v1) return "P-256";
  if (oid === OID.secp384r1) return "P-384";
  return fail("internal_error", `EC private key on curve ${oid} is not supported (use P-256 or P-384)`);
}

/**
 * ECPrivateKey (RFC 5915 §3). `outerCurve` is the curve named by a PKCS#8 wrapper, which the
 * optional [0] parameters must then agree with.
 */
function parseEcPrivateKey(der: Uint8Array, outerCurve: Curve | null): PrivateKey {
  const fields = expectChildren(expectSequence(parseDer(der, ctx), "ECPrivateKey", ctx), 2, 4, "ECPrivateKey", ctx);
  if (readSmallInt(fields[0], "ECPrivateKey version", ctx) !== 1) malformed(ctx, "ECPrivateKey version is not 1");
  const scalar = readOctetString(fields[1], "ECPrivateKey privateKey", ctx);
  let curve = outerCurve;
  let embeddedPublic: Uint8Array | null = null;
  for (const field of fields.slice(2)) {
    if (isContext(field, 0) && field.children.length === 1) {
      const named = curveFromOid(readOid(field.children[0], "ECPrivateKey parameters", ctx));
      if (curve !== null && curve !== named) malformed(ctx, "the EC curve in the key differs from the one in its PKCS#8 wrapper");
      curve = named;
    } else if (isContext(field, 1) && field.children.length === 1) {
      embeddedPublic = readOctetAlignedBits(field.children[0], "ECPrivateKey publicKey", ctx);
    } else malformed(ctx, "ECPrivateKey has an unexpected field");
  }
  if (curve === null) fail("internal_error", "EC private key does not name its curve");
  const size = SCALAR_LENGTH[curve];
  if (scalar.length > size) malformed(ctx, `the ${curve} scalar is longer than ${size} bytes`);
  // RFC 5915 §3 fixes the length, but some encoders drop leading zeros; restore them.
  const d = new Uint8Array(size);
  d.set(scalar, size - scalar.length);
  let value = 0n;
  for (const byte of d) value = (value << 8n) | BigInt(byte);
  if (value === 0n || value >= ORDER[curve]) {
    fail("internal_error", `EC private key is not a valid ${curve} scalar (zero or not below the group order)`);
  }
  const key: PrivateKey = { kind: "ec", curve, d };
  if (embeddedPublic !== null) setEmbeddedPublicPoint(key, embeddedPublic);
  return key;
}

/** RSAPrivateKey (RFC 8017 §A.1.2), two-prime only, checked for internal consistency. */
function parseRsaPrivateKey(der: Uint8Array): PrivateKey {
  const fields = expectChildren(expectSequence(parseDer(der, ctx), "RSAPrivateKey", ctx), 9, 10, "RSAPrivateKey", ctx);
  if (readSmallInt(fields[0], "RSAPrivateKey version", ctx) !== 0 || fields.length !== 9) {
    fail("internal_error", "multi-prime RSA private keys are not supported");
  }
  const names = ["n", "e", "d", "p", "q", "dp", "dq", "qinv"] as const;
  const v = names.map((name, k) => readBigInt(fields[k + 1], `RSAPrivateKey ${name}`, ctx));
  const [n, e, d, p, q, dp, dq, qinv] = v;
  if (v.some((x) => x <= 0n)) malformed(ctx, "an RSA component is not positive");
  // A key whose CRT values disagree would sign wrongly, and a faulty CRT signature can reveal
  // the factors (Boneh-DeMillo-Lipton), so inconsistent keys are refused up front.
  const consistent =
    p * q === n &&
    dp === d % (p - 1n) &&
    dq === d % (q - 1n) &&
    (qinv * q) % p === 1n &&
    (e * dp) % (p - 1n) === 1n &&
    (e * dq) % (q - 1n) === 1n;
  if (!consistent) malformed(ctx, "its RSA components are inconsistent");
  return { kind: "rsa", n, e, d, p, q, dp, dq, qinv };
}

/** PrivateKeyInfo / OneAsymmetricKey (RFC 5958 §2). */
function parsePkcs8(fields: readonly DerNode[]): PrivateKey {
  if (readSmallInt(fields[0], "PrivateKeyInfo version", ctx) > 1) malformed(ctx, "PrivateKeyInfo version is not 0 or 1");
  const alg = parseAlgorithmIdentifier(fields[1], "privateKeyAlgorithm", ctx);
  const keyOctets = readOctetString(fields[2], "privateKey", ctx);
  switch (alg.oid) {
    case OID.ecPublicKey:
      if (!isUniversal(alg.parameters, Tag.OID)) fail("internal_error", "EC private key does not use a named curve");
      return parseEcPrivateKey(keyOctets, curveFromOid(readOid(alg.parameters, "EC curve", ctx)));
    case OID.ed25519: {
      // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING, the 32-byte seed.
      const seed = readOctetString(parseDer(keyOctets, ctx), "CurvePrivateKey", ctx);
      if (seed.length !== 32) malformed(ctx, "the Ed25519 seed is not 32 bytes");
      return { kind: "ed25519", seed: seed.slice() };
    }
    case OID.rsaEncryption:
    case OID.rsassaPss:
      return parseRsaPrivateKey(keyOctets);
    default:
      return fail("internal_error", `private key algorithm ${alg.oid} is not supported (use EC P-256/P-384, Ed25519 or RSA)`);
  }
}

/** Recognises the DER structure, since a DER file carries no label. */
function parseKeyDer(der: Uint8Array, label: string | null): PrivateKey {
  const top = expectSequence(parseDer(der, ctx), "private key", ctx);
  const f = top.children;
  // EncryptedPrivateKeyInfo (RFC 5958 §3): SEQUENCE { AlgorithmIdentifier, OCTET STRING }.
  if (label === "ENCRYPTED PRIVATE KEY" || (f.length === 2 && isUniversal(f[0], Tag.SEQUENCE))) fail("internal_error", ENCRYPTED);
  if (label === "PRIVATE KEY" || (label === null && isUniversal(f[1], Tag.SEQUENCE))) {
    return parsePkcs8(expectChildren(top, 3, 5, "PrivateKeyInfo", ctx));
  }
  if (label === "EC PRIVATE KEY" || (label === null && isUniversal(f[1], Tag.OCTET_STRING))) return parseEcPrivateKey(der, null);
  if (label === "RSA PRIVATE KEY" || (label === null && f.length >= 9)) return parseRsaPrivateKey(der);
  return fail("internal_error", "unrecognised private key format (expected PKCS#8, SEC1 or PKCS#1)");
}

function parsePemKey(text: string): PrivateKey {
  const blocks = decodePem(text);
  const block = blocks.find((b) => KEY_LABELS.includes(b.label));
  if (block === undefined) {
    const found = blocks.length === 0 ? "no PEM blocks" : `only ${blocks.map((b) => b.label).join(", ")}`;
    return fail("internal_error", `no private key found (${found}); expected a "PRIVATE KEY" PEM block`);
  }
  // RFC 1421 legacy encryption: "Proc-Type: 4,ENCRYPTED" inside an "RSA/EC PRIVATE KEY" block.
  if ((block.headers["Proc-Type"] ?? "").includes("ENCRYPTED")) fail("internal_error", ENCRYPTED);
  return parseKeyDer(block.der, block.label);
}

/**
 * Reads a private key from PEM text, PEM bytes, or DER bytes, without curve arithmetic (see the
 * top of the file). Throws a TLSError (internal_error).
 */
export function readPrivateKey(input: string | Uint8Array): PrivateKey {
  if (typeof input === "string") return parsePemKey(input);
  if (input.length > 0 && input[0] === 0x30) return parseKeyDer(input, null);
  return parsePemKey(bytesToAscii(input));
}

/** Reading PEM/DER private keys, as a module for the engine's `privateKeyReading` option. */
export interface PrivateKeyReading {
  readonly read: (input: string | Uint8Array) => PrivateKey;
}

/**
 * The module the `mutls` entry supplies to every configuration; `mutls/core` users pass it when
 * they give `privateKey` as PEM or DER (a parsed key or a signer needs no reading).
 */
export const privateKeyReading: PrivateKeyReading = { read: readPrivateKey };
