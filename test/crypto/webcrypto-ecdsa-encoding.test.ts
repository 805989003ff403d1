/**
 * The WebCrypto provider's ECDSA signature forms (crypto/webcrypto/encoding.ts): DER on the wire,
 * r || s for crypto.subtle. Both directions read and write the common form themselves, so they are
 * held to noble's Signature codec (what the pure provider uses) and to node:crypto's DER: the same
 * bytes out, and for every input, valid or mangled, the same acceptance and the same r || s.
 */
import { sign as nodeSign, generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { p256, p384 } from "@noble/curves/nist.js";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/bytes/index.js";
import { type NistCurve, ecdsaDerToRaw, ecdsaRawToDer } from "../../src/crypto/webcrypto/encoding.js";

const CURVES: [NistCurve, typeof p256, number][] = [
  ["P-256", p256, 32],
  ["P-384", p384, 48],
];

/** noble's verdict on a DER signature: r || s, or null where it refuses it. */
function nobleDerToRaw(curve: typeof p256, der: Uint8Array): string | null {
  try {
    return toHex(curve.Signature.fromBytes(der, "der").toBytes("compact"));
  } catch {
    return null;
  }
}

const fixed = (value: bigint, length: number): Uint8Array => {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--, value >>= 8n) out[i] = Number(value & 0xffn);
  return out;
};

describe.each(CURVES)("ECDSA %s signature forms", (name, curve, n) => {
  const order = curve.Point.Fn.ORDER;
  /** r || s with each value drawn from the edges (1, n-1, high bit set, leading zero bytes) and at random. */
  const value = fc.oneof(
    fc.constantFrom(1n, 2n, 0x80n, order - 1n, order >> 1n, (1n << BigInt(8 * n - 1)) + 5n, 0xffn),
    fc.bigInt({ min: 1n, max: order - 1n }),
    fc.bigInt({ min: 1n, max: 1n << 64n }),
  );
  const rawSignature = fc.tuple(value, value).map(([r, s]) => {
    const raw = new Uint8Array(2 * n);
    raw.set(fixed(r, n), 0);
    raw.set(fixed(s, n), n);
    return raw;
  });

  it("r || s to DER: the bytes noble writes, and back", () => {
    fc.assert(
      fc.property(rawSignature, (raw) => {
        const der = ecdsaRawToDer(name, raw);
        expect(toHex(der)).toBe(toHex(curve.Signature.fromBytes(raw, "compact").toBytes("der")));
        expect(ecdsaDerToRaw(name, der)).toEqual(raw);
      }),
      { numRuns: 300 },
    );
  });

  it("node:crypto's DER signatures read as noble reads them", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: name === "P-256" ? "prime256v1" : "secp384r1" });
    for (let i = 0; i < 200; i++) {
      const der = new Uint8Array(nodeSign(name === "P-256" ? "sha256" : "sha384", Uint8Array.of(i), privateKey));
      const raw = ecdsaDerToRaw(name, der);
      expect(raw === null ? null : toHex(raw)).toBe(nobleDerToRaw(curve, der));
      expect(raw).not.toBeNull();
    }
  });

  it("any mangled DER is accepted or refused as noble does, with the same r || s", () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x80, 0x81, 0xff) }),
      fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
    );
    // Special values noble must refuse: r or s of 0 or n, and over-long values.
    const special = fc.constantFrom(0n, order, order + 1n, 1n << BigInt(8 * n));
    const der = fc.oneof(
      rawSignature.map((raw) => ecdsaRawToDer(name, raw)),
      fc.tuple(special, value).map(([r, s]) => derOf(r, s)),
    );
    fc.assert(
      fc.property(der, fc.array(edit, { maxLength: 3 }), (start, edits) => {
        let bytes = Array.from(start);
        for (const e of edits) {
          const at = e.at % (bytes.length + 1);
          if (e.kind === "flip" && at < bytes.length) bytes[at] ^= 1 << e.bit;
          if (e.kind === "set" && at < bytes.length) bytes[at] = e.byte;
          if (e.kind === "insert") bytes = [...bytes.slice(0, at), e.byte, ...bytes.slice(at)];
          if (e.kind === "cut") bytes = bytes.slice(0, at);
        }
        const input = Uint8Array.from(bytes);
        const raw = ecdsaDerToRaw(name, input);
        expect(raw === null ? null : toHex(raw)).toBe(nobleDerToRaw(curve, input));
      }),
      { numRuns: 2000 },
    );
  });
});

/** SEQUENCE { INTEGER r, INTEGER s } in DER for any non-negative r and s (lengths below 128). */
function derOf(r: bigint, s: bigint): Uint8Array {
  const integer = (v: bigint): number[] => {
    let hex = v.toString(16);
    if (hex.length % 2) hex = "0" + hex;
    const bytes = hex.match(/../g)!.map((h) => parseInt(h, 16));
    if (bytes[0] & 0x80) bytes.unshift(0);
    return [0x02, bytes.length, ...bytes];
  };
  const body = [...integer(r), ...integer(s)];
  return Uint8Array.from([0x30, body.length, ...body]);
}
