/**
 * Private keys read on their own, outside a connection: `parsePrivateKey` also derives the public
 * point of an EC key (which rejects a bad scalar) and checks the point embedded in it, and
 * `publicKeyOf` gives a key's public half. These compute on every curve mutls supports, so the
 * engine uses private-key.ts's `readPrivateKey` and `privateKeyFitsCertificate` instead, which
 * reach curves only through the connection's provider.
 */
import { bytesEqual, fail } from "../bytes/index.js";
import type { PrivateKey, PublicKey } from "../crypto/provider.js";
import { ecdsaP256, ecdsaP384, ed25519, rsa } from "../crypto/signature.js";
import type { Certificate } from "./certificate.js";
import { malformed } from "./der.js";
import { embeddedPublicPoint } from "./key-fit.js";
import { readPrivateKey } from "./private-key.js";

/**
 * Public halves already computed, by private key. Deriving a point is a scalar multiplication,
 * which parsing does anyway (to validate the scalar); checking the key against its certificate
 * then reuses it instead of paying again.
 */
const publicKeys = new WeakMap<PrivateKey, PublicKey>();

function derivePublicKey(key: PrivateKey): PublicKey {
  if (key.kind === "rsa") return rsa.publicKey(key);
  if (key.kind === "ed25519") return ed25519.publicKey(key);
  try {
    return (key.curve === "P-256" ? ecdsaP256 : ecdsaP384).publicKey(key);
  } catch {
    return fail("internal_error", `EC private key is not a valid ${key.curve} scalar (zero or not below the group order)`);
  }
}

/** The public half of a private key. */
export function publicKeyOf(key: PrivateKey): PublicKey {
  let known = publicKeys.get(key);
  if (known === undefined) {
    known = derivePublicKey(key);
    publicKeys.set(key, known);
  }
  return known;
}

/** Parses a private key from PEM text, PEM bytes, or DER bytes. Throws a TLSError (internal_error). */
export function parsePrivateKey(input: string | Uint8Array): PrivateKey {
  const key = readPrivateKey(input);
  if (key.kind !== "ec") return key;
  const mine = publicKeyOf(key);
  const embedded = embeddedPublicPoint(key);
  if (embedded !== null && mine.kind === "ec" && !bytesEqual(embedded, mine.point)) {
    malformed({ alert: "internal_error", what: "private key" }, "its embedded public key does not belong to its private scalar");
  }
  return key;
}

/** True when `cert` carries the public key of `key` (a configuration sanity check). */
export function privateKeyMatchesCertificate(key: PrivateKey, cert: Certificate): boolean {
  const certKey = cert.publicKey;
  if (certKey === null || certKey.kind !== key.kind) return false;
  const mine = publicKeyOf(key);
  if (mine.kind === "ec" && certKey.kind === "ec") return mine.curve === certKey.curve && bytesEqual(mine.point, certKey.point);
  if (mine.kind === "ed25519" && certKey.kind === "ed25519") return bytesEqual(mine.key, certKey.key);
  if (mine.kind === "rsa" && certKey.kind === "rsa") return mine.n === certKey.n && mine.e === certKey.e;
  return false;
}
