/**
 * Ephemeral (EC)DHE key shares (RFC 8446 §4.2.8, §7.4) on node:crypto. Peer values are untrusted:
 * every failure is `null`, which the engine turns into illegal_parameter, as with the pure provider.
 */
import { type KeyObject, createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from "node:crypto";
import { fail } from "../bytes/index.js";
import { MLKEM768_SEED_LENGTH, X25519MLKEM768, hybridKeyShare } from "../crypto/hybrid-key-share.js";
import type { GroupName, KeyShare } from "../crypto/provider.js";
import { X25519_PKCS8_PREFIX, X25519_SPKI_PREFIX, plain, withPrefix } from "./native-encoding.js";

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i];
  return acc === 0;
}

class NativeX25519KeyShare implements KeyShare {
  readonly group = "x25519";
  readonly publicKey: Uint8Array;
  private readonly privateKey: KeyObject;

  /** A fresh key pair, or the one for a known 32-byte scalar (OpenSSL clamps it, RFC 7748 §5). */
  constructor(scalar?: Uint8Array) {
    let publicKey: KeyObject;
    if (scalar === undefined) {
      ({ privateKey: this.privateKey, publicKey } = generateKeyPairSync("x25519"));
    } else {
      this.privateKey = createPrivateKey({ key: Buffer.from(withPrefix(X25519_PKCS8_PREFIX, scalar)), format: "der", type: "pkcs8" });
      publicKey = createPublicKey(this.privateKey);
    }
    const spki = publicKey.export({ format: "der", type: "spki" });
    this.publicKey = plain(spki.subarray(X25519_SPKI_PREFIX.length));
  }

  deriveSharedSecret(peerPublicKey: Uint8Array): Uint8Array | null {
    if (peerPublicKey.length !== 32) return null;
    let shared: Uint8Array;
    try {
      const publicKey = createPublicKey({ key: Buffer.from(withPrefix(X25519_SPKI_PREFIX, peerPublicKey)), format: "der", type: "spki" });
      shared = plain(diffieHellman({ privateKey: this.privateKey, publicKey }));
    } catch {
      return null;
    }
    // RFC 8446 §7.4.2: implementations MUST check whether the computed secret is all zeros.
    return isAllZero(shared) ? null : shared;
  }
}

const ECDH_CURVE = { secp256r1: "prime256v1", secp384r1: "secp384r1" } as const;
const NIST_PUBLIC_LENGTH = { secp256r1: 65, secp384r1: 97 } as const;

class NativeNistKeyShare implements KeyShare {
  readonly publicKey: Uint8Array;
  private readonly ecdh: ReturnType<typeof createECDH>;

  /** A fresh key pair, or the one for a known big-endian scalar in [1, n-1]. */
  constructor(
    readonly group: "secp256r1" | "secp384r1",
    scalar?: Uint8Array,
  ) {
    this.ecdh = createECDH(ECDH_CURVE[group]);
    if (scalar === undefined) this.ecdh.generateKeys();
    else this.ecdh.setPrivateKey(scalar);
    // RFC 8446 §4.2.8.2: the uncompressed form, 0x04 || X || Y.
    this.publicKey = plain(this.ecdh.getPublicKey(null, "uncompressed"));
  }

  deriveSharedSecret(peerPublicKey: Uint8Array): Uint8Array | null {
    // §4.2.8.2 allows only the uncompressed form; OpenSSL checks the point is on the curve.
    if (peerPublicKey.length !== NIST_PUBLIC_LENGTH[this.group] || peerPublicKey[0] !== 0x04) return null;
    try {
      // §7.4.1: the shared secret is the X coordinate, which computeSecret returns at full length.
      return plain(this.ecdh.computeSecret(peerPublicKey));
    } catch {
      return null;
    }
  }
}

export function generateNativeKeyShare(group: GroupName): KeyShare {
  switch (group) {
    case "x25519":
      return new NativeX25519KeyShare();
    case "secp256r1":
    case "secp384r1":
      return new NativeNistKeyShare(group);
    case X25519MLKEM768:
      // Node 20's crypto has no ML-KEM: the KEM half is noble's, the X25519 half stays native.
      return hybridKeyShare(plain(randomBytes(MLKEM768_SEED_LENGTH)), new NativeX25519KeyShare());
    default:
      return fail("internal_error", `unsupported group ${String(group)}`);
  }
}

/**
 * The native key share for a known private key, in the same form as the pure provider's
 * `keyShareFromPrivateKey` (32 bytes for X25519, a 32/48-byte scalar for P-256/P-384), so tests
 * can run published key-agreement vectors through node:crypto. X25519MLKEM768 is not offered:
 * its KEM half is the pure provider's code either way.
 */
export function nativeKeyShareFromPrivateKey(group: "x25519" | "secp256r1" | "secp384r1", privateKey: Uint8Array): KeyShare {
  const expected = group === "secp384r1" ? 48 : 32;
  if (privateKey.length !== expected) fail("internal_error", `a ${group} private key is ${expected} bytes, got ${privateKey.length}`);
  try {
    return group === "x25519" ? new NativeX25519KeyShare(privateKey) : new NativeNistKeyShare(group, privateKey);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail("internal_error", `invalid ${group} private key: ${detail}`);
  }
}
