/**
 * An EC key in a certificate whose curve mutls supports but whose point is not in the uncompressed
 * form (RFC 5480 §2.2 allows the compressed one; the CA/Browser Forum's profile and TLS 1.3's key
 * shares use only 0x04 || X || Y) is refused as unsupported_certificate with a message that names
 * both requirements, not only the curve, which would send the reader looking for another one.
 * The certificates around the keys are der-builder.ts's (leafKeyRefusal), as in rsa-key-limits.test.ts.
 */
import { p256, p384 } from "@noble/curves/nist.js";
import { describe, expect, test } from "vitest";
import * as d from "./der-builder.js";

const ecSpki = (curveOid: string, point: Uint8Array) => d.seq(d.seq(d.oid("1.2.840.10045.2.1"), d.oid(curveOid)), d.bits(point));

describe("EC point forms in certificates", () => {
  const p256Point = p256.getPublicKey(p256.utils.randomSecretKey(), false);
  const p384Point = p384.getPublicKey(p384.utils.randomSecretKey(), false);

  test("the uncompressed form is accepted", () => {
    expect(d.leafKeyRefusal(ecSpki("1.2.840.10045.3.1.7", p256Point))).toBeNull();
    expect(d.leafKeyRefusal(ecSpki("1.3.132.0.34", p384Point))).toBeNull();
  });

  test.each([
    ["P-256", "1.2.840.10045.3.1.7", () => p256.Point.fromBytes(p256Point).toBytes(true)],
    ["P-384", "1.3.132.0.34", () => p384.Point.fromBytes(p384Point).toBytes(true)],
  ])("a compressed %s point is refused, the message naming the form", (_curve, curveOid, compressed) => {
    const e = d.leafKeyRefusal(ecSpki(curveOid, compressed()));
    expect(e?.alertName).toBe("unsupported_certificate");
    expect(e?.message).toContain(`has an EC key mutls does not read: only P-256 and P-384, with the point uncompressed (0x04 || X || Y)`);
  });

  test("a curve mutls does not support gets the same message", () => {
    // secp521r1 (RFC 5480 §2.1.1.1), any point: the curve decides.
    const e = d.leafKeyRefusal(ecSpki("1.3.132.0.35", Uint8Array.of(4, ...new Uint8Array(132).fill(7))));
    expect(e?.alertName).toBe("unsupported_certificate");
    expect(e?.message).toContain("has an EC key mutls does not read: only P-256 and P-384, with the point uncompressed (0x04 || X || Y)");
  });
});
