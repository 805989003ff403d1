/**
 * SHA-2, HMAC and HKDF, one `HashAlgorithm` per hash (`sha256`, `sha384`, `sha512`) so that a
 * provider composed with `createProvider` carries only the hashes it names. SHA-256, the hash of
 * every default suite and of forty short inputs per handshake side, runs on sha256.ts's reusable
 * states and compression function; SHA-384 and SHA-512 are @noble/hashes whole. The
 * functions by name (`hash`, `hmac`, ...) serve the RSA code, whose encodings are defined over a
 * named hash, and import all three.
 */
import { sha384 as nobleSha384, sha512 as nobleSha512 } from "@noble/hashes/sha2.js";
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { extract, expand } from "@noble/hashes/hkdf.js";
import type { CHash } from "@noble/hashes/utils.js";
import { constantTimeEqual, fail } from "../bytes/index.js";
import { hashLength, type HashContext, type HashName } from "./provider.js";
import { HmacSha256Key, SHA256_LENGTH, Sha256, hkdfExpandSha256, hmacSha256, sha256Digest } from "./sha256.js";

/** The shape of a noble hash state that we rely on; `digest()` finishes the state it is called on. */
interface IncrementalHash {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
  clone(): IncrementalHash;
}

/** One hash with what TLS 1.3 builds on it: HMAC (RFC 2104) and HKDF (RFC 5869). */
export interface HashAlgorithm {
  readonly name: HashName;
  hash(data: Uint8Array): Uint8Array;
  createHash(): HashContext;
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
  hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
}

/** SHA-256 on sha256.ts. */
function ownSha256(): HashAlgorithm {
  return {
    name: "SHA-256",
    hash: sha256Digest,
    createHash: () => new Sha256Context(new Sha256()),
    hmac: hmacSha256,
    // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an empty salt pads to the same block as HashLen zeros.
    hkdfExtract: (salt, ikm) => hmacSha256(salt, ikm),
    hkdfExpand: (prk, info, length) => {
      checkExpansion("SHA-256", prk, length);
      const key = new HmacSha256Key(prk);
      const okm = hkdfExpandSha256(key, info, length);
      key.destroy();
      return okm;
    },
  };
}

/** Transcript hashing (RFC 8446 §4.4.1): `digest()` is the digest so far; the state stays open. */
class Sha256Context implements HashContext {
  constructor(private readonly state: Sha256) {}

  update(data: Uint8Array): void {
    this.state.update(data);
  }

  digest(): Uint8Array {
    const out = new Uint8Array(SHA256_LENGTH);
    this.state.digestSoFarInto(out);
    return out;
  }

  clone(): HashContext {
    return new Sha256Context(new Sha256().copyFrom(this.state));
  }
}

function nobleHashAlgorithm(name: HashName, h: CHash): HashAlgorithm {
  return {
    name,
    hash: (data) => h(data),
    createHash: () => new NobleHashContext(h.create()),
    hmac: (key, data) => nobleHmac(h, key, data),
    hkdfExtract: (salt, ikm) => extract(h, ikm, salt),
    hkdfExpand: (prk, info, length) => {
      checkExpansion(name, prk, length);
      return expand(h, prk, info, length);
    },
  };
}

/**
 * `algorithm` whose one-block HKDF-Expand starts from kept keyed HMAC states (`RecentPrks`): the
 * pure provider's hashes. The modules `sha256`, `sha384`, `sha512` an application composes on its
 * own leave it out, so a bundle that counts bytes does not carry it.
 */
export function withKeyedHkdf(algorithm: HashAlgorithm): HashAlgorithm {
  const hLen = hashLength(algorithm.name);
  let recent: RecentPrks | null = null;
  return {
    ...algorithm,
    hkdfExpand: (prk, info, length) => {
      // Every HKDF-Expand-Label of TLS 1.3 is one block (RFC 8446 §7.1: at most Hash.length); the
      // rest, and every refusal, is the plain expansion's.
      const oneBlock = Number.isInteger(length) && length >= 0 && length <= hLen && prk.length >= hLen;
      if (!oneBlock) return algorithm.hkdfExpand(prk, info, length);
      recent ??= new RecentPrks(prkKeying(algorithm.name));
      return recent.keyedFor(prk).expandOneBlock(info, length);
    },
  };
}

/** A PRK keyed once (its HMAC inner and outer states), for one-block expansions. */
interface KeyedPrk {
  /** T(1) = HMAC-Hash(PRK, info | 0x01), its first `length` bytes (RFC 5869 §2.3). */
  expandOneBlock(info: Uint8Array, length: number): Uint8Array;
  destroy(): void;
}

/** The shape of noble's HMAC state that we rely on; `_cloneInto` copies it into a state that exists already. */
interface Hmac {
  update(data: Uint8Array): Hmac;
  digest(): Uint8Array;
  _cloneInto(to?: Hmac): Hmac;
  destroy(): void;
}
const COUNTER_ONE = /* @__PURE__ */ Uint8Array.of(1);

