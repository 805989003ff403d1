/**
 * The few DER constructors the development CA needs, on top of asn1js (which encodes; these
 * helpers only pick the right asn1js type and keep INTEGERs minimal and positive).
 */
import * as asn1js from "asn1js";

export type Asn = asn1js.AsnType;

export const seq = (...value: Asn[]): Asn => new asn1js.Sequence({ value });
export const set = (...value: Asn[]): Asn => new asn1js.Set({ value });
export const oid = (dotted: string): Asn => new asn1js.ObjectIdentifier({ value: dotted });
export const nul = (): Asn => new asn1js.Null();
export const bool = (value: boolean): Asn => new asn1js.Boolean({ value });
export const utf8 = (value: string): Asn => new asn1js.Utf8String({ value });
export const octets = (bytes: Uint8Array): Asn => new asn1js.OctetString({ valueHex: bytes });
/** A BIT STRING of whole octets (keys, signatures). */
export const bits = (bytes: Uint8Array): Asn => new asn1js.BitString({ valueHex: bytes, unusedBits: 0 });

/** A BIT STRING of named bits (RFC 5280 §4.2.1.3 KeyUsage), DER-trimmed of trailing zero bits (X.690 §11.2.2). */
export function namedBits(setBits: readonly number[]): Asn {
  const highest = Math.max(...setBits);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const b of setBits) bytes[b >> 3] |= 0x80 >> (b & 7);
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (highest & 7) });
}

/** A non-negative INTEGER from big-endian magnitude bytes, minimally encoded. */
export function unsigned(magnitude: Uint8Array): Asn {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const content = trimmed[0] & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
  return new asn1js.Integer({ valueHex: content });
}

export function bigint(value: bigint): Asn {
  let hex = value.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  return unsigned(Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16))));
}

export const small = (value: number): Asn => new asn1js.Integer({ value });

/** [n] IMPLICIT primitive (GeneralName dNSName, iPAddress, ...). */
export const contextPrimitive = (tagNumber: number, bytes: Uint8Array): Asn =>
  new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber }, valueHex: bytes });

/** [n] EXPLICIT or IMPLICIT constructed. */
export const contextConstructed = (tagNumber: number, ...value: Asn[]): Asn =>
  new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value });

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds. */
export function time(date: Date): Asn {
  const d = new Date(Math.floor(date.getTime() / 1000) * 1000);
  return d.getUTCFullYear() < 2050 ? new asn1js.UTCTime({ valueDate: d }) : new asn1js.GeneralizedTime({ valueDate: d });
}

/** Embeds DER that is already encoded (a Name, a SubjectPublicKeyInfo). */
export function raw(der: Uint8Array): Asn {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1) throw new TypeError("internal: cannot re-read DER");
  return parsed.result as Asn;
}

export function encode(value: Asn): Uint8Array {
  return new Uint8Array(value.toBER(false));
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
