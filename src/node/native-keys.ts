/**
 * Our key values (provider.ts `PublicKey` / `PrivateKey`) as OpenSSL KeyObjects, for the native
 * provider's signatures.
 */
import { ECDH, type JsonWebKeyInput, type KeyObject, createECDH, createPrivateKey, createPublicKey } from "node:crypto";
import { fail } from "../bytes/index.js";
import type { PrivateKey, PublicKey } from "../crypto/provider.js";
import { ED25519_PKCS8_PREFIX, ED25519_SPKI_PREFIX, base64url, bigintBytes, withPrefix } from "./native-encoding.js";

/**
 * Importing a key into OpenSSL costs about as much as one verification, and the engine parses
 * certificates afresh for every connection, so public keys are cached by value: trust anchors and
 * frequent peers are imported once. Public keys only, bounded, oldest evicted first.
 */
const PUBLIC_KEY_CACHE_SIZE = 256;
const publicKeyObjects = new Map<string, KeyObject>();
const privateKeyObjects = new WeakMap<PrivateKey, KeyObject>();

function publicKeyId(key: PublicKey): string {
  switch (key.kind) {
    case "ec":
      return `ec:${key.curve}:${Buffer.from(key.point).toString("hex")}`;
    case "ed25519":
      return `ed25519:${Buffer.from(key.key).toString("hex")}`;
    case "rsa":
      return `rsa:${key.n.toString(16)}:${key.e.toString(16)}`;
  }
}

const JWK_CURVE = { "P-256": "P-256", "P-384": "P-384" } as const;
const COORDINATE_LENGTH = { "P-256": 32, "P-384": 48 } as const;

export function toPublicKeyObject(key: PublicKey): KeyObject {
  const id = publicKeyId(key);
  const cached = publicKeyObjects.get(id);
  if (cached !== undefined) return cached;
  let made: KeyObject;
  switch (key.kind) {
    case "ec": {
      // X.509 carries the point as in SEC 1 §2.3.3; OpenSSL decodes and validates it on import.
      const n = COORDINATE_LENGTH[key.curve];
      const p = key.point;
      if (p.length !== 1 + 2 * n || p[0] !== 0x04) {
        made = createPublicKey(ecPointToJwkViaEcdh(key.curve, p));
      } else {
        made = createPublicKey({
          key: { kty: "EC", crv: JWK_CURVE[key.curve], x: base64url(p.subarray(1, 1 + n)), y: base64url(p.subarray(1 + n)) },
          format: "jwk",
        });
      }
      break;
    }
    case "ed25519":
      made = createPublicKey({ key: Buffer.from(withPrefix(ED25519_SPKI_PREFIX, key.key)), format: "der", type: "spki" });
      break;
    case "rsa":
      made = createPublicKey({ key: { kty: "RSA", n: base64url(bigintBytes(key.n)), e: base64url(bigintBytes(key.e)) }, format: "jwk" });
      break;
  }
  if (publicKeyObjects.size >= PUBLIC_KEY_CACHE_SIZE) publicKeyObjects.delete(publicKeyObjects.keys().next().value as string);
  publicKeyObjects.set(id, made);
  return made;
}

/** A compressed point (SEC 1 §2.3.3) decompressed by OpenSSL, as a JWK. */
function ecPointToJwkViaEcdh(curve: "P-256" | "P-384", point: Uint8Array): JsonWebKeyInput {
  const n = COORDINATE_LENGTH[curve];
  const uncompressed = ECDH.convertKey(Buffer.from(point), curve === "P-256" ? "prime256v1" : "secp384r1", undefined, undefined, "uncompressed") as Buffer;
  return {
    key: { kty: "EC", crv: JWK_CURVE[curve], x: base64url(uncompressed.subarray(1, 1 + n)), y: base64url(uncompressed.subarray(1 + n)) },
    format: "jwk",
  };
}

export function toPrivateKeyObject(key: PrivateKey): KeyObject {
  const cached = privateKeyObjects.get(key);
  if (cached !== undefined) return cached;
  let made: KeyObject;
  switch (key.kind) {
    case "ec": {
      const curveName = key.curve === "P-256" ? "prime256v1" : "secp384r1";
      const ecdh = createECDH(curveName);
      ecdh.setPrivateKey(key.d);
      const point = ecdh.getPublicKey(null, "uncompressed");
      const n = COORDINATE_LENGTH[key.curve];
      made = createPrivateKey({
        key: {
          kty: "EC",
          crv: JWK_CURVE[key.curve],
          d: base64url(key.d),
          x: base64url(point.subarray(1, 1 + n)),
          y: base64url(point.subarray(1 + n)),
        },
        format: "jwk",
      });
      break;
    }
    case "ed25519":
      if (key.seed.length !== 32) fail("internal_error", "an Ed25519 private key is a 32-byte seed");
      made = createPrivateKey({ key: Buffer.from(withPrefix(ED25519_PKCS8_PREFIX, key.seed)), format: "der", type: "pkcs8" });
      break;
    case "rsa":
      made = createPrivateKey({
        key: {
          kty: "RSA",
          n: base64url(bigintBytes(key.n)),
          e: base64url(bigintBytes(key.e)),
          d: base64url(bigintBytes(key.d)),
          p: base64url(bigintBytes(key.p)),
          q: base64url(bigintBytes(key.q)),
          dp: base64url(bigintBytes(key.dp)),
          dq: base64url(bigintBytes(key.dq)),
          qi: base64url(bigintBytes(key.qinv)),
        },
        format: "jwk",
      });
      break;
  }
  privateKeyObjects.set(key, made);
  return made;
}
