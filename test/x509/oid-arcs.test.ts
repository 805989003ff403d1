/**
 * OBJECT IDENTIFIER arcs (X.690 §8.19): decoded in one pass, and bounded to 128 bits, the size of
 * the longest arcs in use (UUIDs under 2.25, ITU-T X.667). Before the bound, a single 60 KB arc
 * was decoded by shifting a BigInt once per octet: quadratic work a peer could ask for.
 */
import { describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { parseCertificate } from "../../src/x509/index.js";
import * as d from "./der-builder.js";

/** A certificate with one extra non-critical extension whose extnID has `oidContent` as its contents. */
function withExtensionOid(oidContent: Uint8Array): Uint8Array {
  const basics = d.extension("2.5.29.19", d.seq(d.bool(true)), true);
  return d.certificate(d.tbs({ extensions: [basics, d.seq(d.tlv(0x06, oidContent), d.octets(new Uint8Array(1)))] }));
}

/** Base-128 subidentifier octets (X.690 §8.19.2). */
function arc(value: bigint): number[] {
  const out = [Number(value & 0x7fn)];
  for (let v = value >> 7n; v > 0n; v >>= 7n) out.unshift(Number(v & 0x7fn) | 0x80);
  return out;
}

function refusal(der: Uint8Array): TLSError {
  try {
    parseCertificate(der);
  } catch (e) {
    if (e instanceof TLSError) return e;
    throw e;
  }
  throw new Error("parseCertificate accepted it");
}

describe("OID arcs", () => {
  test("a 128-bit arc decodes exactly: X.667's example UUID OID", () => {
    // ITU-T X.667 §6.3 / RFC 4122: UUID f81d4fae-7dec-11d0-a765-00a0c91e6bf6 is
    // 2.25.329800735698586629295641978511506172918.
    const uuid = 0xf81d4fae7dec11d0a76500a0c91e6bf6n;
    const cert = parseCertificate(withExtensionOid(Uint8Array.from([...arc(80n + 25n), ...arc(uuid)])));
    expect(cert.extensionOids).toContain("2.25.329800735698586629295641978511506172918");
  });

  test("the largest 128-bit arc is accepted and a 129-bit one refused", () => {
    const max = (1n << 128n) - 1n;
    expect(parseCertificate(withExtensionOid(Uint8Array.from([...arc(105n), ...arc(max)]))).extensionOids).toContain(`2.25.${max}`);
    const e = refusal(withExtensionOid(Uint8Array.from([...arc(105n), ...arc(max + 1n)])));
    expect(e.alertName).toBe("bad_certificate");
    expect(e.message).toContain("OID arc longer than 128 bits");
  });

  test("a 60 KB arc is refused as malformed", () => {
    const long = new Uint8Array(60_000).fill(0xff);
    long[long.length - 1] = 0x7f;
    const e = refusal(withExtensionOid(Uint8Array.from([0x2a, ...long])));
    expect(e.alertName).toBe("bad_certificate");
    expect(e.message).toContain("OID arc longer than 128 bits");
  });

  test("many short arcs still decode, one per subidentifier", () => {
    const arcs = Array.from({ length: 200 }, (_, i) => i + 1);
    const cert = parseCertificate(withExtensionOid(Uint8Array.from([0x2a, ...arcs.flatMap((a) => arc(BigInt(a)))])));
    expect(cert.extensionOids).toContain(`1.2.${arcs.join(".")}`);
  });
});
