/**
 * RSA signatures, RFC 8017, on native BigInt: RSASSA-PKCS1-v1_5 (§8.2) and RSASSA-PSS (§8.1)
 * with MGF1 (§B.2.1), verification and signing.
 *
 * TIMING WARNING: JavaScript BigInt arithmetic is not constant-time. Multiplication, division and
 * the windowed exponentiation below take time that depends on the operands, so RSA *signing* here
 * can leak information about the private key to an observer who can time many signatures.
 * Verification handles only public values and is fine. For keys we own, prefer ECDSA P-256 or
 * Ed25519 (constant-time in noble); RSA signing exists for interoperability (RFC 8448 replay,
 * minting test certificates, peers that accept only RSA).
 *
 * Key limits (checked by `isUsableRsaPublicKey`, which both the pure and the node:crypto provider
 * apply before any arithmetic): moduli of 1024 to 8192 bits, public exponents odd and from 3 to
 * 2^32 - 1. Verification cost grows with the modulus squared times the exponent's bit length, so
 * these bounds are what a peer's key can cost us. 8192 bits is the most Go's crypto/tls verifies
 * in a handshake (maxRSAKeySize); Go's crypto/rsa refuses public exponents past 2^31 - 1 and
 * BoringSSL past 33 bits, and CAs issue e = 65537.
 * 1024 bits is below modern recommendations but RFC 8448's example server key is 1024-bit: the
 * minimum for peers' certificates (2048 by default) is a policy of the X.509 layer, not of this
 * primitive.
 */
import { bytesEqual, fail, toHex } from "../bytes/index.js";
import { hash } from "./hash.js";
import { hashLength, type HashName } from "./provider.js";

export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
}

/** An RSA private key with its CRT parameters (RFC 8017 §3.2, second representation). */
export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qinv: bigint;
}

/** Smallest modulus this primitive handles (RFC 8448's example key); peers' keys have their own policy. */
export const RSA_MIN_MODULUS_BITS = 1024;
/** Largest modulus verified or used to sign (Go crypto/tls maxRSAKeySize). */
export const RSA_MAX_MODULUS_BITS = 8192;
/** Largest public exponent accepted: 32 bits, as Go (2^31 - 1) and BoringSSL (2^33) bound it. */
export const RSA_MAX_PUBLIC_EXPONENT = 2 ** 32 - 1;
const MAX_EXPONENT = BigInt(RSA_MAX_PUBLIC_EXPONENT);

/**
 * Through hexadecimal: path building asks this of an 8192-bit modulus for every candidate
 * issuer, and the binary string is four times as long (about 25 µs against 5).
 */
