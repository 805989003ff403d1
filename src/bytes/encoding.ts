/** Hex, base64 and ASCII helpers that need no runtime APIs (no Buffer, no TextEncoder, no btoa). */

const HEX = "0123456789abcdef";
/** RFC 4648 §4 alphabet; x509/pem.ts decodes with it. */
export const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** RFC 4648 §5: the URL- and filename-safe alphabet. */
const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

/** Parses hex, ignoring ASCII whitespace. Throws RangeError on odd length or a non-hex digit. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new RangeError("invalid hex string");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/**
 * Base64 (RFC 4648 §4) with padding, as PEM writes it; with `url`, unpadded base64url (§5), as
 * JWK members are written (RFC 7515 §2).
 */
export function encodeBase64(bytes: Uint8Array, url = false): string {
  const alphabet = url ? BASE64URL_ALPHABET : BASE64_ALPHABET;
  const pad = url ? "" : "=";
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = bytes.length - i;
    const group = (bytes[i] << 16) | ((n > 1 ? bytes[i + 1] : 0) << 8) | (n > 2 ? bytes[i + 2] : 0);
    s += alphabet[(group >> 18) & 63] + alphabet[(group >> 12) & 63];
    s += n > 1 ? alphabet[(group >> 6) & 63] : pad;
    s += n > 2 ? alphabet[group & 63] : pad;
  }
  return s;
}

/** Encodes a string of 7-bit ASCII (TLS labels, host names). */
export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new RangeError("non-ASCII character in a protocol string");
    out[i] = c;
  }
  return out;
}

/** Decodes bytes as ASCII/Latin-1 (for host names and ALPN identifiers shown to people). */
export function bytesToAscii(b: Uint8Array): string {
  let s = "";
  // A call per 4 KiB rather than per byte (PEM files run to kilobytes); in chunks, since engines
  // cap a call's argument count.
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Plain (not constant-time) equality, for public values such as identifiers and ALPN names. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
