/**
 * AES-128-GCM and AES-256-GCM (RFC 8446 §5.2, §B.4) through `crypto.subtle`, as an `AsyncAeadKey`:
 * the key is imported once per traffic key (non-extractable), and each call seals or opens
 * `buf[offset, offset+length)` in the caller's buffer, as the pure `AeadKey` does, once the runtime
 * answers. WebCrypto gives fresh ArrayBuffers, so this path allocates per record: it is for the
 * transport's pipeline of records in flight, not for the engine's synchronous record layer.
 */
import { fail } from "../../bytes/index.js";
import type { AsyncAeadKey } from "../provider.js";
import type { SubtleLike, WebCryptoKey } from "./subtle.js";

const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;

/** The pure `AeadKey`'s boundary checks (crypto/aead.ts), so both providers fail alike. */
function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== NONCE_LENGTH) fail("internal_error", "AEAD nonce must be 12 bytes");
}

class WebCryptoAesGcmKey implements AsyncAeadKey {
  constructor(
    readonly algorithm: "AES-128-GCM" | "AES-256-GCM",
    private readonly key: WebCryptoKey,
    private readonly subtle: SubtleLike,
  ) {}

  /**
   * `nonce` and `aad` go to `crypto.subtle` as they are: the Web Cryptography API copies an
   * algorithm's BufferSource members when it normalizes the algorithm, before `encrypt` returns
   * (Node: normalizeAlgorithm in lib/internal/crypto/util.js), so the record layer may reuse them
   * at once (test/crypto/webcrypto.test.ts holds the runtime to it).
   */
  seal(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): Promise<void> {
    checkNonce(nonce);
    if (offset < 0 || length < 0 || offset + length + TAG_LENGTH > buf.length) {
      fail("internal_error", "AEAD seal: no room for the ciphertext and tag in the buffer");
    }
    // No tagLength: 128 bits is WebCrypto's default, and converting the member costs Node a
    // measurable share of the call (each record pays it twice, docs/performance.md).
    const params = { name: "AES-GCM", iv: nonce, additionalData: aad };
    return this.subtle.encrypt(params, this.key, buf.subarray(offset, offset + length)).then((sealed) => {
      buf.set(new Uint8Array(sealed), offset);
    });
  }

  /** A forged record is false, and nothing is written: WebCrypto releases no plaintext without the tag. */
  open(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): Promise<boolean> | boolean {
    checkNonce(nonce);
    if (offset < 0 || length < TAG_LENGTH || offset + length > buf.length) return false;
    const params = { name: "AES-GCM", iv: nonce, additionalData: aad };
    return this.subtle.decrypt(params, this.key, buf.subarray(offset, offset + length)).then(
      (plaintext) => {
        buf.set(new Uint8Array(plaintext), offset);
        return true;
      },
      // WebCrypto rejects with an OperationError when the tag does not match.
      () => false,
    );
  }
}

const KEY_LENGTH = { "AES-128-GCM": 16, "AES-256-GCM": 32 } as const;

/** Checks the key at once (a wrong length throws, as in the pure provider), then imports it. */
export function importWebCryptoAesGcm(subtle: SubtleLike, algorithm: "AES-128-GCM" | "AES-256-GCM", key: Uint8Array): Promise<AsyncAeadKey> {
  if (key.length !== KEY_LENGTH[algorithm]) fail("internal_error", `${algorithm} needs a ${KEY_LENGTH[algorithm]}-byte key, got ${key.length}`);
  return subtle
    .importKey("raw", key.slice(), { name: "AES-GCM" }, false, ["encrypt", "decrypt"])
    .then((imported) => new WebCryptoAesGcmKey(algorithm, imported, subtle));
}
