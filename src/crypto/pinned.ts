/**
 * A provider with pinned randomness, ephemeral keys and RSA-PSS salts, so a test can replay a
 * recorded handshake such as RFC 8448 byte for byte (design.md, principle 4). Everything else goes
 * to the base, and so do the base's asynchronous operations (`asynchronous`, issue 13) for what is
 * not pinned: a pinned WebCrypto provider still verifies and derives on `crypto.subtle`.
 */
import { fail } from "../bytes/index.js";
import { shareComposition } from "./compose.js";
import { keyShareFromPrivateKey } from "./key-share.js";
import type { AsyncCryptoOperations, AsyncKeyShare, CryptoProvider, GroupName, KeyShare, MaybePromise, PrivateKey, SignatureAlgorithm } from "./provider.js";
import { rsaPssSign } from "./rsa.js";

export interface ProviderPins {
  /**
   * Values for successive `randomBytes` calls, in order. Each call must ask for exactly the length
   * of the next value; a mismatch or running out throws, since the replay has gone off script.
   * When absent, randomness comes from the base provider.
   */
  readonly random?: readonly Uint8Array[];
  /**
   * Private keys for successive `generateKeyShare(group)` calls, per group, in order. A group
   * that is not listed falls back to the base provider; a listed group that runs out throws.
   */
  readonly keyShares?: Partial<Record<GroupName, readonly Uint8Array[]>>;
  /**
   * Salts for successive RSA-PSS signatures, in order; each must be `saltLength` bytes. The salt is
   * the only randomness in a PSS signature (RFC 8017 §9.1.1), so RFC 8448's server CertificateVerify
   * can be reproduced from the RFC's key (its §2) and the salt recovered from the RFC's signature.
   * Such signatures are computed here with the pure RSA code, whatever the base provider.
   * When absent, PSS signing goes to the base provider.
   */
  readonly pssSalts?: readonly Uint8Array[];
  /**
   * How the asynchronous operations (`asynchronous`, present when the base has them) turn a pinned
   * private key into a key share, so a replay can run the base's own key agreement on the pinned
   * key (for WebCrypto, `webCryptoKeyShareFromPrivateKey`). By default the pure provider's
   * `keyShareFromPrivateKey`, as for the synchronous `generateKeyShare`. Both draw on the same
   * `keyShares` list.
   */
  readonly asyncKeyShare?: (group: GroupName, privateKey: Uint8Array) => MaybePromise<AsyncKeyShare>;
}

export function createPinnedProvider(base: CryptoProvider, pins: ProviderPins): CryptoProvider {
  const random = pins.random?.map((value) => value.slice());
  let nextRandom = 0;
  const nextKeyShare: Partial<Record<GroupName, number>> = {};
  const salts = pins.pssSalts?.map((value) => value.slice());
  let nextSalt = 0;

  /** The next pinned private key for `group`, or undefined when the group is not pinned. */
  function nextPinnedKey(group: GroupName): Uint8Array | undefined {
    const keys = pins.keyShares?.[group];
    if (keys === undefined) return undefined;
    const index = nextKeyShare[group] ?? 0;
    const privateKey = keys[index];
    if (privateKey === undefined) fail("internal_error", `pinned ${group} key shares exhausted after ${index}`);
    nextKeyShare[group] = index + 1;
    return privateKey;
  }

  /** RFC 8017 §9.1.1 with the next pinned salt; null when no salt pin applies (not RSA-PSS, or no salts pinned). */
  function pinnedPssSign(algorithm: SignatureAlgorithm, key: PrivateKey, message: Uint8Array): Uint8Array | null {
    if (salts === undefined || algorithm.kind !== "rsa-pss" || key.kind !== "rsa") return null;
    const salt = salts[nextSalt];
    if (salt === undefined) fail("internal_error", `pinned PSS salts exhausted after ${nextSalt}`);
    if (salt.length !== algorithm.saltLength) {
      fail("internal_error", `pinned PSS salt #${nextSalt} has ${salt.length} bytes; the algorithm needs ${algorithm.saltLength}`);
    }
    nextSalt++;
    return rsaPssSign(algorithm.hash, key, message, salt);
  }

  const baseAsync = base.asynchronous;
  const asyncKeyShare = pins.asyncKeyShare ?? keyShareFromPrivateKey;
  const asynchronous: AsyncCryptoOperations | undefined = baseAsync && {
    generateKeyShare: (group) => {
      const privateKey = nextPinnedKey(group);
      return privateKey === undefined ? baseAsync.generateKeyShare(group) : asyncKeyShare(group, privateKey);
    },
    aead: (algorithm, key) => baseAsync.aead(algorithm, key),
    verify: (algorithm, key, message, signature) => baseAsync.verify(algorithm, key, message, signature),
    sign: (algorithm, key, message) => pinnedPssSign(algorithm, key, message) ?? baseAsync.sign(algorithm, key, message),
  };

  const pinned: CryptoProvider = {
    name: `${base.name}+pinned`,

    randomBytes(length: number): Uint8Array {
      if (random === undefined) return base.randomBytes(length);
      const value = random[nextRandom];
      if (value === undefined) fail("internal_error", `pinned randomness exhausted after ${nextRandom} values`);
      if (value.length !== length) {
        fail("internal_error", `pinned random value #${nextRandom} has ${value.length} bytes; ${length} were requested`);
      }
      nextRandom++;
      return value.slice();
    },

    generateKeyShare(group: GroupName): KeyShare {
      const privateKey = nextPinnedKey(group);
      return privateKey === undefined ? base.generateKeyShare(group) : keyShareFromPrivateKey(group, privateKey);
    },

    hash: (name, data) => base.hash(name, data),
    createHash: (name) => base.createHash(name),
    hmac: (name, key, data) => base.hmac(name, key, data),
    hkdfExtract: (name, salt, ikm) => base.hkdfExtract(name, salt, ikm),
    hkdfExpand: (name, prk, info, length) => base.hkdfExpand(name, prk, info, length),
    aead: (algorithm, key) => base.aead(algorithm, key),
    verify: (algorithm, key, message, signature) => base.verify(algorithm, key, message, signature),
    sign: (algorithm, key, message) => pinnedPssSign(algorithm, key, message) ?? base.sign(algorithm, key, message),
    ...(asynchronous ? { asynchronous } : {}),
  };
  // Its signatures and verifications are the base's, so what the base is composed of holds for it.
  shareComposition(pinned, base);
  return pinned;
}