function prkKeying(name: HashName): (prk: Uint8Array) => KeyedPrk {
  if (name === "SHA-256") {
    return (prk) => {
      const key = new HmacSha256Key(prk);
      return { expandOneBlock: (info, length) => hkdfExpandSha256(key, info, length), destroy: () => key.destroy() };
    };
  }
  const h = nobleHash(name);
  /** The state each expansion works on, a copy of the keyed one: no allocation per call. */
  let work: Hmac | undefined;
  return (prk) => {
    const mac = nobleHmac.create(h, prk) as unknown as Hmac;
    return {
      expandOneBlock(info, length) {
        work = mac._cloneInto(work);
        const t = work.update(info).update(COUNTER_ONE).digest();
        return length === t.length ? t : t.slice(0, length);
      },
      destroy: () => mac.destroy(),
    };
  };
}

/** How many recent PRKs keep their keyed HMAC state, per hash. */
const RECENT_KEYS = 4;

/**
 * HMAC states keyed with the last few PRKs. TLS 1.3 expands each secret two to four times in a row
 * (RFC 8446 §7.1, §7.3: both traffic secrets from the handshake secret, key, iv and finished_key
 * from each traffic secret, ...), and keying HMAC (hashing the padded key into the inner and outer
 * states, RFC 2104 §2) is half the cost of a one-block expansion. A state is only reused for the
 * same array holding the same bytes (compared in constant time with a copy), so a caller that
 * reuses an array for another key gets a fresh state. Bounded: RECENT_KEYS states per hash, the
 * oldest replaced first.
 */
class RecentPrks {
  private readonly prks: (Uint8Array | null)[] = new Array<Uint8Array | null>(RECENT_KEYS).fill(null);
  private readonly copies: Uint8Array[] = [];
  private readonly keyed: KeyedPrk[] = [];
  private next = 0;

  constructor(private readonly keying: (prk: Uint8Array) => KeyedPrk) {}

  keyedFor(prk: Uint8Array): KeyedPrk {
    const i = this.prks.indexOf(prk);
    if (i >= 0 && constantTimeEqual(this.copies[i], prk)) return this.keyed[i];
    const at = i >= 0 ? i : this.next;
    if (i < 0) this.next = (this.next + 1) % RECENT_KEYS;
    // The state and copy it replaces are wiped, not left to the collector: at most RECENT_KEYS
    // secrets per hash outlive their connection here, and none beyond that.
    this.copies[at]?.fill(0);
    this.keyed[at]?.destroy();
    this.prks[at] = prk;
    this.copies[at] = prk.slice();
    return (this.keyed[at] = this.keying(prk));
  }
}

function nobleHash(name: HashName): CHash {
  switch (name) {
    case "SHA-384":
      return nobleSha384;
    case "SHA-512":
      return nobleSha512;
    default:
      return fail("internal_error", `unsupported hash ${String(name)}`);
  }
}

/**
 * Transcript hashing (RFC 8446 §4.4.1) needs the digest of a prefix while the transcript keeps
 * growing, so `digest()` finishes a copy and leaves this state open.
 */
class NobleHashContext implements HashContext {
  constructor(private readonly state: IncrementalHash) {}

  update(data: Uint8Array): void {
    this.state.update(data);
  }

  digest(): Uint8Array {
    return this.state.clone().digest();
  }

  clone(): HashContext {
    return new NobleHashContext(this.state.clone());
  }
}

/** RFC 5869 §2.3: L must not exceed 255 * HashLen, and PRK must be at least HashLen long (a shorter one is a caller bug). */
function checkExpansion(name: HashName, prk: Uint8Array, length: number): void {
  const hLen = hashLength(name);
  if (!Number.isInteger(length) || length < 0 || length > 255 * hLen) {
    fail("internal_error", `HKDF-Expand cannot produce ${length} bytes with ${name}`);
  }
  if (prk.length < hLen) fail("internal_error", `HKDF-Expand PRK is shorter than ${name} output`);
}

export const sha256: HashAlgorithm = /* @__PURE__ */ ownSha256();
export const sha384: HashAlgorithm = /* @__PURE__ */ nobleHashAlgorithm("SHA-384", nobleSha384);
export const sha512: HashAlgorithm = /* @__PURE__ */ nobleHashAlgorithm("SHA-512", nobleSha512);

function algorithmNamed(name: HashName): HashAlgorithm {
  switch (name) {
    case "SHA-256":
      return sha256;
    case "SHA-384":
      return sha384;
    case "SHA-512":
      return sha512;
    default:
      return fail("internal_error", `unsupported hash ${String(name)}`);
  }
}

export function hash(name: HashName, data: Uint8Array): Uint8Array {
  return algorithmNamed(name).hash(data);
}

export function createHash(name: HashName): HashContext {
  return algorithmNamed(name).createHash();
}

export function hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  return algorithmNamed(name).hmac(key, data);
}

/** HKDF-Extract, RFC 5869 §2.2. An empty salt is the same as HashLen zero bytes there. */
export function hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return algorithmNamed(name).hkdfExtract(salt, ikm);
}

/** HKDF-Expand, RFC 5869 §2.3. */
export function hkdfExpand(name: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return algorithmNamed(name).hkdfExpand(prk, info, length);
}
