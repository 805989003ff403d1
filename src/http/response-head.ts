/**
 * The status line and header section of a response (RFC 9112 §4, §5), parsed strictly and within
 * `HttpLimits`. Sans-I/O: `HeadScanner` finds where the section ends as bytes arrive, and
 * `parseResponseHead` reads a complete section.
 */
import { limitExceeded, malformed } from "./http-error.js";
import { findLineEnd, isFieldValueByte, latin1, parseFieldLine } from "./field-syntax.js";
import type { HttpLimits } from "./limits.js";

export interface ResponseHead {
  /** "1.1" or "1.0" (no other HTTP/1 version exists; anything else is refused). */
  readonly version: "1.0" | "1.1";
  readonly status: number;
  readonly statusText: string;
  /** Field lines in order, names lower-cased; repeated names stay separate lines. */
  readonly fields: readonly (readonly [name: string, value: string])[];
}

const CR = 0x0d;

/**
 * Finds the end of a header section (the CRLF of its empty line) as bytes are appended to one
 * buffer, scanning each byte once, and refuses the section as soon as it is malformed in its line
 * endings or longer than `maxHeaderBytes`.
 */
export class HeadScanner {
  private scanned = 0;
  private lineStart = 0;

  constructor(private readonly maxHeaderBytes: number) {}

  /** The section's length (through its final CRLF) once `bytes[0, length)` holds it, else -1. */
  scan(bytes: Uint8Array, length: number): number {
    const limit = Math.min(length, this.maxHeaderBytes);
    while (this.scanned < limit) {
      const cr = findLineEnd(bytes, this.scanned, limit);
      if (cr < 0) {
        // Resume at a trailing CR, whose LF has not arrived yet.
        this.scanned = bytes[limit - 1] === CR ? limit - 1 : limit;
        break;
      }
      const empty = cr === this.lineStart;
      this.lineStart = this.scanned = cr + 2;
      if (empty) {
        if (cr === 0) malformed("an empty line where the status line belongs");
        return cr + 2;
      }
    }
    if (length >= this.maxHeaderBytes) limitExceeded(`the header section is longer than ${this.maxHeaderBytes} bytes`);
    return -1;
  }
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]. */
function parseStatusLine(bytes: Uint8Array, end: number): { version: "1.0" | "1.1"; status: number; statusText: string } {
  const prefix = "HTTP/1.";
  if (end < 12) malformed("a status line too short to hold a version and a status code");
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[i] !== prefix.charCodeAt(i)) malformed(`the status line does not start with "HTTP/1.": ${JSON.stringify(latin1(bytes, 0, Math.min(end, 16)))}`);
  }
  const minor = bytes[7];
  if (minor !== 0x30 && minor !== 0x31) malformed(`unsupported HTTP version 1.${String.fromCharCode(minor)}`);
  if (bytes[8] !== 0x20) malformed("no single space after the HTTP version");
  if (!isDigit(bytes[9]) || !isDigit(bytes[10]) || !isDigit(bytes[11])) malformed("the status code is not three digits");
  const status = (bytes[9] - 0x30) * 100 + (bytes[10] - 0x30) * 10 + (bytes[11] - 0x30);
  // RFC 9110 §15: the first digit is the class, 1 to 5.
  if (status < 100 || status > 599) malformed(`status code ${status} is outside 100-599`);
  if (end > 12 && bytes[12] !== 0x20) malformed("no space between the status code and the reason phrase");
  // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
  for (let i = 13; i < end; i++) if (!isFieldValueByte(bytes[i])) malformed(`invalid byte 0x${bytes[i].toString(16)} in the reason phrase`);
  return { version: minor === 0x31 ? "1.1" : "1.0", status, statusText: end > 13 ? latin1(bytes, 13, end) : "" };
}

/**
 * Parses a complete header section, `bytes[0, length)` as `HeadScanner` delimited it (ending with
 * the empty line's CRLF), within `limits.maxHeaders`.
 */
export function parseResponseHead(bytes: Uint8Array, length: number, limits: HttpLimits): ResponseHead {
  const statusEnd = findLineEnd(bytes, 0, length);
  if (statusEnd < 0) malformed("no status line");
  const { version, status, statusText } = parseStatusLine(bytes, statusEnd);
  const fields: (readonly [string, string])[] = [];
  let at = statusEnd + 2;
  for (;;) {
    const end = findLineEnd(bytes, at, length);
    if (end < 0) malformed("the header section does not end with an empty line");
    if (end === at) break;
    if (fields.length === limits.maxHeaders) limitExceeded(`more than ${limits.maxHeaders} header fields`);
    fields.push(parseFieldLine(bytes, at, end));
    at = end + 2;
  }
  if (at + 2 !== length) malformed("bytes after the header section's empty line were counted in it");
  return { version, status, statusText, fields };
}
