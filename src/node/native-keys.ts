/**
 * Our key values (provider.ts `PublicKey` / `PrivateKey`) as OpenSSL KeyObjects, for the native
 * provider's signatures.
 */
import { ECDH, type KeyObject, createECDH, createPrivateKey, createPublicKey } from "node:crypto";
import { fail } from "../bytes/index.js";
import type { PrivateKey, PublicKey } from "../crypto/provider.js";
import { ecPrivateJwk, ecPublicJwk, rsaPrivateJwk, rsaPublicJwk } from "../crypto/webcrypto/encoding.js";
import { ED25519_PKCS8_PREFIX, ED25519_SPKI_PREFIX, withPrefix } from "./native-encoding.js";

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

export function toPublicKeyObject(key: PublicKey): KeyObject {
  const id = publicKeyId(key);
  const cached = publicKeyObjects.get(id);
  if (cached !== undefined) return cached;
  let made: KeyObject;
  switch (key.kind) {
    case "ec": {
      // X.509 carries the point as in SEC 1 §2.3.3; OpenSSL decodes and validates it on import.
      // A compressed point has no JWK form: OpenSSL decompresses it first.
      const jwk = ecPublicJwk(key.curve, key.point) ?? ecPublicJwk(key.curve, decompressedPoint(key.curve, key.point));
      if (jwk === null) fail("internal_error", "OpenSSL did not decompress the EC point");
      made = createPublicKey({ key: jwk, format: "jwk" });
      break;
    }
    case "ed25519":
      made = createPublicKey({ key: Buffer.from(withPrefix(ED25519_SPKI_PREFIX, key.key)), format: "der", type: "spki" });
      break;
    case "rsa":
      made = createPublicKey({ key: rsaPublicJwk(key), format: "jwk" });
      break;
  }
  if (publicKeyObjects.size >= PUBLIC_KEY_CACHE_SIZE) publicKeyObjects.delete(publicKeyObjects.keys().next().value as string);
  publicKeyObjects.set(id, made);
  return made;
}

/** A compressed point (SEC 1 §2.3.3) decompressed by OpenSSL; it throws on a point off the curve. */
function decompressedPoint(curve: "P-256" | "P-384", point: Uint8Array): Uint8Array {
  return ECDH.convertKey(Buffer.from(point), curve === "P-256" ? "prime256v1" : "secp384r1", undefined, undefined, "uncompressed") as Buffer;
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
      made = createPrivateKey({ key: ecPrivateJwk(key.curve, key.d, point), format: "jwk" });
      break;
    }
    case "ed25519":
      if (key.seed.length !== 32) fail("internal_error", "an Ed25519 private key is a 32-byte seed");
      made = createPrivateKey({ key: Buffer.from(withPrefix(ED25519_PKCS8_PREFIX, key.seed)), format: "der", type: "pkcs8" });
      break;
    case "rsa":
      made = createPrivateKey({ key: rsaPrivateJwk(key), format: "jwk" });
      break;
  }
  privateKeyObjects.set(key, made);
  return made;
}
