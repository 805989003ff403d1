/**
 * `answerKeyShare` (crypto/key-exchange.ts) over a provider whose X25519 and (EC)DHE may answer
 * later (`AsyncCryptoOperations`, issue 13). The hybrid group's halves are hybrid-key-share.ts's,
 * which wait on the X25519 half when it waits; the ML-KEM-768 half is noble's, synchronous in
 * every runtime (no WebCrypto has ML-KEM yet).
 */
import {
  HYBRID_CLIENT_SHARE_LENGTH,
  MLKEM768_MESSAGE_LENGTH,
  X25519MLKEM768,
  type EncapsulatedKeyShare,
  encapsulateHybridKeyShare,
} from "./hybrid-key-share.js";
import { andThen } from "./maybe-promise.js";
import type { AsyncCryptoOperations, CryptoProvider, GroupName, MaybePromise } from "./provider.js";

/**
 * The server's key_exchange value and the shared secret, or null when the client's value is
 * invalid (illegal_parameter). `random.randomBytes` gives the 32 bytes of ML-KEM.Encaps randomness
 * (a provider, so the engine passes its own without binding a function per handshake).
 */
export function answerKeyShareAsync(
  operations: AsyncCryptoOperations,
  random: Pick<CryptoProvider, "randomBytes">,
  group: GroupName,
  clientShare: Uint8Array,
): MaybePromise<EncapsulatedKeyShare | null> {
  if (group === X25519MLKEM768) {
    // A share of the wrong length costs no randomness and no key generation.
    if (clientShare.length !== HYBRID_CLIENT_SHARE_LENGTH) return null;
    const message = random.randomBytes(MLKEM768_MESSAGE_LENGTH);
    return andThen(operations.generateKeyShare("x25519"), (x25519) => encapsulateHybridKeyShare(clientShare, x25519, message));
  }
  return andThen(operations.generateKeyShare(group), (share) =>
    andThen(share.deriveSharedSecret(clientShare), (sharedSecret) => (sharedSecret === null ? null : { publicKey: share.publicKey, sharedSecret })),
  );
}
