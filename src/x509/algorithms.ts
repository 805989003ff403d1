/**
 * AlgorithmIdentifier (RFC 5280 §4.1.1.2) and SubjectPublicKeyInfo (§4.1.2.7) mapped onto the
 * provider's `SignatureAlgorithm` and `PublicKey`. Anything outside the supported set maps to
 * null, so the caller can refuse it with `unsupported_certificate` rather than misread it.
 */
import type { HashName, PublicKey, SignatureAlgorithm } from "../crypto/provider.js";
import { Tag, expectChildren, expectSequence, isUniversal, malformed, parseDer, type DerContext, type DerNode } from "./der.js";
import { readBigInt, readOctetAlignedBits, readOid, readSmallInt } from "./der-values.js";
import { OID } from "./oids.js";

export interface AlgorithmIdentifier {
  readonly oid: string;
  /** The parameters element, if present. */
  readonly parameters: DerNode | undefined;
  /** The whole AlgorithmIdentifier as encoded, for RFC 5280 §4.1.1.2 equality checks. */
  readonly der: Uint8Array;
}

export function parseAlgorithmIdentifier(node: DerNode | undefined, field: string, ctx: DerContext): AlgorithmIdentifier {
  const seq = expectSequence(node, field, ctx);
  const [oidNode, parameters] = expectChildren(seq, 1, 2, field, ctx);
  return { oid: readOid(oidNode, `${field} algorithm`, ctx), parameters, der: seq.raw };
}

function isNullParameter(p: DerNode | undefined): boolean {
  return isUniversal(p, Tag.NULL) && p.content.length === 0;
}

const RSA_PKCS1_HASHES: Record<string, HashName> = {
  [OID.sha256WithRSAEncryption]: "SHA-256",
  [OID.sha384WithRSAEncryption]: "SHA-384",
  [OID.sha512WithRSAEncryption]: "SHA-512",
};
const ECDSA_HASHES: Record<string, HashName> = {
  [OID.ecdsaWithSHA256]: "SHA-256",
  [OID.ecdsaWithSHA384]: "SHA-384",
  [OID.ecdsaWithSHA512]: "SHA-512",
};
const HASHES: Record<string, HashName> = { [OID.sha256]: "SHA-256", [OID.sha384]: "SHA-384", [OID.sha512]: "SHA-512" };

/**
 * A hash AlgorithmIdentifier inside RSASSA-PSS parameters; RFC 4055 §2.1 lets the parameters
 * be NULL or absent.
 */
function pssHash(node: DerNode | undefined, ctx: DerContext): HashName | null {
  const alg = parseAlgorithmIdentifier(node, "RSASSA-PSS hash", ctx);
  if (alg.parameters !== undefined && !isNullParameter(alg.parameters)) return null;
  return HASHES[alg.oid] ?? null;
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1). We require an explicit SHA-2 hash and MGF1 with that same
 * hash (the defaults are SHA-1) and trailerField 1, as RFC 8446 §4.2.3 rsa_pss_* demands.
 */
function pssParameters(params: DerNode | undefined, ctx: DerContext): SignatureAlgorithm | null {
  if (params === undefined || !isUniversal(params, Tag.SEQUENCE)) return null;
  let hash: HashName | null = null;
  let mgfHash: HashName | null = null;
  let saltLength = 20;
  let lastTag = -1;
  for (const field of params.children) {
    if (field.tagClass !== "context" || !field.constructed || field.tag <= lastTag || field.children.length !== 1) {
      malformed(ctx, "RSASSA-PSS parameters are out of order or badly tagged");
    }
    lastTag = field.tag;
    const inner = field.children[0];
    if (field.tag === 0) hash = pssHash(inner, ctx);
    else if (field.tag === 1) {
      const mgf = parseAlgorithmIdentifier(inner, "RSASSA-PSS mask generation function", ctx);
      mgfHash = mgf.oid === OID.mgf1 ? pssHash(mgf.parameters, ctx) : null;
    } else if (field.tag === 2) saltLength = readSmallInt(inner, "RSASSA-PSS salt length", ctx, 1024);
    else if (field.tag === 3) {
      if (readSmallInt(inner, "RSASSA-PSS trailer field", ctx) !== 1) return null;
    } else malformed(ctx, "RSASSA-PSS parameters have an unknown field");
  }
  if (hash === null || mgfHash !== hash) return null;
  return { kind: "rsa-pss", hash, saltLength };
}

