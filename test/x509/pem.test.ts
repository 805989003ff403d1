/** PEM and base64 against Node's Buffer base64 and OpenSSL's DER output. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { TLSError, encodeBase64 } from "../../src/bytes/index.js";
import { decodePem, encodePem, pemCertificates } from "../../src/x509/index.js";
import { readFixture, readFixtureBytes } from "./fixtures.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("decodePem", () => {
  test("the certificate equals the DER openssl wrote", () => {
    const [der] = pemCertificates(readFixture("certs/server.pem"));
    expect(hex(der)).toBe(hex(readFixtureBytes("certs/server.der")));
  });

  test("all CERTIFICATE blocks in order, other blocks and surrounding text ignored", () => {
    const text = [
      "subject=CN=leaf",
      readFixture("certs/server.pem"),
      readFixture("keys/server.pem"),
      "some words -----BEGIN nothing",
      readFixture("certs/intermediate-ca.pem").replace(/\n/g, "\r\n"),
      "trailing text",
    ].join("\n");
    const certs = pemCertificates(text);
    expect(certs.map(hex)).toEqual(
      ["certs/server.pem", "certs/intermediate-ca.pem"].map((f) => hex(new Uint8Array(Buffer.from(readFixture(f).replace(/-----[^-]+-----/g, ""), "base64")))),
    );
    expect(decodePem(text).map((b) => b.label)).toEqual(["CERTIFICATE", "PRIVATE KEY", "CERTIFICATE"]);
  });

  test("legacy encryption headers are returned", () => {
    const [block] = decodePem(readFixture("keys/rsa.legacy-encrypted.pem"));
    expect(block.label).toBe("RSA PRIVATE KEY");
    expect(block.headers["Proc-Type"]).toBe("4,ENCRYPTED");
    expect(block.headers["DEK-Info"]).toMatch(/^AES-128-CBC,/);
  });

  test("round trip and agreement with Buffer base64 for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const pem = encodePem("TEST", bytes);
        const expectedBody = Buffer.from(bytes).toString("base64").replace(/(.{64})/g, "$1\n");
        expect(pem).toBe(`-----BEGIN TEST-----\n${expectedBody}${expectedBody.endsWith("\n") || bytes.length === 0 ? "" : "\n"}-----END TEST-----\n`);
        const [block] = decodePem(pem);
        expect(block.label).toBe("TEST");
        expect(hex(block.der)).toBe(hex(bytes));
      }),
    );
  });

  test("base64 and unpadded base64url (the JWK form the WebCrypto provider writes) agree with Buffer for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
        expect(encodeBase64(bytes, true)).toBe(Buffer.from(bytes).toString("base64url"));
      }),
    );
  });

  const broken: [string, string][] = [
    ["a character outside the alphabet", "-----BEGIN X-----\nAAA*\n-----END X-----\n"],
    ["a missing END line", "-----BEGIN X-----\nAAAA\n"],
    ["a mismatched END label", "-----BEGIN X-----\nAAAA\n-----END Y-----\n"],
    ["a partial quantum", "-----BEGIN X-----\nAAAAA\n-----END X-----\n"],
    ["padding in the middle", "-----BEGIN X-----\nAA==AAAA\n-----END X-----\n"],
    ["non-zero padding bits", "-----BEGIN X-----\nAB==\n-----END X-----\n"],
    ["three padding characters", "-----BEGIN X-----\nA===\n-----END X-----\n"],
  ];
  test.each(broken)("refuses %s with decode_error", (_, text) => {
    let error: unknown;
    try {
      decodePem(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).alertName).toBe("decode_error");
  });

  test("text with no blocks yields nothing", () => {
    expect(decodePem("just text\n")).toEqual([]);
    expect(pemCertificates("")).toEqual([]);
  });
});
