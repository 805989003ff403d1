/**
 * The request we send (RFC 9112 §3, §6): request line, Host, the caller's fields, and the framing
 * fields, which are ours alone. Every name and value is checked before a byte is written, so no
 * caller input can split the message.
 */
import { HttpError } from "./http-error.js";
import { isFieldValue, isToken } from "./field-syntax.js";

export type RequestFraming = { readonly kind: "none" } | { readonly kind: "length"; readonly length: number } | { readonly kind: "chunked" };

export interface RequestHead {
  readonly method: string;
  /** origin-form (RFC 9112 §3.2.1): absolute path and query. */
  readonly target: string;
  /** The Host field's value: the URL's host, with its port when not 443. */
  readonly host: string;
  readonly fields: readonly (readonly [name: string, value: string])[];
  readonly framing: RequestFraming;
  /** Send `Connection: close` (the connection will not be pooled). */
  readonly close: boolean;
}

/** Fields that frame or route the message: set by mtlsFetch itself, never by the caller (RFC 9112 §6, §9; RFC 9110 §7.6.1). */
const OWN_FIELDS = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-connection"]);

function invalid(message: string): never {
  throw new HttpError("invalid_request", message);
}

/** Throws `invalid_request` for a field the caller may not set or cannot send. */
export function checkRequestField(name: string, value: string): void {
  if (!isToken(name)) invalid(`invalid header name ${JSON.stringify(name)}`);
  if (OWN_FIELDS.has(name.toLowerCase())) invalid(`mtlsFetch sets ${name} itself (it frames the message and manages the connection)`);
  if (!isFieldValue(value)) invalid(`invalid value for header ${name}: control characters, characters above U+00FF or surrounding whitespace`);
}

function isVisibleAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return s.length > 0;
}

export function encodeRequestHead(head: RequestHead): Uint8Array {
  if (!isToken(head.method)) invalid(`invalid method ${JSON.stringify(head.method)}`);
  if (!isVisibleAscii(head.target) || head.target[0] !== "/") invalid(`invalid request target ${JSON.stringify(head.target)}`);
  if (!isVisibleAscii(head.host)) invalid(`invalid host ${JSON.stringify(head.host)}`);
  let text = `${head.method} ${head.target} HTTP/1.1\r\nhost: ${head.host}\r\n`;
  for (const [name, value] of head.fields) {
    checkRequestField(name, value);
    if (name.toLowerCase() === "host") continue;
    text += `${name}: ${value}\r\n`;
  }
  if (head.framing.kind === "length") text += `content-length: ${head.framing.length}\r\n`;
  else if (head.framing.kind === "chunked") text += "transfer-encoding: chunked\r\n";
  if (head.close) text += "connection: close\r\n";
  text += "\r\n";
  const bytes = new Uint8Array(text.length);
  // Every character was checked to be at most U+00FF above: one byte each (Latin-1).
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** One chunk of the chunked coding (RFC 9112 §7.1): size in hex, CRLF, data, CRLF; in one buffer, so one write. */
export function encodeChunk(data: Uint8Array): Uint8Array {
  const size = data.length.toString(16);
  const out = new Uint8Array(size.length + 2 + data.length + 2);
  for (let i = 0; i < size.length; i++) out[i] = size.charCodeAt(i);
  out[size.length] = 0x0d;
  out[size.length + 1] = 0x0a;
  out.set(data, size.length + 2);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

/** The last chunk and an empty trailer section. */
export const LAST_CHUNK: Uint8Array = Uint8Array.of(0x30, 0x0d, 0x0a, 0x0d, 0x0a);
