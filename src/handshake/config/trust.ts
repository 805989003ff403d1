import { UsageError, missingModule } from "../../bytes/index.js";
import { type CertificateRevocationList, type CrlChecking, decodePem } from "../../x509/index.js";

/*
 * What the trust decision reads besides the anchors: SPKI pins and certificate revocation lists.
 */

/** A pin as 32 bytes, from bytes, 64 hex digits or base64 (as `openssl ... | base64` prints it). */
export function decodeSpkiPin(pin: string | Uint8Array): Uint8Array {
  if (pin instanceof Uint8Array) {
    if (pin.length !== 32) throw new UsageError("an SPKI pin is a 32-byte SHA-256 digest");
    return pin;
  }
  const text = pin.trim().replace(/^sha256\//, "");
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Uint8Array.from({ length: 32 }, (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16));
  // 32 bytes are 44 base64 characters, the last one "=".
  const block = /^[A-Za-z0-9+/]{43}=$/.test(text) ? decodePem(`-----BEGIN PIN-----\n${text}\n-----END PIN-----`)[0]?.der : undefined;
  if (block === undefined || block.length !== 32) throw new UsageError(`SPKI pin "${pin}" is not a SHA-256 digest in hex or base64`);
  return block;
}

export function loadCrls(input: string | readonly Uint8Array[] | undefined, crlChecking: CrlChecking | null): CertificateRevocationList[] {
  if (input === undefined) return [];
  if (crlChecking === null) throw missingModule("config.crls", "crlChecking");
  const ders =
    typeof input === "string"
      ? decodePem(input)
          .filter((b) => b.label === "X509 CRL")
          .map((b) => b.der)
      : [...input];
  return ders.map((der) => crlChecking.parse(der));
}
