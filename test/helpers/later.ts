/**
 * Test tools for providers and signers that answer later (issue 13): a gate that holds every
 * answer until the test releases it, and a node:crypto signer that signs each message once, so
 * twin endpoints put the same bytes on the wire.
 */
import { createPrivateKey, sign as nodeSign } from "node:crypto";
import { toHex } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import type { AsyncKeyShare, CryptoProvider } from "../../src/crypto/provider.js";
import type { Signer } from "../../src/index.js";

/** Answers `answer()` at some later point. */
export type Later = <T>(answer: () => T) => Promise<T>;

/** Holds every answer until `release()`: the test decides when the provider's work finishes. */
export class Gate {
  private held: (() => void)[] = [];
  readonly later: Later = (answer) =>
    new Promise((resolve, reject) => {
      this.held.push(() => {
        try {
          resolve(answer());
        } catch (e) {
          reject(e);
        }
      });
    });

  get waiting(): number {
    return this.held.length;
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const settle of held) settle();
  }
}

/** `base` whose asynchronous key shares, Diffie-Hellman, signatures and verifications answer through `later`. */
export function laterProvider(later: Later, base: CryptoProvider = pureProvider): CryptoProvider {
  return {
    ...base,
    name: `${base.name}+later`,
    asynchronous: {
      generateKeyShare: (group) =>
        later((): AsyncKeyShare => {
          const share = base.generateKeyShare(group);
          return { group, publicKey: share.publicKey, deriveSharedSecret: (peer) => later(() => share.deriveSharedSecret(peer)) };
        }),
      aead: (algorithm, key) => base.aead(algorithm, key),
      verify: (algorithm, key, message, signature) => later(() => base.verify(algorithm, key, message, signature)),
      sign: (algorithm, key, message) => later(() => base.sign(algorithm, key, message)),
    },
  };
}

/**
 * Signs ECDSA P-256 with node:crypto (an independent implementation), once per message, so twin
 * endpoints send the same bytes; `corrupt` flips the last byte of s (still well-formed DER, no
 * longer a signature over the message).
 */
export function memoizedSigner(keyPem: string, corrupt = false): Signer {
  const key = createPrivateKey(keyPem);
  const signatures = new Map<string, Uint8Array>();
  return {
    schemes: ["ecdsa_secp256r1_sha256"],
    sign(_scheme, message) {
      let signature = signatures.get(toHex(message));
      if (!signature) {
        signature = new Uint8Array(nodeSign("sha256", message, key));
        if (corrupt) signature[signature.length - 1] ^= 1;
        signatures.set(toHex(message), signature);
      }
      return signature;
    },
  };
}
