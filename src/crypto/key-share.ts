/**
 * Ephemeral (EC)DHE key shares for the groups of RFC 8446 §4.2.7, on @noble/curves, one
 * `KeyShareGroup` per group so that a composed provider pulls in only the curves it names.
 * Peer values are untrusted: every failure becomes `null` so the engine can send
 * `illegal_parameter` (RFC 8446 §4.2.8.2), never an exception from deep inside a curve library.
 */
import { x25519 as nobleX25519 } from "@noble/curves/ed25519.js";
import { p384 } from "@noble/curves/nist.js";
import { p256 } from "./p256.js";
import { randomBytes as nobleRandomBytes } from "@noble/hashes/utils.js";
import { fail } from "../bytes/index.js";
import { HYBRID_PRIVATE_KEY_LENGTH, MLKEM768_SEED_LENGTH, X25519MLKEM768, hybridKeyShare } from "./hybrid-key-share.js";
import type { GroupName, KeyShare } from "./provider.js";
import { NO_TABLE } from "./signature.js";

/** Wire sizes: RFC 7748 §5 for X25519, RFC 8446 §4.2.8.2 (uncompressed point, 1 + 2*coordinate). */
const PUBLIC_KEY_LENGTH = { x25519: 32, secp256r1: 65, secp384r1: 97 } as const;
const PRIVATE_KEY_LENGTH: Record<GroupName, number> = {
  x25519: 32,
  secp256r1: 32,
  secp384r1: 48,
  [X25519MLKEM768]: HYBRID_PRIVATE_KEY_LENGTH,
};

type NistCurve = typeof p256;

function nistCurve(group: "secp256r1" | "secp384r1"): NistCurve {
  return group === "secp256r1" ? p256 : p384;
}

/** What an X25519 share needs of noble's RFC 7748 function: `nobleX25519`, or the ladder alone (x25519-compact.ts). */
export type X25519Function = Pick<typeof nobleX25519, "getPublicKey" | "getSharedSecret">;

export class X25519KeyShare implements KeyShare {
  readonly group = "x25519";
  readonly publicKey: Uint8Array;

  constructor(
    private readonly privateKey: Uint8Array,
    private readonly x25519Function: X25519Function,
  ) {
    this.publicKey = x25519Function.getPublicKey(privateKey);
  }

  deriveSharedSecret(peerPublicKey: Uint8Array): Uint8Array | null {
    if (peerPublicKey.length !== PUBLIC_KEY_LENGTH.x25519) return null;
    let shared: Uint8Array;
    try {
      // noble rejects the low-order u values up front (they would give the all-zero output).
      shared = this.x25519Function.getSharedSecret(this.privateKey, peerPublicKey);
    } catch {
      return null;
    }
    // RFC 8446 §7.4.2: implementations MUST check whether the computed secret is all zeros.
    let acc = 0;
    for (let i = 0; i < shared.length; i++) acc |= shared[i];
    return acc === 0 ? null : shared;
  }
}

class NistKeyShare implements KeyShare {
  readonly publicKey: Uint8Array;

  constructor(
    readonly group: "secp256r1" | "secp384r1",
    private readonly curve: NistCurve,
    private readonly privateKey: Uint8Array,
  ) {
    // RFC 8446 §4.2.8.2: the uncompressed form, 0x04 || X || Y.
    this.publicKey = curve.getPublicKey(privateKey, false);
  }

  deriveSharedSecret(peerPublicKey: Uint8Array): Uint8Array | null {
    // §4.2.8.2 allows only the uncompressed form, so a compressed or hybrid point is a bad value.
    if (peerPublicKey.length !== PUBLIC_KEY_LENGTH[this.group] || peerPublicKey[0] !== 0x04) return null;
    let sharedPoint: Uint8Array;
    try {
      // noble decodes the point and checks that it lies on the curve and is not the identity,
      // which is the validation RFC 8446 §4.2.8.2 requires of the receiver.
      sharedPoint = this.curve.getSharedSecret(this.privateKey, peerPublicKey, true);
    } catch {
      return null;
    }
    // RFC 8446 §7.4.1: the shared secret is the X coordinate only; drop the compression prefix.
    return sharedPoint.slice(1);
  }
}

/**
 * The key share for a known private key: 32 bytes for X25519 (RFC 7748 scalar; clamping happens
 * inside), a big-endian scalar in [1, n-1] of 32/48 bytes for P-256/P-384, and for X25519MLKEM768
 * the 64-byte ML-KEM-768 seed (FIPS 203 d||z) followed by the X25519 scalar. Used to replay
 * RFC 8448 and by `generateKeyShare`.
 */
export function keyShareFromPrivateKey(group: GroupName, privateKey: Uint8Array): KeyShare {
  switch (group) {
    case "x25519":
      return x25519Share(privateKey);
    case "secp256r1":
    case "secp384r1":
      return nistShare(group, nistCurve(group), privateKey);
    case X25519MLKEM768:
      return hybridShare(privateKey);
    default:
      return fail("internal_error", `unsupported group ${String(group)}`);
  }
}

/**
 * One key exchange group as a module a composed provider may carry (`createProvider`):
 * `x25519`, `secp256r1`, `secp384r1` or `x25519mlkem768`.
 */
export interface KeyShareGroup {
  readonly group: GroupName;
  /** A fresh ephemeral key share, with private randomness from noble's CSPRNG (crypto.getRandomValues). */
  generate(): KeyShare;
  /** The low-memory profile: let go of the curve's base-point table (signature.ts NO_TABLE). */
  dropPrecomputedTables?(): void;
}

function checkedLength(group: GroupName, privateKey: Uint8Array): Uint8Array {
  const expected = PRIVATE_KEY_LENGTH[group];
  if (privateKey.length !== expected) fail("internal_error", `a ${group} private key is ${expected} bytes, got ${privateKey.length}`);
  return privateKey.slice();
}

function x25519Share(privateKey: Uint8Array): KeyShare {
  return new X25519KeyShare(checkedLength("x25519", privateKey), nobleX25519);
}

function nistShare(group: "secp256r1" | "secp384r1", curve: NistCurve, privateKey: Uint8Array): KeyShare {
  const own = checkedLength(group, privateKey);
  if (!curve.utils.isValidSecretKey(own)) fail("internal_error", `invalid ${group} private key`);
  return new NistKeyShare(group, curve, own);
}

function hybridShare(privateKey: Uint8Array): KeyShare {
  const own = checkedLength(X25519MLKEM768, privateKey);
  return hybridKeyShare(own.subarray(0, MLKEM768_SEED_LENGTH), new X25519KeyShare(own.slice(MLKEM768_SEED_LENGTH), nobleX25519));
}

export const x25519: KeyShareGroup = { group: "x25519", generate: () => x25519Share(nobleX25519.utils.randomSecretKey()) };
export const secp256r1: KeyShareGroup = {
  group: "secp256r1",
  generate: () => nistShare("secp256r1", p256, p256.utils.randomSecretKey()),
  dropPrecomputedTables: () => p256.Point.BASE.precompute(NO_TABLE),
};
export const secp384r1: KeyShareGroup = {
  group: "secp384r1",
  generate: () => nistShare("secp384r1", p384, p384.utils.randomSecretKey()),
  dropPrecomputedTables: () => p384.Point.BASE.precompute(NO_TABLE),
};
export const x25519mlkem768: KeyShareGroup = {
  group: X25519MLKEM768,
  generate: () => hybridKeyShare(nobleRandomBytes(MLKEM768_SEED_LENGTH), x25519Share(nobleX25519.utils.randomSecretKey())),
};
