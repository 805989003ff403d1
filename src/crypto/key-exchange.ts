/**
 * The server's half of a key exchange (RFC 8446 §4.2.8): given the client's share for the chosen
 * group, the key_exchange value the server sends and the shared secret. For an (EC)DHE group that
 * is a fresh key pair and a Diffie-Hellman; for the KEM-based X25519MLKEM768 it is an encapsulation
 * against the client's share (draft-ietf-tls-ecdhe-mlkem §3), so it cannot be a key pair made up front.
 */
import { type EncapsulatedKeyShare, X25519MLKEM768, encapsulateHybridKeyShare } from "./hybrid-key-share.js";
import type { CryptoProvider, GroupName } from "./provider.js";

/** Returns null when the client's value is invalid; the engine answers illegal_parameter. */
export function answerKeyShare(provider: CryptoProvider, group: GroupName, clientShare: Uint8Array): EncapsulatedKeyShare | null {
  if (group === X25519MLKEM768) {
    // FIPS 203 ML-KEM.Encaps takes 32 bytes of fresh randomness; the X25519 half is the provider's.
    return encapsulateHybridKeyShare(clientShare, provider.generateKeyShare("x25519"), provider.randomBytes(32));
  }
  const share = provider.generateKeyShare(group);
  const sharedSecret = share.deriveSharedSecret(clientShare);
  return sharedSecret === null ? null : { publicKey: share.publicKey, sharedSecret };
}