export function bitLength(x: bigint): number {
  if (x <= 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + 32 - Math.clz32(parseInt(hex[0], 16));
}

/** OS2IP, RFC 8017 §4.2: big-endian bytes to a non-negative integer. */
export function os2ip(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt("0x" + toHex(bytes));
}

/** I2OSP, RFC 8017 §4.1. Returns null for "integer too large" so callers can map it to an outcome. */
export function i2osp(x: bigint, length: number): Uint8Array | null {
  if (x < 0n) return null;
  const hex = x.toString(16);
  if (hex.length > 2 * length) return null;
  const out = new Uint8Array(length);
  // Fill from the right: the last hex digit pair is the least significant byte.
  let at = length - 1;
  for (let end = hex.length; end > 0; end -= 2) {
    out[at--] = parseInt(hex.slice(Math.max(0, end - 2), end), 16);
  }
  return out;
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/**
 * base^exponent mod modulus by a fixed 4-bit window: every hex digit of the exponent costs four
 * squarings and one multiplication, including zero digits, so the sequence of operations does not
 * spell out the exponent bits. (The BigInt operations themselves still vary in time; see the top.)
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus <= 0n || exponent < 0n) throw new RangeError("modPow needs a positive modulus and exponent >= 0");
  if (modulus === 1n) return 0n;
  const b = mod(base, modulus);
  const table: bigint[] = [1n];
  for (let i = 1; i < 16; i++) table.push((table[i - 1] * b) % modulus);
  let result = 1n;
  for (const digit of exponent.toString(16)) {
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    result = (result * table[parseInt(digit, 16)]) % modulus;
  }
  return result;
}

/**
 * Checks a public key against the limits above; e must be odd and at least 3 (RFC 8017 §3.1).
 * The exponent is checked first and the modulus by its size alone, so a refused key costs nothing.
 */
export function isUsableRsaPublicKey(key: RsaPublicKey): boolean {
  if (key.e < 3n || key.e > MAX_EXPONENT || (key.e & 1n) === 0n) return false;
  if ((key.n & 1n) === 0n || key.e >= key.n) return false;
  const bits = bitLength(key.n);
  return bits >= RSA_MIN_MODULUS_BITS && bits <= RSA_MAX_MODULUS_BITS;
}

/**
 * DER DigestInfo prefixes, RFC 8017 §9.2 note 1: SEQUENCE { AlgorithmIdentifier { OID, NULL },
 * OCTET STRING (hLen) }. Only the form with explicit NULL parameters is accepted, as §9.2 specifies.
 */
const DIGEST_INFO_PREFIX: Record<HashName, readonly number[]> = {
  "SHA-256": [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20],
  "SHA-384": [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30],
  "SHA-512": [0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40],
};

/** EMSA-PKCS1-v1_5-ENCODE, RFC 8017 §9.2; null when emLen < tLen + 11 ("intended encoded message length too short"). */
function emsaPkcs1Encode(hashName: HashName, message: Uint8Array, emLen: number): Uint8Array | null {
  const prefix = DIGEST_INFO_PREFIX[hashName];
  const digest = hash(hashName, message);
  const tLen = prefix.length + digest.length;
  if (emLen < tLen + 11) return null;
  const em = new Uint8Array(emLen);
  em[1] = 0x01;
  em.fill(0xff, 2, emLen - tLen - 1);
  // em[emLen - tLen - 1] stays 0x00, the separator after PS.
  em.set(prefix, emLen - tLen);
  em.set(digest, emLen - digest.length);
  return em;
}

/** MGF1, RFC 8017 §B.2.1, with the same hash as the signature (RFC 8446 §4.2.3). */
function mgf1(hashName: HashName, seed: Uint8Array, maskLength: number): Uint8Array {
  const hLen = hashLength(hashName);
  const mask = new Uint8Array(Math.ceil(maskLength / hLen) * hLen);
  const input = new Uint8Array(seed.length + 4);
  input.set(seed);
  for (let counter = 0, at = 0; at < maskLength; counter++, at += hLen) {
    input[seed.length] = counter >>> 24;
    input[seed.length + 1] = counter >>> 16;
    input[seed.length + 2] = counter >>> 8;
    input[seed.length + 3] = counter;
    mask.set(hash(hashName, input), at);
  }
  return mask.subarray(0, maskLength);
}

/** H = Hash(0x00*8 || mHash || salt), RFC 8017 §9.1.1 steps 5-6 and §9.1.2 steps 12-13. */
function pssHash(hashName: HashName, mHash: Uint8Array, salt: Uint8Array): Uint8Array {
  const mPrime = new Uint8Array(8 + mHash.length + salt.length);
  mPrime.set(mHash, 8);
  mPrime.set(salt, 8 + mHash.length);
  return hash(hashName, mPrime);
}

/** EMSA-PSS-ENCODE, RFC 8017 §9.1.1, with emBits = modBits - 1. */
function emsaPssEncode(hashName: HashName, message: Uint8Array, emBits: number, salt: Uint8Array): Uint8Array {
  const hLen = hashLength(hashName);
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + salt.length + 2) fail("internal_error", "RSA key too small for PSS with this hash and salt");
  const h = pssHash(hashName, hash(hashName, message), salt);
  const dbLength = emLen - hLen - 1;
  const db = new Uint8Array(dbLength);
  // DB = PS (zeros) || 0x01 || salt
  db[dbLength - salt.length - 1] = 0x01;
  db.set(salt, dbLength - salt.length);
  const dbMask = mgf1(hashName, h, dbLength);
  const em = new Uint8Array(emLen);
  for (let i = 0; i < dbLength; i++) em[i] = db[i] ^ dbMask[i];
  em[0] &= 0xff >>> (8 * emLen - emBits);
  em.set(h, dbLength);
  em[emLen - 1] = 0xbc;
  return em;
}

/** EMSA-PSS-VERIFY, RFC 8017 §9.1.2 steps 3-14; `em` is emLen = ceil(emBits/8) bytes. */
function emsaPssVerify(hashName: HashName, message: Uint8Array, em: Uint8Array, emBits: number, saltLength: number): boolean {
  const hLen = hashLength(hashName);
  const emLen = em.length;
  if (emLen < hLen + saltLength + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const dbLength = emLen - hLen - 1;
  const h = em.subarray(dbLength, dbLength + hLen);
  const unusedBits = 8 * emLen - emBits;
  const topMask = 0xff >>> unusedBits;
  if ((em[0] & ~topMask & 0xff) !== 0) return false;
  const db = mgf1(hashName, h, dbLength).slice();
  for (let i = 0; i < dbLength; i++) db[i] ^= em[i];
  db[0] &= topMask;
  const psLength = emLen - hLen - saltLength - 2;
  for (let i = 0; i < psLength; i++) if (db[i] !== 0) return false;
  if (db[psLength] !== 0x01) return false;
  const salt = db.subarray(dbLength - saltLength);
  return bytesEqual(h, pssHash(hashName, hash(hashName, message), salt));
}

/** RSAVP1, RFC 8017 §5.2.2, after the §8.x.2 step 1 length check. Null for an invalid signature. */
function rsaVerifyPrimitive(key: RsaPublicKey, signature: Uint8Array): bigint | null {
  if (!isUsableRsaPublicKey(key)) return null;
  const k = Math.ceil(bitLength(key.n) / 8);
  if (signature.length !== k) return null;
  const s = os2ip(signature);
  if (s >= key.n) return null;
  return modPow(s, key.e, key.n);
}

/** RSASSA-PKCS1-v1_5-VERIFY, RFC 8017 §8.2.2. */
export function rsaPkcs1Verify(hashName: HashName, key: RsaPublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  const m = rsaVerifyPrimitive(key, signature);
  if (m === null) return false;
  const em = i2osp(m, signature.length);
  // Step 4: compare against a fresh encoding rather than parsing the padding, which closes the
  // door on Bleichenbacher-style forgeries that exploit lenient parsers (RFC 8017 §8.2.2 note).
  const expected = emsaPkcs1Encode(hashName, message, signature.length);
  return em !== null && expected !== null && bytesEqual(em, expected);
}

/** RSASSA-PSS-VERIFY, RFC 8017 §8.1.2. TLS 1.3 uses saltLength = hash length (RFC 8446 §4.2.3). */
export function rsaPssVerify(
  hashName: HashName,
  key: RsaPublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  saltLength: number,
): boolean {
  if (!Number.isInteger(saltLength) || saltLength < 0) return false;
  const m = rsaVerifyPrimitive(key, signature);
  if (m === null) return false;
  const emBits = bitLength(key.n) - 1;
  // Step 2c: when modBits - 1 is a multiple of 8, EM is one byte shorter than the signature and a
  // representative that does not fit is invalid.
  const em = i2osp(m, Math.ceil(emBits / 8));
  return em !== null && emsaPssVerify(hashName, message, em, emBits, saltLength);
}

function checkPrivateKey(key: RsaPrivateKey): void {
  if (!isUsableRsaPublicKey(key)) fail("internal_error", "RSA private key has an unusable modulus or exponent");
  if (key.p * key.q !== key.n) fail("internal_error", "RSA private key: n is not p*q");
  if (key.dp <= 0n || key.dp >= key.p || key.dq <= 0n || key.dq >= key.q || key.qinv <= 0n || key.qinv >= key.p) {
    fail("internal_error", "RSA private key has out-of-range CRT parameters");
  }
}

/**
 * RSASP1, RFC 8017 §5.2.1 with the CRT representation, then a check that the result verifies:
 * a fault in one CRT half would otherwise hand out a signature that factors n (Boneh-DeMillo-Lipton).
 */
function rsaSignPrimitive(key: RsaPrivateKey, m: bigint): Uint8Array {
  if (m >= key.n) fail("internal_error", "RSA message representative out of range");
  const m1 = modPow(m, key.dp, key.p);
  const m2 = modPow(m, key.dq, key.q);
  const h = mod(key.qinv * (m1 - m2), key.p);
  const s = m2 + key.q * h;
  if (modPow(s, key.e, key.n) !== m) fail("internal_error", "RSA signature failed its self-check; key or computation is faulty");
  const k = Math.ceil(bitLength(key.n) / 8);
  return i2osp(s, k) ?? fail("internal_error", "RSA signature does not fit the modulus");
}

/** RSASSA-PKCS1-v1_5-SIGN, RFC 8017 §8.2.1. Deterministic. */
export function rsaPkcs1Sign(hashName: HashName, key: RsaPrivateKey, message: Uint8Array): Uint8Array {
  checkPrivateKey(key);
  const k = Math.ceil(bitLength(key.n) / 8);
  const em = emsaPkcs1Encode(hashName, message, k) ?? fail("internal_error", "RSA key too small for PKCS#1 v1.5 with this hash");
  return rsaSignPrimitive(key, os2ip(em));
}

/** RSASSA-PSS-SIGN, RFC 8017 §8.1.1; the caller supplies a fresh random salt (hLen bytes for TLS 1.3). */
export function rsaPssSign(hashName: HashName, key: RsaPrivateKey, message: Uint8Array, salt: Uint8Array): Uint8Array {
  checkPrivateKey(key);
  const em = emsaPssEncode(hashName, message, bitLength(key.n) - 1, salt);
  return rsaSignPrimitive(key, os2ip(em));
}
