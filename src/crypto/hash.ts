/**
 * SHA-2, HMAC and HKDF on @noble/hashes, one `HashAlgorithm` per hash (`sha256`, `sha384`,
 * `sha512`) so that a provider composed with `createProvider` carries only the hashes it names.
 * The functions by name (`hash`, `hmac`, ...) serve the RSA code, whose encodings are defined over
 * a named hash, and import all three.
 */
import { sha256 as nobleSha256, sha384 as nobleSha384, sha512 as nobleSha512 } from "@noble/hashes/sha2.js";
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { extract, expand } from "@noble/hashes/hkdf.js";
import type { CHash } from "@noble/hashes/utils.js";
import { constantTimeEqual, fail } from "../bytes/index.js";
import { hashLength, type HashContext, type HashName } from "./provider.js";

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

function nobleHashAlgorithm(name: HashName, h: CHash): HashAlgorithm {
  return {
    name,
    hash: (data) => h(data),
    createHash: () => new NobleHashContext(h.create()),
    hmac: (key, data) => nobleHmac(h, key, data),
    hkdfExtract: (salt, ikm) => extract(h, ikm, salt),
    hkdfExpand: (prk, info, length) => checkedHkdfExpand(name, h, prk, info, length),
  };
}

/**
 * `algorithm` whose one-block HKDF-Expand starts from kept keyed HMAC states (`KeyedHmacs`): the
 * pure provider's hashes. The modules `sha256`, `sha384`, `sha512` an application composes on its
 * own leave it out, so a bundle that counts bytes does not carry it.
 */
export function withKeyedHkdf(algorithm: HashAlgorithm): HashAlgorithm {
  const h = nobleHash(algorithm.name);
  let keyed: KeyedHmacs | null = null;
  return {
    ...algorithm,
    hkdfExpand: (prk, info, length) => {
      // Every HKDF-Expand-Label of TLS 1.3 is one block (RFC 8446 §7.1: at most Hash.length); the
      // rest, and every refusal, is the plain expansion's.
      const oneBlock = Number.isInteger(length) && length >= 0 && length <= h.outputLen && prk.length >= h.outputLen;
      if (!oneBlock) return algorithm.hkdfExpand(prk, info, length);
      keyed ??= new KeyedHmacs(h);
      return keyed.expandOneBlock(prk, info, length);
    },
  };
}

/** The shape of noble's HMAC state that we rely on; `_cloneInto` copies it into a state that exists already. */
interface Hmac {
  update(data: Uint8Array): Hmac;
  digest(): Uint8Array;
  _cloneInto(to?: Hmac): Hmac;
  destroy(): void;
}
const COUNTER_ONE = /* @__PURE__ */ Uint8Array.of(1);
/** How many recent PRKs keep their keyed HMAC state, per hash. */
const RECENT_KEYS = 4;

/**
 * HKDF-Expand (RFC 5869 §2.3) from HMAC states keyed with the last few PRKs. TLS 1.3 expands each
 * secret two to four times in a row (RFC 8446 §7.1, §7.3: both traffic secrets from the handshake
 * secret, key, iv and finished_key from each traffic secret, ...), and keying HMAC (hashing the
 * padded key into the inner and outer states, RFC 2104 §2) is half the cost of a one-block
 * expansion. A state is only reused for the same array holding the same bytes (compared in constant
 * time with a copy), so a caller that reuses an array for another key gets a fresh state. Bounded:
 * RECENT_KEYS states per hash, the oldest replaced first.
 */
class KeyedHmacs {
  private readonly prks: (Uint8Array | null)[] = new Array<Uint8Array | null>(RECENT_KEYS).fill(null);
  private readonly copies: Uint8Array[] = [];
  private readonly macs: Hmac[] = [];
  private next = 0;
  /** The state each expansion works on, a copy of the keyed one: no allocation per call. */
  private work: Hmac | undefined;

  constructor(private readonly h: CHash) {}

  expandOneBlock(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    const work = this.keyedFor(prk)._cloneInto(this.work);
    this.work = work;
    // T(1) = HMAC-Hash(PRK, info | 0x01)
    const t = work.update(info).update(COUNTER_ONE).digest();
    return length === t.length ? t : t.slice(0, length);
  }

  private keyedFor(prk: Uint8Array): Hmac {
    const i = this.prks.indexOf(prk);
    if (i >= 0 && constantTimeEqual(this.copies[i], prk)) return this.macs[i];
    const at = i >= 0 ? i : this.next;
    if (i < 0) this.next = (this.next + 1) % RECENT_KEYS;
    // The state and copy it replaces are wiped, not left to the collector: at most RECENT_KEYS
    // secrets per hash outlive their connection here, and none beyond that.
    this.copies[at]?.fill(0);
    this.macs[at]?.destroy();
    this.prks[at] = prk;
    this.copies[at] = prk.slice();
    return (this.macs[at] = nobleHmac.create(this.h, prk) as unknown as Hmac);
  }
}

function nobleHash(name: HashName): CHash {
  switch (name) {
    case "SHA-256":
      return nobleSha256;
    case "SHA-384":
      return nobleSha384;
    case "SHA-512":
      return nobleSha512;
    default:
      return fail("internal_error", `unsupported hash ${String(name)}`);
  }
}

export function hash(name: HashName, data: Uint8Array): Uint8Array {
  return nobleHash(name)(data);
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

export function createHash(name: HashName): HashContext {
  return new NobleHashContext(nobleHash(name).create());
}

export function hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  return nobleHmac(nobleHash(name), key, data);
}

/** HKDF-Extract, RFC 5869 §2.2. An empty salt is the same as HashLen zero bytes there. */
export function hkdfExtract(name: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return extract(nobleHash(name), ikm, salt);
}

/** HKDF-Expand, RFC 5869 §2.3: L must not exceed 255*HashLen. */
export function hkdfExpand(name: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return checkedHkdfExpand(name, nobleHash(name), prk, info, length);
}

function checkedHkdfExpand(name: HashName, h: CHash, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const hLen = hashLength(name);
  if (!Number.isInteger(length) || length < 0 || length > 255 * hLen) {
    fail("internal_error", `HKDF-Expand cannot produce ${length} bytes with ${name}`);
  }
  // RFC 5869 §2.3 requires PRK of at least HashLen octets; a shorter one is a caller bug.
  if (prk.length < hLen) fail("internal_error", `HKDF-Expand PRK is shorter than ${name} output`);
  return expand(h, prk, info, length);
}

export const sha256: HashAlgorithm = /* @__PURE__ */ nobleHashAlgorithm("SHA-256", nobleSha256);
export const sha384: HashAlgorithm = /* @__PURE__ */ nobleHashAlgorithm("SHA-384", nobleSha384);
export const sha512: HashAlgorithm = /* @__PURE__ */ nobleHashAlgorithm("SHA-512", nobleSha512);
