/**
 * The CA's DER writer (src/ca/asn1.ts) against asn1js, an independent ASN.1 implementation: for
 * random values each constructor's bytes are what asn1js encodes for the same value, and asn1js
 * reads them back to it.
 */
import * as asn1js from "asn1js";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import * as a from "../../src/ca/asn1.js";
import { params } from "../property/arbitraries.js";

const theirs = (value: asn1js.AsnType): Uint8Array => new Uint8Array(value.toBER(false));
const minimalMagnitude = (bytes: Uint8Array): Uint8Array => {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.length === 0 ? Uint8Array.of(0) : bytes.subarray(start);
  return trimmed[0] & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
};

describe("the CA's DER writer encodes as asn1js does", () => {
  test("primitives", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.string({ maxLength: 300, unit: "grapheme" }), fc.uint8Array({ maxLength: 400 }), (b, s, bytes) => {
        expect(a.bool(b)).toEqual(theirs(new asn1js.Boolean({ value: b })));
        expect(a.utf8(s)).toEqual(theirs(new asn1js.Utf8String({ value: s })));
        expect(a.octets(bytes)).toEqual(theirs(new asn1js.OctetString({ valueHex: bytes })));
        expect(a.bits(bytes)).toEqual(theirs(new asn1js.BitString({ valueHex: bytes, unusedBits: 0 })));
        expect(a.unsigned(bytes)).toEqual(theirs(new asn1js.Integer({ valueHex: minimalMagnitude(bytes) })));
        expect(a.contextPrimitive(2, bytes)).toEqual(theirs(new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 }, valueHex: bytes })));
      }),
      params(300),
    );
    expect(a.nul()).toEqual(theirs(new asn1js.Null()));
  });

  test("INTEGERs from numbers and bigints", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.bigInt({ min: 0n, max: (1n << 600n) - 1n }), (n, big) => {
        expect(a.small(n)).toEqual(theirs(new asn1js.Integer({ value: n })));
        const read = asn1js.fromBER(a.bigint(big));
        expect(read.offset).toBe(a.bigint(big).length);
        expect((read.result as asn1js.Integer).toBigInt()).toBe(big);
      }),
      params(300),
    );
  });

  test("OIDs, named bits and times", () => {
    const arcs = fc.tuple(
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 39 }),
      fc.array(fc.bigInt({ min: 0n, max: (1n << 70n) - 1n }), { maxLength: 8 }),
    );
    fc.assert(
      fc.property(
        arcs,
        fc.uniqueArray(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 9 }),
        fc.date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
        ([first, second, rest], named, date) => {
          const dotted = [first, second, ...rest].join(".");
          expect(a.oid(dotted)).toEqual(theirs(new asn1js.ObjectIdentifier({ value: dotted })));
          const highest = Math.max(...named);
          const bytes = new Uint8Array((highest >> 3) + 1);
          for (const b of named) bytes[b >> 3] |= 0x80 >> (b & 7);
          expect(a.namedBits(named)).toEqual(theirs(new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (highest & 7) })));
          const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
          const expected = whole.getUTCFullYear() < 2050 ? new asn1js.UTCTime({ valueDate: whole }) : new asn1js.GeneralizedTime({ valueDate: whole });
          expect(a.time(date)).toEqual(theirs(expected));
        },
      ),
      params(300),
    );
  });

  test("constructed elements, short and long lengths", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (parts) => {
        const ours = parts.map((p) => a.octets(p));
        const asn = () => parts.map((p) => new asn1js.OctetString({ valueHex: p }));
        expect(a.seq(...ours)).toEqual(theirs(new asn1js.Sequence({ value: asn() })));
        expect(a.set(...ours)).toEqual(theirs(new asn1js.Set({ value: asn() })));
        expect(a.contextConstructed(3, ...ours)).toEqual(theirs(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 3 }, value: asn() })));
      }),
      params(200),
    );
  });
});
