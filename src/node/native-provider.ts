/**
 * The native provider: the CryptoProvider interface on node:crypto (OpenSSL), an opt-in
 * accelerator for Node (design.md, principle 2). It answers exactly as the pure provider does,
 * which test/node/native-provider.test.ts checks byte for byte; only the speed differs.
 * Hashes, HMAC, HKDF and randomness are here; AEADs, key shares and signatures have a file each.
 */
import { createHash as nodeCreateHash, createHmac, getRandomValues, type Hash } from "node:crypto";
import { fail } from "../bytes/index.js";
import { type CryptoProvider, type HashContext, type HashName, hashLength } from "../crypto/provider.js";
import { nativeAead } from "./native-aead.js";
import { nodeHashName, plain } from "./native-encoding.js";
import { generateNativeKeyShare } from "./native-key-share.js";
import { nativeSign, nativeVerify } from "./native-signature.js";

function randomBytes(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) fail("internal_error", `cannot make ${length} random bytes`);
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call (WebCrypto's quota).
  for (let at = 0; at < length; at += 65536) getRandomValues(out.subarray(at, Math.min(length, at + 65536)));
  return out;
}

function hash(name: HashName, data: Uint8Array): Uint8Array {
  return plain(nodeCreateHash(nodeHashName(name)).update(data).digest());
}

/** Transcript hashing (RFC 8446 §4.4.1): `digest()` finishes a copy and leaves this state open. */
class NativeHashContext implements HashContext {
  constructor(private readonly state: Hash) {}

  update(data: Uint8Array): void {
    this.state.update(data);
  }

  digest(): Uint8Array {
    return plain(this.state.copy().digest());
  }

  clone(): HashContext {
    return new NativeHashContext(this.state.copy());
  }
}

function createHash(name: HashName): HashContext {
  return new NativeHashContext(nodeCreateHash(nodeHashName(name)));
}

function hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  return plain(createHmac(nodeHashName(name), key).update(data).digest());
}

/** HKDF-Extract, RFC 5869 §2.2: HMAC keyed with the salt; an empty salt acts as HashLen zeros. */
function hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(name, salt.length === 0 ? new Uint8Array(hashLength(name)) : salt, ikm);
}

/**
 * HKDF-Expand, RFC 5869 §2.3. node:crypto's hkdfSync always extracts first, and TLS 1.3 expands
 * already-extracted secrets (RFC 8446 §7.1), so the T(i) chain is built here from HMAC.
 */
function hkdfExpand(name: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const hLen = hashLength(name);
  if (!Number.isInteger(length) || length < 0 || length > 255 * hLen) {
    fail("internal_error", `HKDF-Expand cannot produce ${length} bytes with ${name}`);
  }
  if (prk.length < hLen) fail("internal_error", `HKDF-Expand PRK is shorter than ${name} output`);
  const out = new Uint8Array(length);
  const counter = new Uint8Array(1);
  let previous: Uint8Array = new Uint8Array(0);
  for (let at = 0, i = 1; at < length; at += hLen, i++) {
    counter[0] = i;
    const t = createHmac(nodeHashName(name), prk).update(previous).update(info).update(counter).digest();
    out.set(t.subarray(0, Math.min(hLen, length - at)), at);
    previous = t;
  }
  return out;
}

/** node:crypto behind the CryptoProvider interface. Pass it as `provider` in a client or server config. */
export const nativeProvider: CryptoProvider = {
  name: "native",
  randomBytes,
  hash,
  createHash,
  hmac,
  hkdfExtract,
  hkdfExpand,
  aead: nativeAead,
  generateKeyShare: generateNativeKeyShare,
  verify: nativeVerify,
  sign: nativeSign,
};
