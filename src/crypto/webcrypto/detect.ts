/**
 * Which algorithms this runtime's `crypto.subtle` really has, found once per `SubtleCrypto` by
 * doing each one (issue 13: X25519 and Ed25519 are missing in some runtimes, and a few reject
 * P-384 or RSA-PSS). A probe that throws, or answers wrongly, marks the algorithm absent, and
 * the provider uses the pure code for it.
 */
import { bytesEqual, fromHex } from "../../bytes/index.js";
import { base64url } from "./encoding.js";
import { type SubtleLike, asKeyPair } from "./subtle.js";

export type WebCryptoAlgorithm =
  "AES-GCM" | "ECDH P-256" | "ECDH P-384" | "X25519" | "ECDSA P-256" | "ECDSA P-384" | "Ed25519" | "RSA-PSS" | "RSASSA-PKCS1-v1_5";

/** McGrew-Viega GCM test cases 1 and 13: all-zero key and IV, empty plaintext, tag only. */
const GCM_EMPTY_TAG = { 16: "58e2fccefa7e3061367f1d57a4e7455a", 32: "530f8afbc74536b9a963b4f1c4cb738b" } as const;

async function probeAesGcm(subtle: SubtleLike): Promise<boolean> {
  for (const length of [16, 32] as const) {
    const key = await subtle.importKey("raw", new Uint8Array(length), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    // Without tagLength, as the record layer calls it (webcrypto/aead.ts): the known answer also
    // proves that this runtime's default tag is the 16 bytes TLS needs.
    const sealed = await subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, key, new Uint8Array(0));
    if (!bytesEqual(new Uint8Array(sealed), fromHex(GCM_EMPTY_TAG[length]))) return false;
  }
  return true;
}

async function probeKeyAgreement(subtle: SubtleLike, params: { name: string; namedCurve?: string }, publicLength: number): Promise<boolean> {
  const pair = asKeyPair(await subtle.generateKey(params, false, ["deriveBits"]));
  const publicKey = await subtle.exportKey("raw", pair.publicKey);
  return publicKey.byteLength === publicLength;
}

async function probeSignature(subtle: SubtleLike, params: { name: string; namedCurve?: string; hash?: string }): Promise<boolean> {
  const pair = asKeyPair(await subtle.generateKey(params, false, ["sign", "verify"]));
  const message = new Uint8Array(1);
  const signature = new Uint8Array(await subtle.sign(params, pair.privateKey, message));
  if (!(await subtle.verify(params, pair.publicKey, signature, message))) return false;
  signature[0] ^= 1;
  return (await subtle.verify(params, pair.publicKey, signature, message)) === false;
}

/**
 * RSA key generation costs tens of milliseconds, so the RSA probes import a public key instead: a
 * 2048-bit odd modulus (2^2047 + 1; import checks its shape, not its primes) and check that a
 * made-up signature is refused rather than thrown on.
 */
async function probeRsaVerify(subtle: SubtleLike, name: "RSA-PSS" | "RSASSA-PKCS1-v1_5"): Promise<boolean> {
  const modulus = new Uint8Array(256);
  modulus[0] = 0x80;
  modulus[255] = 0x01;
  const params = { name, hash: "SHA-256" };
  const key = await subtle.importKey("jwk", { kty: "RSA", n: base64url(modulus), e: "AQAB" }, params, false, ["verify"]);
  const signature = new Uint8Array(256).fill(1);
  return (await subtle.verify({ name, saltLength: 32 }, key, signature, new Uint8Array(1))) === false;
}

async function supported(probe: () => Promise<boolean>): Promise<boolean> {
  try {
    return await probe();
  } catch {
    return false;
  }
}

async function detect(subtle: SubtleLike): Promise<ReadonlySet<WebCryptoAlgorithm>> {
  const probes: Record<WebCryptoAlgorithm, () => Promise<boolean>> = {
    "AES-GCM": () => probeAesGcm(subtle),
    "ECDH P-256": () => probeKeyAgreement(subtle, { name: "ECDH", namedCurve: "P-256" }, 65),
    "ECDH P-384": () => probeKeyAgreement(subtle, { name: "ECDH", namedCurve: "P-384" }, 97),
    X25519: () => probeKeyAgreement(subtle, { name: "X25519" }, 32),
    "ECDSA P-256": () => probeSignature(subtle, { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" }),
    "ECDSA P-384": () => probeSignature(subtle, { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" }),
    Ed25519: () => probeSignature(subtle, { name: "Ed25519" }),
    "RSA-PSS": () => probeRsaVerify(subtle, "RSA-PSS"),
    "RSASSA-PKCS1-v1_5": () => probeRsaVerify(subtle, "RSASSA-PKCS1-v1_5"),
  };
  const names = Object.keys(probes) as WebCryptoAlgorithm[];
  const results = await Promise.all(names.map((name) => supported(probes[name])));
  return new Set(names.filter((_, i) => results[i]));
}

const detected = new WeakMap<SubtleLike, Promise<ReadonlySet<WebCryptoAlgorithm>>>();

/** The algorithms `subtle` supports; the probes run once per `SubtleCrypto` object. */
export function detectWebCrypto(subtle: SubtleLike): Promise<ReadonlySet<WebCryptoAlgorithm>> {
  let found = detected.get(subtle);
  if (found === undefined) {
    found = detect(subtle);
    detected.set(subtle, found);
  }
  return found;
}