/** The signature algorithm an AlgorithmIdentifier names, or null if mutls does not accept it. */
export function signatureAlgorithmFrom(alg: AlgorithmIdentifier, ctx: DerContext): SignatureAlgorithm | null {
  const rsaHash = RSA_PKCS1_HASHES[alg.oid];
  // RFC 4055 §5: parameters MUST be NULL; some encoders omit them, which is harmless.
  if (rsaHash !== undefined) return alg.parameters === undefined || isNullParameter(alg.parameters) ? { kind: "rsa-pkcs1", hash: rsaHash } : null;
  const ecdsaHash = ECDSA_HASHES[alg.oid];
  // RFC 5758 §3.2: the parameters field MUST be absent.
  if (ecdsaHash !== undefined) return alg.parameters === undefined ? { kind: "ecdsa", hash: ecdsaHash } : null;
  // RFC 8410 §3: parameters MUST be absent.
  if (alg.oid === OID.ed25519) return alg.parameters === undefined ? { kind: "ed25519" } : null;
  if (alg.oid === OID.rsassaPss) return pssParameters(alg.parameters, ctx);
  return null;
}

const EC_POINT_LENGTHS = { "P-256": 65, "P-384": 97 } as const;

/** RSAPublicKey (RFC 8017 §A.1.1) inside the SPKI BIT STRING. */
function rsaPublicKey(keyBytes: Uint8Array, pssOnly: boolean, ctx: DerContext): PublicKey {
  const inner: DerContext = { alert: ctx.alert, what: `${ctx.what} RSA public key` };
  const [nNode, eNode] = expectChildren(expectSequence(parseDer(keyBytes, inner), "RSAPublicKey", inner), 2, 2, "RSAPublicKey", inner);
  const n = readBigInt(nNode, "modulus", inner);
  const e = readBigInt(eNode, "publicExponent", inner);
  if (n <= 0n || e <= 0n) malformed(inner, "the modulus or exponent is not positive");
  return { kind: "rsa", n, e, pssOnly };
}

export interface SubjectPublicKeyInfo {
  readonly algorithm: AlgorithmIdentifier;
  /** The key, or null for a key type or curve mutls does not support. */
  readonly publicKey: PublicKey | null;
  readonly der: Uint8Array;
}

export function parseSubjectPublicKeyInfo(node: DerNode | undefined, ctx: DerContext): SubjectPublicKeyInfo {
  const seq = expectSequence(node, "subjectPublicKeyInfo", ctx);
  const [algNode, keyNode] = expectChildren(seq, 2, 2, "subjectPublicKeyInfo", ctx);
  const algorithm = parseAlgorithmIdentifier(algNode, "subjectPublicKeyInfo algorithm", ctx);
  const keyBytes = readOctetAlignedBits(keyNode, "subjectPublicKey", ctx);
  return { algorithm, publicKey: publicKeyFrom(algorithm, keyBytes, ctx), der: seq.raw };
}

function publicKeyFrom(alg: AlgorithmIdentifier, keyBytes: Uint8Array, ctx: DerContext): PublicKey | null {
  switch (alg.oid) {
    case OID.ecPublicKey: {
      // RFC 5480 §2.1.1: only namedCurve is allowed in PKIX.
      if (!isUniversal(alg.parameters, Tag.OID)) return null;
      const curveOid = readOid(alg.parameters, "EC curve", ctx);
      const curve = curveOid === OID.prime256v1 ? "P-256" : curveOid === OID.secp384r1 ? "P-384" : null;
      if (curve === null) return null;
      // Uncompressed points only: RFC 8446 §4.2.8.2 and CA/B practice; compressed ones are rare.
      if (keyBytes.length !== EC_POINT_LENGTHS[curve] || keyBytes[0] !== 0x04) return null;
      return { kind: "ec", curve, point: keyBytes };
    }
    case OID.ed25519:
      if (alg.parameters !== undefined) malformed(ctx, "Ed25519 key has parameters (RFC 8410 §3 forbids them)");
      if (keyBytes.length !== 32) malformed(ctx, "Ed25519 key is not 32 bytes");
      return { kind: "ed25519", key: keyBytes };
    case OID.rsaEncryption:
      // RFC 3279 §2.3.1: parameters MUST be NULL.
      if (!isNullParameter(alg.parameters)) malformed(ctx, "rsaEncryption key parameters are not NULL");
      return rsaPublicKey(keyBytes, false, ctx);
    case OID.rsassaPss:
      // RFC 4055 §1.2: an id-RSASSA-PSS key may only make PSS signatures. Parameters, when
      // present, restrict the hash further; that restriction is enforced in a later issue.
      return rsaPublicKey(keyBytes, true, ctx);
    default:
      return null;
  }
}
