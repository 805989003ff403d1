/**
 * The character classes and the field-line rule of RFC 9110 §5 / RFC 9112 §5, shared by the
 * response header section, chunked trailers and the request we send.
 */
import { bytesToAscii } from "../bytes/index.js";
import { malformed } from "./http-error.js";

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

/** RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

export function isTchar(byte: number): boolean {
  return byte < 128 && TCHAR[byte] === 1;
}

/** RFC 9110 §5.5: field-value characters are VCHAR, obs-text, SP and HTAB; every other control is refused. */
export function isFieldValueByte(byte: number): boolean {
  return byte === HTAB || (byte >= 0x20 && byte !== 0x7f);
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

/** A field value we may send: RFC 9110 §5.5 characters, no leading or trailing whitespace. */
export function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || !isFieldValueByte(c)) return false;
  }
  return s.length === 0 || (!isWhitespace(s.charCodeAt(0)) && !isWhitespace(s.charCodeAt(s.length - 1)));
}

function isWhitespace(byte: number): boolean {
  return byte === SP || byte === HTAB;
}

/** Bytes as Latin-1: field values may carry obs-text (RFC 9110 §5.5), which fetch's Headers keeps as such. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  return bytesToAscii(bytes.subarray(start, end));
}

/**
 * One field line, `bytes[start, end)` without its CRLF (RFC 9112 §5):
 * field-name ":" OWS field-value OWS. The name comes back lower-cased.
 */
export function parseFieldLine(bytes: Uint8Array, start: number, end: number): [name: string, value: string] {
  // RFC 9112 §5.2: obs-fold is deprecated; a line starting with whitespace continues the previous
  // one. We refuse it rather than unfold it: unfolding is where parsers disagree.
  if (start < end && isWhitespace(bytes[start])) malformed("obs-fold (a field line starting with whitespace) is refused");
  let colon = start;
  while (colon < end && bytes[colon] !== COLON) {
    // RFC 9112 §5.1: no whitespace between the field name and the colon; names are tokens.
    if (!isTchar(bytes[colon])) malformed(`invalid byte 0x${bytes[colon].toString(16)} in a field name`);
    colon++;
  }
  if (colon === end) malformed("a field line without a colon");
  if (colon === start) malformed("a field line with an empty name");
  let valueStart = colon + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && isWhitespace(bytes[valueStart])) valueStart++;
  while (valueEnd > valueStart && isWhitespace(bytes[valueEnd - 1])) valueEnd--;
  for (let i = valueStart; i < valueEnd; i++) {
    if (!isFieldValueByte(bytes[i])) malformed(`invalid byte 0x${bytes[i].toString(16)} in the value of a field`);
  }
  return [latin1(bytes, start, colon).toLowerCase(), latin1(bytes, valueStart, valueEnd)];
}

/**
 * Where the line starting at `start` ends: the index of its CR, or -1 when `bytes[start, limit)`
 * holds no complete line yet. RFC 9112 §2.2 lets a recipient accept a bare LF as a line
 * terminator; we do not: a bare LF or a bare CR is `malformed_response` (request smuggling lives
 * in such disagreements).
 */
export function findLineEnd(bytes: Uint8Array, start: number, limit: number): number {
  for (let i = start; i < limit; i++) {
    const byte = bytes[i];
    if (byte === LF) malformed("a bare LF (lines must end with CRLF)");
    if (byte === CR) {
      if (i + 1 === limit) return -1;
      if (bytes[i + 1] !== LF) malformed("a bare CR (lines must end with CRLF)");
      return i;
    }
  }
  return -1;
}
