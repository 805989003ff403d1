/**
 * PEM (RFC 7468): "-----BEGIN label-----", base64 body, "-----END label-----". Text outside
 * blocks is ignored (OpenSSL writes human-readable dumps there). Inside a block the base64 is
 * decoded strictly: only the base64 alphabet and whitespace, correct padding, no bits left over.
 * RFC 1421 header lines ("Proc-Type: 4,ENCRYPTED") are returned so callers can recognise
 * legacy encrypted keys.
 */
import { BASE64_ALPHABET, encodeBase64, fail } from "../bytes/index.js";

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
  /** RFC 1421 encapsulated headers, by name; empty for RFC 7468 blocks. */
  readonly headers: Readonly<Record<string, string>>;
}

const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < BASE64_ALPHABET.length; i++) DECODE[BASE64_ALPHABET.charCodeAt(i)] = i;

/** Strict RFC 4648 §4 base64 with padding; whitespace between characters is allowed. */
export function decodeBase64(text: string, what = "base64 data"): Uint8Array {
  const clean = text.replace(/[ \t\r\n]/g, "");
  if (clean.length % 4 !== 0) fail("decode_error", `${what} is not a whole number of base64 quanta`);
  const padding = clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((clean.length / 4) * 3 - padding);
  let at = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const last = i + 4 === clean.length;
    let group = 0;
    for (let k = 0; k < 4; k++) {
      const c = clean.charCodeAt(i + k);
      const isPad = c === 0x3d;
      // Padding may only close the final quantum.
      if (isPad && !(last && k >= 4 - padding)) fail("decode_error", `${what} has misplaced '=' padding`);
      const v = isPad ? 0 : c < 128 ? DECODE[c] : -1;
      if (v < 0) fail("decode_error", `${what} contains a character outside the base64 alphabet`);
      group = (group << 6) | v;
    }
    const bytes = [(group >> 16) & 0xff, (group >> 8) & 0xff, group & 0xff];
    const keep = last ? 3 - padding : 3;
    // RFC 4648 §3.5: the bits beyond the last byte must be zero in a canonical encoding.
    if (keep < 3 && bytes.slice(keep).some((b) => b !== 0)) fail("decode_error", `${what} has non-zero padding bits`);
    for (let k = 0; k < keep; k++) out[at++] = bytes[k];
  }
  return out;
}

const BEGIN = /^-----BEGIN ([\x21-\x2c\x2e-\x7e](?:[\x21-\x2c\x2e-\x7e -]*[\x21-\x2c\x2e-\x7e])?)?-----\s*$/;

/** Every PEM block in `text`, in order. Throws `decode_error` for a broken block. */
export function decodePem(text: string): PemBlock[] {
  const lines = text.split(/\r?\n|\r/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec(lines[i].trim());
    if (begin === null) continue;
    const label = begin[1] ?? "";
    const endLine = `-----END ${label}-----`;
    const headers: Record<string, string> = {};
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j].trim() !== endLine; j++) {
      const line = lines[j];
      if (line.trim().startsWith("-----")) fail("decode_error", `PEM block "${label}" is not closed by "${endLine}"`);
      const header = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (header !== null && body.length === 0) headers[header[1]] = header[2].trim();
      else body.push(line);
    }
    if (j === lines.length) fail("decode_error", `PEM block "${label}" is not closed by "${endLine}"`);
    blocks.push({ label, der: decodeBase64(body.join(""), `PEM block "${label}"`), headers });
    i = j;
  }
  return blocks;
}

/** The DER of every CERTIFICATE block, in order. */
export function pemCertificates(text: string): Uint8Array[] {
  return decodePem(text)
    .filter((b) => b.label === "CERTIFICATE")
    .map((b) => b.der);
}

/** RFC 7468 §2 output: 64-character lines, a trailing newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = encodeBase64(der);
  let body = "";
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + "\n";
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
