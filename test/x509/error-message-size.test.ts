/**
 * A peer's names may fill a 64 KB handshake message; a refusal quotes at most 256 characters of
 * each, so a hostile certificate cannot hand kilobytes to every log line and alert handler.
 */
import { describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { parseCertificate, verifyCertificateChain } from "../../src/x509/index.js";
import * as d from "./der-builder.js";

const anchor = d.certificate(d.tbs({ extensions: [d.extension("2.5.29.19", d.seq(d.bool(true)), true)] }));
const aki = d.extension("2.5.29.35", d.seq(d.implicitPrim(0, Uint8Array.of(1))));
const huge = "Victim Corp ".repeat(2000);

function refusal(leaf: Uint8Array): TLSError {
  try {
    verifyCertificateChain({ chain: [leaf], trustAnchors: [parseCertificate(anchor)], now: new Date(Date.UTC(2030, 0, 1)), provider: pureProvider, purpose: "clientAuth" });
  } catch (e) {
    if (e instanceof TLSError) return e;
    throw e;
  }
  throw new Error("the chain verified");
}

describe("names quoted in refusals", () => {
  test("a 24,000-character subject and issuer are cut to 256 characters each, with their length", () => {
    const leaf = d.certificate(d.tbs({ subject: d.name(huge), issuer: d.name(`unknown ${huge}`), extensions: [aki] }));
    const e = refusal(leaf);
    expect(e.alertName).toBe("unknown_ca");
    expect(e.message.length).toBeLessThan(1024);
    expect(e.message).toContain(`CN=${huge.slice(0, 100)}`);
    expect(e.message).toMatch(/\.\.\. \(2\d{4} characters\)/);
  });

  test("a short name is quoted whole", () => {
    const e = refusal(d.certificate(d.tbs({ subject: d.name("leaf"), issuer: d.name("nobody"), extensions: [aki] })));
    expect(e.message).toContain("CN=leaf");
    expect(e.message).toContain("CN=nobody");
    expect(e.message).not.toContain("characters)");
  });
});
