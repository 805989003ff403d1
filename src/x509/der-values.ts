/**
 * Decoders for DER primitive values (X.690 §8, with the DER restrictions of §10/§11), reading
 * the contents octets of a `DerNode` directly so every rule is visible here.
 */
import { toHex } from "../bytes/index.js";
import { Tag, expectUniversal, malformed, type DerContext, type DerNode } from "./der.js";

/** X.690 §11.1: DER encodes TRUE as 0xFF and FALSE as 0x00. */
export function readBoolean(node: DerNode | undefined, field: string, ctx: DerContext): boolean {
  const n = expectUniversal(node, Tag.BOOLEAN, field, ctx);
  if (n.content.length !== 1 || (n.content[0] !== 0x00 && n.content[0] !== 0xff)) malformed(ctx, `${field} is not a DER BOOLEAN`);
  return n.content[0] === 0xff;
}

/** Checks X.690 §8.3.2: at least one octet, and no redundant leading 0x00/0xFF octet. */
export function checkIntegerContent(content: Uint8Array, field: string, ctx: DerContext): void {
  if (content.length === 0) malformed(ctx, `${field} is an empty INTEGER`);
  if (content.length > 1) {
    const redundantZero = content[0] === 0x00 && (content[1] & 0x80) === 0;
    const redundantOnes = content[0] === 0xff && (content[1] & 0x80) !== 0;
    if (redundantZero || redundantOnes) malformed(ctx, `${field} is a non-minimal INTEGER`);
  }
}

/** An INTEGER as a bigint (two's complement). */
export function readBigInt(node: DerNode | undefined, field: string, ctx: DerContext): bigint {
  const n = expectUniversal(node, Tag.INTEGER, field, ctx);
  checkIntegerContent(n.content, field, ctx);
  let v = BigInt("0x" + toHex(n.content));
  if (n.content[0] & 0x80) v -= 1n << BigInt(n.content.length * 8);
  return v;
}

/** A small non-negative INTEGER (versions, path lengths, salt lengths). */
export function readSmallInt(node: DerNode | undefined, field: string, ctx: DerContext, max = 0x7fffffff): number {
  const v = readBigInt(node, field, ctx);
  if (v < 0n || v > BigInt(max)) malformed(ctx, `${field} is out of range`);
  return Number(v);
}

/** A positive INTEGER whose magnitude is returned as big-endian bytes without a sign octet. */
export function readUnsignedBytes(node: DerNode | undefined, field: string, ctx: DerContext): Uint8Array {
  const n = expectUniversal(node, Tag.INTEGER, field, ctx);
  checkIntegerContent(n.content, field, ctx);
  if (n.content[0] & 0x80) malformed(ctx, `${field} is negative`);
  return n.content[0] === 0 && n.content.length > 1 ? n.content.subarray(1) : n.content;
}

/**
 * Longest subidentifier accepted, in bits. No registered arc comes near it (UUID arcs under 2.25,
 * the longest in use, are 128 bits), and the bound keeps decoding linear in the OID's length.
 */
export const MAX_OID_ARC_BITS = 128;
/** Octets of a subidentifier of MAX_OID_ARC_BITS bits: 7 bits per octet (X.690 §8.19.2). */
const MAX_ARC_OCTETS = Math.ceil(MAX_OID_ARC_BITS / 7);
const MAX_ARC = 1n << BigInt(MAX_OID_ARC_BITS);

/** OBJECT IDENTIFIER contents (X.690 §8.19) as dotted decimal; one pass, each arc at most 128 bits. */
export function decodeOid(content: Uint8Array, field: string, ctx: DerContext): string {
  if (content.length === 0) malformed(ctx, `${field} is an empty OID`);
  const arcs: bigint[] = [];
  for (let start = 0; start < content.length; ) {
    // §8.19.2: each subidentifier in the fewest octets, so no leading 0x80.
    if (content[start] === 0x80) malformed(ctx, `${field} has a non-minimal OID arc`);
    let end = start;
    while (end < content.length && (content[end] & 0x80) !== 0) end++;
    if (end === content.length) malformed(ctx, `${field} has a truncated OID arc`);
    if (end - start + 1 > MAX_ARC_OCTETS) malformed(ctx, `${field} has an OID arc longer than ${MAX_OID_ARC_BITS} bits`);
    let value = 0n;
    for (let i = start; i <= end; i++) value = (value << 7n) | BigInt(content[i] & 0x7f);
    if (value >= MAX_ARC) malformed(ctx, `${field} has an OID arc longer than ${MAX_OID_ARC_BITS} bits`);
    arcs.push(value);
    start = end + 1;
  }
  // §8.19.4: the first subidentifier packs the first two arcs.
  const first = arcs[0];
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].map((a) => a.toString()).join(".");
}

export function readOid(node: DerNode | undefined, field: string, ctx: DerContext): string {
  return decodeOid(expectUniversal(node, Tag.OID, field, ctx).content, field, ctx);
}

export function readNull(node: DerNode | undefined, field: string, ctx: DerContext): void {
  if (expectUniversal(node, Tag.NULL, field, ctx).content.length !== 0) malformed(ctx, `${field} is a non-empty NULL`);
}

export function readOctetString(node: DerNode | undefined, field: string, ctx: DerContext): Uint8Array {
  return expectUniversal(node, Tag.OCTET_STRING, field, ctx).content;
}

