/**
 * RFC 8773 on the client: whether the ServerHello combined our external PSK with certificates
 * (tls_cert_with_extern_psk), and whether that is what we asked for.
 */
import { fail } from "../bytes/index.js";
import { ExtensionType } from "./constants.js";
import { type Extension, findExtension } from "./extensions.js";

/**
 * RFC 8773: the server combines our external PSK with certificates by echoing the empty
 * tls_cert_with_extern_psk beside pre_shared_key and key_share (psk_dhe_ke). A client that asked
 * for the combination accepts nothing less: neither the PSK alone nor certificates alone.
 * Returns whether the combination was negotiated; `pskAccepted` is whether the ServerHello
 * selected our PSK.
 */
export function checkCertificatesWithPsk(serverHelloExtensions: readonly Extension[], asked: boolean, pskAccepted: boolean): boolean {
  const data = findExtension(serverHelloExtensions, ExtensionType.tls_cert_with_extern_psk);
  if (data === undefined) {
    if (!asked) return false;
    fail(
      "handshake_failure",
      pskAccepted
        ? "the server accepted our external PSK without certificates, but this client uses it only withCertificates (RFC 8773)"
        : "the server declined to combine our external PSK with certificates (RFC 8773); this client is configured to require both",
    );
  }
  if (data.length !== 0) fail("decode_error", "tls_cert_with_extern_psk must be empty (RFC 8773)");
  if (!pskAccepted) fail("missing_extension", "ServerHello has tls_cert_with_extern_psk without pre_shared_key (RFC 8773)");
  if (findExtension(serverHelloExtensions, ExtensionType.key_share) === undefined) {
    fail("missing_extension", "ServerHello has tls_cert_with_extern_psk without key_share; RFC 8773 requires psk_dhe_ke");
  }
  return true;
}
