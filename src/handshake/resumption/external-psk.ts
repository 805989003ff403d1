import { asciiBytes, toHex, UsageError } from "../../bytes/index.js";
import type { HashName } from "../../crypto/provider.js";
import { PskKeyExchangeMode } from "../codec/psk-extensions.js";

/**
 * An external pre-shared key (RFC 8446 §2.2, §4.2.11) for devices without certificates: both
 * sides hold the same key under a name, and a handshake with it needs no certificate at all.
 */
export interface ExternalPsk {
  /** The name both sides know the key by: text (as `openssl -psk_identity` sends it) or bytes. */
  readonly identity: string | Uint8Array;
  /** The key itself; at least 16 bytes (RFC 9257 §4 asks for at least 128 bits of entropy). */
  readonly key: Uint8Array;
  /** The hash the key is bound to (§4.2.11); default SHA-256, the one OpenSSL and GnuTLS use. */
  readonly hash?: HashName;
  /**
   * RFC 8773 (obsoleted in 2026 by the Standards Track RFC 9973): use the key only together with certificates. Both secrets then feed
   * the key schedule (the PSK and (EC)DHE), and the server still proves itself with its
   * certificate and may ask for the client's (`clientAuth`), so the session stays confidential
   * even if the signatures are broken later, and stays authenticated if the PSK leaks. A client
   * sends tls_cert_with_extern_psk and refuses a server that does not agree; a server accepts
   * such a key only from a client that asks for the combination, and otherwise ignores it.
   * Default false.
   */
  readonly withCertificates?: boolean;
}

/** §4.2.9 key exchange modes by name: psk_dhe_ke adds (EC)DHE for forward secrecy; psk_ke is the PSK alone. */
export type PskModeName = "psk_dhe_ke" | "psk_ke";

export function pskIdentityBytes(identity: string | Uint8Array): Uint8Array {
  return typeof identity === "string" ? asciiBytes(identity) : identity;
}

export function pskModeCodes(modes: readonly PskModeName[] | undefined): number[] {
  const list = modes ?? ["psk_dhe_ke"];
  if (list.length === 0) throw new UsageError("pskKeyExchangeModes must not be empty");
  return list.map((m) => {
    if (m !== "psk_dhe_ke" && m !== "psk_ke") throw new UsageError(`unknown PSK key exchange mode "${m}"; use psk_dhe_ke or psk_ke`);
    return PskKeyExchangeMode[m];
  });
}

export function checkExternalPsk(psk: ExternalPsk): void {
  if (pskIdentityBytes(psk.identity).length === 0) throw new UsageError("an external PSK needs a non-empty identity");
  if (!(psk.key instanceof Uint8Array) || psk.key.length < 16) throw new UsageError("an external PSK key must be at least 16 bytes");
  if (psk.hash !== undefined && psk.hash !== "SHA-256" && psk.hash !== "SHA-384") throw new UsageError(`an external PSK hash must be SHA-256 or SHA-384, not ${psk.hash}`);
}

/** An identity for HandshakeResult: as text when printable ASCII, else hex. */
export function pskIdentityText(identity: Uint8Array): string {
  return identity.every((b) => b >= 0x20 && b < 0x7f) ? String.fromCharCode(...identity) : toHex(identity);
}
