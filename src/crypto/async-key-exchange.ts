/**
 * The key exchange of crypto/key-exchange.ts and crypto/hybrid-key-share.ts over a provider whose
 * X25519 and (EC)DHE may answer later (`AsyncCryptoOperations`, issue 13). The ML-KEM-768 half of
 * X25519MLKEM768 is noble's, synchronous in every runtime (no WebCrypto has ML-KEM yet); only the
 * classical half waits. The layout and the null rules are those of hybrid-key-share.ts.
 */
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { fail } from "../bytes/index.js";
import { type EncapsulatedKeyShare, HYBRID_CLIENT_SHARE_LENGTH, HYBRID_SERVER_SHARE_LENGTH, MLKEM768_SEED_LENGTH, X25519MLKEM768 } from "./hybrid-key-share.js";
import { andThen } from "./maybe-promise.js";
import type { AsyncCryptoOperations, AsyncKeyShare, GroupName, MaybePromise } from "./provider.js";

const X25519_LENGTH = 32;
const MLKEM768_CIPHERTEXT_LENGTH = HYBRID_SERVER_SHARE_LENGTH - X25519_LENGTH;
const MLKEM768_ENCAPSULATION_KEY_LENGTH = HYBRID_CLIENT_SHARE_LENGTH - X25519_LENGTH;
const MLKEM768_MESSAGE_LENGTH = 32;

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  const out = new Uint8Array(first.length + second.length);
  out.set(first, 0);
  out.set(second, first.length);
  return out;
}

/** The client's hybrid share over an X25519 share that may derive later. */
class AsyncHybridClientKeyShare implements AsyncKeyShare {
  readonly group = X25519MLKEM768;
  readonly publicKey: Uint8Array;
  private readonly decapsulationKey: Uint8Array;

  constructor(
    mlKemSeed: Uint8Array,
    private readonly x25519: AsyncKeyShare,
  ) {
    const pair = ml_kem768.keygen(mlKemSeed);
    this.decapsulationKey = pair.secretKey;
    this.publicKey = concat(pair.publicKey, x25519.publicKey);
  }

  deriveSharedSecret(serverShare: Uint8Array): MaybePromise<Uint8Array | null> {
    if (serverShare.length !== HYBRID_SERVER_SHARE_LENGTH) return null;
    // FIPS 203 §7.3: implicit rejection, as in hybrid-key-share.ts.
    const mlKemSecret = ml_kem768.decapsulate(serverShare.subarray(0, MLKEM768_CIPHERTEXT_LENGTH), this.decapsulationKey);
    return andThen(this.x25519.deriveSharedSecret(serverShare.subarray(MLKEM768_CIPHERTEXT_LENGTH)), (x25519Secret) =>
      x25519Secret === null ? null : concat(mlKemSecret, x25519Secret),
    );
  }
}

/** `hybridKeyShare` for an X25519 share from an asynchronous provider. */
export function asyncHybridKeyShare(mlKemSeed: Uint8Array, x25519: AsyncKeyShare): AsyncKeyShare {
  if (mlKemSeed.length !== MLKEM768_SEED_LENGTH) fail("internal_error", `an ML-KEM-768 seed is ${MLKEM768_SEED_LENGTH} bytes`);
  if (x25519.group !== "x25519") fail("internal_error", "the classical half of X25519MLKEM768 must be an x25519 share");
  return new AsyncHybridClientKeyShare(mlKemSeed, x25519);
}

/**
 * `answerKeyShare` (crypto/key-exchange.ts) over `AsyncCryptoOperations`: the server's key_exchange
 * value and the shared secret, or null when the client's value is invalid (illegal_parameter).
 * `randomBytes` gives the 32 bytes of ML-KEM.Encaps randomness.
 */
export function answerKeyShareAsync(
  operations: AsyncCryptoOperations,
  randomBytes: (length: number) => Uint8Array,
  group: GroupName,
  clientShare: Uint8Array,
): MaybePromise<EncapsulatedKeyShare | null> {
  if (group === X25519MLKEM768) {
    if (clientShare.length !== HYBRID_CLIENT_SHARE_LENGTH) return null;
    const message = randomBytes(MLKEM768_MESSAGE_LENGTH);
    let encapsulated: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      // noble runs the FIPS 203 §7.2 input check on the encapsulation key and throws on failure.
      encapsulated = ml_kem768.encapsulate(clientShare.subarray(0, MLKEM768_ENCAPSULATION_KEY_LENGTH), message);
    } catch {
      return null;
    }
    return andThen(operations.generateKeyShare("x25519"), (x25519) =>
      andThen(x25519.deriveSharedSecret(clientShare.subarray(MLKEM768_ENCAPSULATION_KEY_LENGTH)), (x25519Secret) =>
        x25519Secret === null
          ? null
          : { publicKey: concat(encapsulated.cipherText, x25519.publicKey), sharedSecret: concat(encapsulated.sharedSecret, x25519Secret) },
      ),
    );
  }
  return andThen(operations.generateKeyShare(group), (share) =>
    andThen(share.deriveSharedSecret(clientShare), (sharedSecret) => (sharedSecret === null ? null : { publicKey: share.publicKey, sharedSecret })),
  );
}
