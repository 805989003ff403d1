/**
 * The few DER constructors the development CA needs (X.690 §8 with the DER rules of §10/§11).
 * Each returns the element's encoding, so building a structure is concatenation. Written here
 * rather than on asn1js (which the CA used before) because the `mutls` entry re-exports the CA:
 * asn1js's class library (about 18 KB gzipped) was most of what the full bundle carried beyond
 * issue 15's budget, and writing DER is a tag, a minimal length and contents. asn1js still reads
 * what this writes in the tests, and test/ca checks the CA's certificates with OpenSSL and Node.
 */
import { concatBytes, fromHex } from "../bytes/index.js";

/** One encoded element (identifier, length, contents). */
export type Asn = Uint8Array;

/** X.690 §8.1.3 with §10.1: the short form below 128, else the fewest length octets. */
function tlv(identifier: number, content: Uint8Array): Asn {
  const n = content.length;
  const length: number[] = [];
  if (n < 0x80) length.push(n);
  else {
    for (let v = n; v > 0; v = Math.floor(v / 256)) length.unshift(v & 0xff);
    length.unshift(0x80 | length.length);
  }
  const out = new Uint8Array(1 + length.length + n);
  out[0] = identifier;
  out.set(length, 1);
  out.set(content, 1 + length.length);
  return out;
}

export const seq = (...value: Asn[]): Asn => tlv(0x30, concatBytes(...value));
export const set = (...value: Asn[]): Asn => tlv(0x31, concatBytes(...value));
export const nul = (): Asn => Uint8Array.of(0x05, 0x00);
/** X.690 §11.1: TRUE is 0xFF. */
export const bool = (value: boolean): Asn => Uint8Array.of(0x01, 0x01, value ? 0xff : 0x00);
export const utf8 = (value: string): Asn => tlv(0x0c, utf8Bytes(value));

/** UTF-8 (RFC 3629) without TextEncoder, which the core's ES2020 library does not declare; a lone surrogate becomes U+FFFD, as TextEncoder does. */
function utf8Bytes(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    let cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}
export const octets = (bytes: Uint8Array): Asn => tlv(0x04, bytes);
/** A BIT STRING of whole octets (keys, signatures). */
export const bits = (bytes: Uint8Array): Asn => tlv(0x03, concatBytes(Uint8Array.of(0), bytes));

/** OBJECT IDENTIFIER (X.690 §8.19): the first two arcs packed, each subidentifier base 128, fewest octets. */
export function oid(dotted: string): Asn {
  const arcs = dotted.split(".").map((a) => BigInt(a));
  const out: number[] = [];
  for (const arc of [arcs[0] * 40n + arcs[1], ...arcs.slice(2)]) {
    const groups = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** A BIT STRING of named bits (RFC 5280 §4.2.1.3 KeyUsage), DER-trimmed of trailing zero bits (X.690 §11.2.2). */
export function namedBits(setBits: readonly number[]): Asn {
  const highest = Math.max(...setBits);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const b of setBits) bytes[b >> 3] |= 0x80 >> (b & 7);
  return tlv(0x03, concatBytes(Uint8Array.of(7 - (highest & 7)), bytes));
}

/** A non-negative INTEGER from big-endian magnitude bytes, minimally encoded (X.690 §8.3.2). */
export function unsigned(magnitude: Uint8Array): Asn {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(start);
  return tlv(0x02, trimmed[0] & 0x80 ? concatBytes(Uint8Array.of(0), trimmed) : trimmed);
}

export function bigint(value: bigint): Asn {
  if (value < 0n) throw new RangeError("internal: the CA encodes non-negative INTEGERs only");
  const hex = value.toString(16);
  return unsigned(fromHex(hex.length % 2 ? "0" + hex : hex));
}

export const small = (value: number): Asn => bigint(BigInt(value));

/** [n] IMPLICIT primitive (GeneralName dNSName, iPAddress, ...); tag numbers below 31. */
export const contextPrimitive = (tagNumber: number, bytes: Uint8Array): Asn => tlv(0x80 | tagNumber, bytes);

/** [n] EXPLICIT or IMPLICIT constructed; tag numbers below 31. */
export const contextConstructed = (tagNumber: number, ...value: Asn[]): Asn => tlv(0xa0 | tagNumber, concatBytes(...value));

/** RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050, whole seconds. */
export function time(date: Date): Asn {
  const d = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const digits = d.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return d.getUTCFullYear() < 2050 ? tlv(0x17, ascii(digits.slice(2) + "Z")) : tlv(0x18, ascii(digits + "Z"));
}

/** Embeds DER that is already encoded (a Name, a SubjectPublicKeyInfo). */
export function raw(der: Uint8Array): Asn {
  return der.slice();
}

export function encode(value: Asn): Uint8Array {
  return value;
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
