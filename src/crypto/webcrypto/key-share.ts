/**
 * Ephemeral (EC)DHE key shares (RFC 8446 §4.2.8, §7.4) on `crypto.subtle`: ECDH on P-256 and
 * P-384, and X25519. The private key is generated non-extractable: it never leaves the runtime.
 * Peer values are untrusted and every failure is `null` (the engine's illegal_parameter), as in
 * the pure provider (crypto/key-share.ts), which test/crypto/webcrypto.test.ts holds these to.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { fail } from "../../bytes/index.js";
import type { AsyncKeyShare } from "../provider.js";
import { X25519_PKCS8_PREFIX, bytesOf, ecPrivateJwk, fromBase64url, nistCurve, withPrefix } from "./encoding.js";
import { type JsonWebKeyFields, type SubtleLike, type WebCryptoKey, type WebCryptoParams, asKeyPair } from "./subtle.js";

export type EcdheGroup = "x25519" | "secp256r1" | "secp384r1";

/** Per group: the WebCrypto algorithm, the wire length of a public value, and the secret's bits. */
const GROUP = {
  x25519: { params: { name: "X25519" }, publicLength: 32, secretBits: 256 },
  // §4.2.8.2: the uncompressed point; §7.4.1: the shared secret is the X coordinate.
  secp256r1: { params: { name: "ECDH", namedCurve: "P-256" }, publicLength: 65, secretBits: 256 },
  secp384r1: { params: { name: "ECDH", namedCurve: "P-384" }, publicLength: 97, secretBits: 384 },
} as const satisfies Record<EcdheGroup, { params: WebCryptoParams; publicLength: number; secretBits: number }>;

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i];
  return acc === 0;
}

class WebCryptoKeyShare implements AsyncKeyShare {
  constructor(
    readonly group: EcdheGroup,
    readonly publicKey: Uint8Array,
    private readonly privateKey: WebCryptoKey,
    private readonly subtle: SubtleLike,
  ) {}

  deriveSharedSecret(peerPublicKey: Uint8Array): Promise<Uint8Array | null> | null {
    const { publicLength } = GROUP[this.group];
    // §4.2.8.2 allows only the uncompressed form for the NIST curves: a bad value costs no Promise.
    if (peerPublicKey.length !== publicLength || (this.group !== "x25519" && peerPublicKey[0] !== 0x04)) return null;
    return this.derive(peerPublicKey.slice());
  }

  private async derive(peerPublicKey: Uint8Array): Promise<Uint8Array | null> {
    const { params, secretBits } = GROUP[this.group];
    try {
      // Import checks that a NIST point lies on the curve (WebCrypto's "raw" EC import, SEC 1 §3.2.2).
      const peer = await this.subtle.importKey("raw", peerPublicKey, params, true, []);
      const shared = bytesOf(await this.subtle.deriveBits({ name: params.name, public: peer }, this.privateKey, secretBits));
      // RFC 8446 §7.4.2: the all-zero X25519 output MUST be refused (some runtimes return it).
      // (A NIST X coordinate of zero is a valid secret, Wycheproof's EdgeCaseSharedSecret.)
      return shared.length * 8 !== secretBits || (this.group === "x25519" && isAllZero(shared)) ? null : shared;
    } catch {
      return null;
    }
  }
}

/** A fresh key pair in the runtime: the private half non-extractable, the public half exported. */
export async function generateWebCryptoKeyShare(subtle: SubtleLike, group: EcdheGroup): Promise<AsyncKeyShare> {
  const { params, publicLength } = GROUP[group];
  const pair = asKeyPair(await subtle.generateKey(params, false, ["deriveBits"]));
  // The public value from the key's JWK (RFC 8037 §2 x; RFC 7518 §6.2.1 x and y): Node answers
  // "jwk" on the calling thread, where "raw" is a job on libuv's pool, one more wait per share.
  // A refusal, or anything but the members of this group's lengths, is read from "raw" instead.
  const jwk = await subtle.exportKey("jwk", pair.publicKey).catch(() => ({}) as JsonWebKeyFields);
  let publicKey: Uint8Array | null;
  if (group === "x25519") publicKey = fromBase64url(jwk.x, publicLength);
  else {
    // §4.2.8.2: 0x04 || X || Y.
    const n = (publicLength - 1) / 2;
    const [x, y] = [fromBase64url(jwk.x, n), fromBase64url(jwk.y, n)];
    publicKey = x === null || y === null ? null : withPrefix(Uint8Array.of(4), withPrefix(x, y));
  }
  return new WebCryptoKeyShare(group, publicKey ?? bytesOf(await subtle.exportKey("raw", pair.publicKey)), pair.privateKey, subtle);
}

/**
 * The WebCrypto key share for a known private key, in the form of the pure provider's
 * `keyShareFromPrivateKey` (a 32-byte X25519 scalar, a 32/48-byte P-256/P-384 scalar), so tests
 * can compare the two providers on the same keys. The public value is computed by noble, since
 * WebCrypto cannot export the public half of an imported private key.
 */
export async function webCryptoKeyShareFromPrivateKey(subtle: SubtleLike, group: EcdheGroup, privateKey: Uint8Array): Promise<AsyncKeyShare> {
  const expected = group === "secp384r1" ? 48 : 32;
  if (privateKey.length !== expected) fail("internal_error", `a ${group} private key is ${expected} bytes, got ${privateKey.length}`);
  const { params } = GROUP[group];
  if (group === "x25519") {
    const key = await subtle.importKey("pkcs8", withPrefix(X25519_PKCS8_PREFIX, privateKey), params, false, ["deriveBits"]);
    return new WebCryptoKeyShare(group, x25519.getPublicKey(privateKey), key, subtle);
  }
  const curve = group === "secp256r1" ? "P-256" : "P-384";
  const publicKey = nistCurve(curve).getPublicKey(privateKey, false);
  const key = await subtle.importKey("jwk", ecPrivateJwk(curve, privateKey, publicKey), params, false, ["deriveBits"]);
  return new WebCryptoKeyShare(group, publicKey, key, subtle);
}