export interface BitString {
  readonly unusedBits: number;
  readonly bytes: Uint8Array;
}

/** X.690 §8.6 / §11.2: unused bits 0..7, zero when empty, and the unused bits themselves zero. */
export function readBitString(node: DerNode | undefined, field: string, ctx: DerContext): BitString {
  const c = expectUniversal(node, Tag.BIT_STRING, field, ctx).content;
  if (c.length === 0) malformed(ctx, `${field} has no unused-bits octet`);
  const unusedBits = c[0];
  if (unusedBits > 7 || (c.length === 1 && unusedBits !== 0)) malformed(ctx, `${field} has an invalid unused-bits count`);
  const bytes = c.subarray(1);
  if (unusedBits > 0 && (bytes[bytes.length - 1] & ((1 << unusedBits) - 1)) !== 0) malformed(ctx, `${field} has non-zero unused bits`);
  return { unusedBits, bytes };
}

/** A BIT STRING that carries whole octets (keys, signatures). */
export function readOctetAlignedBits(node: DerNode | undefined, field: string, ctx: DerContext): Uint8Array {
  const bits = readBitString(node, field, ctx);
  if (bits.unusedBits !== 0) malformed(ctx, `${field} is not a whole number of octets`);
  return bits.bytes;
}

function digits(content: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = content[i] - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * RFC 5280 §4.1.2.5: UTCTime is YYMMDDHHMMSSZ (YY >= 50 means 19YY), GeneralizedTime is
 * YYYYMMDDHHMMSSZ; both in UTC with seconds and without fractions.
 */
export function readTime(node: DerNode | undefined, field: string, ctx: DerContext): Date {
  if (node === undefined) malformed(ctx, `${field} is missing`);
  const utc = node.tagClass === "universal" && node.tag === Tag.UTC_TIME;
  const n = expectUniversal(node, utc ? Tag.UTC_TIME : Tag.GENERALIZED_TIME, field, ctx);
  const c = n.content;
  const yearDigits = utc ? 2 : 4;
  if (c.length !== yearDigits + 11 || c[c.length - 1] !== 0x5a /* Z */) malformed(ctx, `${field} is not a UTC time in RFC 5280 form`);
  let year = digits(c, 0, yearDigits);
  const [month, day, hour, minute, second] = [0, 2, 4, 6, 8].map((o) => digits(c, yearDigits + o, 2));
  if ([year, month, day, hour, minute, second].some((v) => v < 0)) malformed(ctx, `${field} has a non-digit`);
  if (utc) year += year >= 50 ? 1900 : 2000;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  // Date.UTC silently normalises (month 13, day 32, second 60); a round trip rejects those.
  if (
    month < 1 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    malformed(ctx, `${field} is not a valid date`);
  }
  return date;
}

/** Decodes UTF-8 strictly (no overlongs, surrogates or values past U+10FFFF); null if invalid. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    let cp: number;
    let extra: number;
    if (b < 0x80) [cp, extra] = [b, 0];
    else if (b >= 0xc2 && b < 0xe0) [cp, extra] = [b & 0x1f, 1];
    else if (b >= 0xe0 && b < 0xf0) [cp, extra] = [b & 0x0f, 2];
    else if (b >= 0xf0 && b < 0xf5) [cp, extra] = [b & 0x07, 3];
    else return null;
    for (let k = 1; k <= extra; k++) {
      const cb = bytes[i + k];
      if (cb === undefined || (cb & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (cb & 0x3f);
    }
    const min = [0, 0x80, 0x800, 0x10000][extra];
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
    i += extra + 1;
  }
  return out;
}

/** BMPString is UCS-2 big-endian; UniversalString UCS-4 big-endian (X.680 §41). */
function decodeWide(bytes: Uint8Array, width: 2 | 4): string | null {
  if (bytes.length % width !== 0) return null;
  let out = "";
  for (let i = 0; i < bytes.length; i += width) {
    let cp = 0;
    for (let k = 0; k < width; k++) cp = cp * 256 + bytes[i + k];
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
  }
  return out;
}

function decodeLatin1(bytes: Uint8Array, asciiOnly: boolean): string | null {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    if (asciiOnly && bytes[i] > 0x7f) return null;
    out += String.fromCharCode(bytes[i]);
  }
  return out;
}

/**
 * The text of a directory string (RFC 5280 §4.1.2.4 DirectoryString plus the IA5 and
 * PrintableString attributes), or null when the node is not a string type or is badly encoded.
 * TeletexString is read as Latin-1, as OpenSSL and most software do in practice.
 */
export function decodeDirectoryString(node: DerNode): string | null {
  if (node.tagClass !== "universal" || node.constructed) return null;
  switch (node.tag) {
    case Tag.UTF8_STRING:
      return decodeUtf8(node.content);
    case Tag.PRINTABLE_STRING:
    case Tag.IA5_STRING:
    case 26 /* VisibleString */:
    case 18 /* NumericString */:
      return decodeLatin1(node.content, true);
    case Tag.T61_STRING:
      return decodeLatin1(node.content, false);
    case Tag.BMP_STRING:
      return decodeWide(node.content, 2);
    case Tag.UNIVERSAL_STRING:
      return decodeWide(node.content, 4);
    default:
      return null;
  }
}
