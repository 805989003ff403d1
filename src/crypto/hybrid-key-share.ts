/**
 * X25519MLKEM768 (codepoint 0x11EC, draft-ietf-tls-ecdhe-mlkem §3): the hybrid post-quantum group
 * browsers offer. It is a plain concatenation, not X-Wing: every part is fixed-size, ML-KEM first.
 *   client key_exchange = ML-KEM-768 encapsulation key (1184) || X25519 public key (32)
 *   server key_exchange = ML-KEM-768 ciphertext (1088)        || X25519 public key (32)
 *   shared secret       = ML-KEM-768 shared secret (32)       || X25519 shared secret (32)
 * The server half is an encapsulation against the client's share, so it is produced from that
 * share (`encapsulateHybridKeyShare`) rather than from a key pair of its own.
 * Peer values are untrusted: every failure becomes `null`, which the engine maps to
 * illegal_parameter as the draft requires for a bad length or a failed FIPS 203 §7.2 key check.
 */
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { concatBytes, fail } from "../bytes/index.js";
import { andThen } from "./maybe-promise.js";
import type { AsyncKeyShare, KeyShare, MaybePromise } from "./provider.js";

export const X25519MLKEM768 = "X25519MLKEM768" as const;

const X25519_LENGTH = 32;
/** FIPS 203 §8, ML-KEM-768: ek = 384k + 32, c = 32(du·k + dv), d||z seed = 64 bytes. */
const MLKEM768_ENCAPSULATION_KEY_LENGTH = 1184;
const MLKEM768_CIPHERTEXT_LENGTH = 1088;
export const MLKEM768_SEED_LENGTH = 64;
export const MLKEM768_MESSAGE_LENGTH = 32;

export const HYBRID_CLIENT_SHARE_LENGTH = MLKEM768_ENCAPSULATION_KEY_LENGTH + X25519_LENGTH;
export const HYBRID_SERVER_SHARE_LENGTH = MLKEM768_CIPHERTEXT_LENGTH + X25519_LENGTH;
/** The private input of a pinned hybrid share: the ML-KEM d||z seed, then the X25519 scalar. */
export const HYBRID_PRIVATE_KEY_LENGTH = MLKEM768_SEED_LENGTH + X25519_LENGTH;

/**
 * The client's hybrid share: an ML-KEM-768 key pair and an X25519 share from the caller's provider.
 * The X25519 half may answer later (an asynchronous provider, issue 13); `andThen` keeps a
 * synchronous share's answer synchronous.
 */
class HybridClientKeyShare implements AsyncKeyShare {
  readonly group = X25519MLKEM768;
  readonly publicKey: Uint8Array;
  private readonly decapsulationKey: Uint8Array;

  constructor(
    mlKemSeed: Uint8Array,
    private readonly x25519: AsyncKeyShare,
  ) {
    const pair = ml_kem768.keygen(mlKemSeed);
    this.decapsulationKey = pair.secretKey;
    this.publicKey = concatBytes(pair.publicKey, x25519.publicKey);
  }

  /** Decapsulates the server's ciphertext and completes the X25519 exchange. */
  deriveSharedSecret(serverShare: Uint8Array): MaybePromise<Uint8Array | null> {
    if (serverShare.length !== HYBRID_SERVER_SHARE_LENGTH) return null;
    const cipherText = serverShare.subarray(0, MLKEM768_CIPHERTEXT_LENGTH);
    return andThen(this.x25519.deriveSharedSecret(serverShare.subarray(MLKEM768_CIPHERTEXT_LENGTH)), (x25519Secret) => {
      if (x25519Secret === null) return null;
      // FIPS 203 §7.3: decapsulation uses implicit rejection; a forged ciphertext yields an unrelated
      // secret, which surfaces as a Finished/AEAD failure rather than an oracle here.
      return concatBytes(ml_kem768.decapsulate(cipherText, this.decapsulationKey), x25519Secret);
    });
  }
}

/**
 * A client hybrid share from a 64-byte ML-KEM seed (FIPS 203 ML-KEM.KeyGen_internal d||z) and an
 * X25519 share made by the provider, so native X25519, WebCrypto's and pinned keys keep working.
 * Synchronous when the X25519 share is.
 */
export function hybridKeyShare(mlKemSeed: Uint8Array, x25519: KeyShare): KeyShare;
export function hybridKeyShare(mlKemSeed: Uint8Array, x25519: AsyncKeyShare): AsyncKeyShare;
export function hybridKeyShare(mlKemSeed: Uint8Array, x25519: AsyncKeyShare): AsyncKeyShare {
  if (mlKemSeed.length !== MLKEM768_SEED_LENGTH) fail("internal_error", `an ML-KEM-768 seed is ${MLKEM768_SEED_LENGTH} bytes`);
  if (x25519.group !== "x25519") fail("internal_error", "the classical half of X25519MLKEM768 must be an x25519 share");
  return new HybridClientKeyShare(mlKemSeed, x25519);
}

/** The server's answer to a client's hybrid share: the key_exchange it sends and the shared secret. */
export interface EncapsulatedKeyShare {
  readonly publicKey: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

/**
 * Server side: encapsulates to the client's ML-KEM key and answers its X25519 share with `x25519`,
 * a fresh share from the provider. `message` is the 32 bytes of ML-KEM.Encaps randomness.
 * Returns null for a wrong length, an encapsulation key that fails the FIPS 203 §7.2 modulus
 * check, or an X25519 value that is invalid.
 */
export function encapsulateHybridKeyShare(clientShare: Uint8Array, x25519: KeyShare, message: Uint8Array): EncapsulatedKeyShare | null;
export function encapsulateHybridKeyShare(clientShare: Uint8Array, x25519: AsyncKeyShare, message: Uint8Array): MaybePromise<EncapsulatedKeyShare | null>;
export function encapsulateHybridKeyShare(clientShare: Uint8Array, x25519: AsyncKeyShare, message: Uint8Array): MaybePromise<EncapsulatedKeyShare | null> {
  if (clientShare.length !== HYBRID_CLIENT_SHARE_LENGTH) return null;
  if (message.length !== MLKEM768_MESSAGE_LENGTH) fail("internal_error", `ML-KEM encapsulation needs ${MLKEM768_MESSAGE_LENGTH} random bytes`);
  const encapsulationKey = clientShare.subarray(0, MLKEM768_ENCAPSULATION_KEY_LENGTH);
  return andThen(x25519.deriveSharedSecret(clientShare.subarray(MLKEM768_ENCAPSULATION_KEY_LENGTH)), (x25519Secret) => {
    if (x25519Secret === null) return null;
    let encapsulated: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      // noble runs the FIPS 203 §7.2 input check (ByteEncode(ByteDecode(ek)) == ek) and throws on failure.
      encapsulated = ml_kem768.encapsulate(encapsulationKey, message);
    } catch {
      return null;
    }
    return {
      publicKey: concatBytes(encapsulated.cipherText, x25519.publicKey),
      sharedSecret: concatBytes(encapsulated.sharedSecret, x25519Secret),
    };
  });
}
