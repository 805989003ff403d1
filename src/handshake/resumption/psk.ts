import { concatBytes } from "../../bytes/index.js";
import type { CryptoProvider, HashName } from "../../crypto/provider.js";
import { HandshakeType } from "../codec/constants.js";
import { EarlySecret, SuiteKdf } from "../key-schedule.js";
import type { CipherSuite } from "../codec/constants.js";
import { encodeHandshake } from "../codec/messages.js";

/** Bytes the binders list takes at the end of a ClientHello: u16 length, then a u8-prefixed binder each. */
export function bindersLength(binders: readonly Uint8Array[]): number {
  return 2 + binders.reduce((n, b) => n + 1 + b.length, 0);
}

/**
 * §4.2.11.2: the ClientHello up to and excluding the binders list. pre_shared_key is the last
 * extension and the binders list its last field, so this is a prefix of the encoded message.
 */
export function truncateClientHello(clientHello: Uint8Array, binders: readonly Uint8Array[]): Uint8Array {
  return clientHello.subarray(0, clientHello.length - bindersLength(binders));
}

/**
 * The messages that come before a ClientHello in the binder transcript (§4.2.11.2): none for the
 * first ClientHello; after a HelloRetryRequest, message_hash(ClientHello1) and the HRR (§4.4.1).
 */
export function transcriptBeforeRetry(provider: CryptoProvider, hash: HashName, clientHello1: Uint8Array, helloRetryRequest: Uint8Array): Uint8Array {
  return concatBytes(encodeHandshake(HandshakeType.message_hash, provider.hash(hash, clientHello1)), helloRetryRequest);
}

/** §4.2.11.2, §7.1: binder = HMAC(finished_key(binder_key), Transcript-Hash(prefix || truncated ClientHello)). */
export function computeBinder(
  provider: CryptoProvider,
  suite: CipherSuite,
  psk: Uint8Array,
  external: boolean,
  prefix: Uint8Array,
  truncatedClientHello: Uint8Array,
): Uint8Array {
  const early = new EarlySecret(new SuiteKdf(provider, suite), psk);
  return early.kdf.finishedVerifyData(early.binderKey(external), provider.hash(suite.hash, concatBytes(prefix, truncatedClientHello)));
}
