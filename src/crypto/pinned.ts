/**
 * A provider with pinned randomness, ephemeral keys and RSA-PSS salts, so a test can replay a
 * recorded handshake such as RFC 8448 byte for byte (design.md, principle 4). Everything else goes
 * to the base.
 */
import { fail } from "../bytes/index.js";
import { shareComposition } from "./compose.js";
import { keyShareFromPrivateKey } from "./key-share.js";
import type { CryptoProvider, GroupName, KeyShare, PrivateKey, SignatureAlgorithm } from "./provider.js";
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
}

export function createPinnedProvider(base: CryptoProvider, pins: ProviderPins): CryptoProvider {
  const random = pins.random?.map((value) => value.slice());
  let nextRandom = 0;
  const nextKeyShare: Partial<Record<GroupName, number>> = {};
  const salts = pins.pssSalts?.map((value) => value.slice());
  let nextSalt = 0;

  function sign(algorithm: SignatureAlgorithm, key: PrivateKey, message: Uint8Array): Uint8Array {
    if (salts === undefined || algorithm.kind !== "rsa-pss" || key.kind !== "rsa") return base.sign(algorithm, key, message);
    const salt = salts[nextSalt];
    if (salt === undefined) fail("internal_error", `pinned PSS salts exhausted after ${nextSalt}`);
    if (salt.length !== algorithm.saltLength) {
      fail("internal_error", `pinned PSS salt #${nextSalt} has ${salt.length} bytes; the algorithm needs ${algorithm.saltLength}`);
    }
    nextSalt++;
    return rsaPssSign(algorithm.hash, key, message, salt);
  }

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
      const keys = pins.keyShares?.[group];
      if (keys === undefined) return base.generateKeyShare(group);
      const index = nextKeyShare[group] ?? 0;
      const privateKey = keys[index];
      if (privateKey === undefined) fail("internal_error", `pinned ${group} key shares exhausted after ${index}`);
      nextKeyShare[group] = index + 1;
      return keyShareFromPrivateKey(group, privateKey);
    },

    hash: (name, data) => base.hash(name, data),
    createHash: (name) => base.createHash(name),
    hmac: (name, key, data) => base.hmac(name, key, data),
    hkdfExtract: (name, salt, ikm) => base.hkdfExtract(name, salt, ikm),
    hkdfExpand: (name, prk, info, length) => base.hkdfExpand(name, prk, info, length),
    aead: (algorithm, key) => base.aead(algorithm, key),
    verify: (algorithm, key, message, signature) => base.verify(algorithm, key, message, signature),
    sign,
  };
  // Its signatures and verifications are the base's, so what the base is composed of holds for it.
  shareComposition(pinned, base);
  return pinned;
}
