/**
 * Server-name matching (RFC 6125 §6) and IP canonicalisation. The IP text is checked against
 * WHATWG URL's RFC 5952 serialiser and Node's net.isIP; name rules against the RFC's examples.
 */
import { isIP } from "node:net";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { formatIpAddress, parseIpAddress } from "../../src/x509/ip-address.js";
import { certificateMatchesServerName, dnsNameMatches, isIpAddress, parseCertificate } from "../../src/x509/index.js";
import { certDer } from "./fixtures.js";

describe("dnsNameMatches", () => {
  const cases: [pattern: string, name: string, match: boolean][] = [
    ["example.test", "example.test", true],
    ["Example.TEST", "example.test", true],
    ["example.test", "EXAMPLE.test.", true],
    ["example.test.", "example.test", true],
    ["example.test", "www.example.test", false],
    ["*.example.test", "api.example.test", true],
    ["*.example.test", "API.EXAMPLE.TEST", true],
    ["*.example.test", "a.b.example.test", false],
    ["*.example.test", "example.test", false],
    ["*.example.test", ".example.test", false],
    ["*.test", "example.test", false], // RFC 6125 §7.2: no wildcard over a whole TLD-like suffix
    ["*.com", "evil.com", false],
    ["*", "localhost", false],
    ["f*o.example.test", "foo.example.test", false], // partial wildcards are not accepted
    ["*o.example.test", "foo.example.test", false],
    ["api.*.test", "api.example.test", false],
    ["*.*.example.test", "a.b.example.test", false],
    ["xn--bcher-kva.example", "xn--bcher-kva.example", true],
    ["bücher.example", "bücher.example", false], // U-labels never match: compare A-labels
    ["", "", false],
  ];
  test.each(cases)("%s vs %s -> %s", (pattern, name, match) => {
    expect(dnsNameMatches(pattern, name)).toBe(match);
  });
});

describe("certificateMatchesServerName on the server fixture", () => {
  const server = parseCertificate(certDer("server"));
  test.each([
    ["localhost", true],
    ["LOCALHOST", true],
    ["x.example.test", true],
    ["127.0.0.1", true],
    ["::1", true],
    ["0:0:0:0:0:0:0:1", true],
    ["0000::0001", true],
    ["127.0.0.2", false],
    ["::2", false],
    ["::ffff:127.0.0.1", false], // a mapped address is a different IPv6 identity
    ["127.000.000.001", false], // ambiguous leading zeros are not an IP and not a SAN DNS name
    ["[::1]", false],
  ])("%s -> %s", (name, match) => {
    expect(certificateMatchesServerName(server, name as string)).toBe(match);
  });

  test("an IP address never matches a DNS SAN spelled the same", () => {
    // The pinned fixture has only DNS:pinned.example.test; no IP literal can match it.
    expect(certificateMatchesServerName(parseCertificate(certDer("pinned-ed25519")), "127.0.0.1")).toBe(false);
  });

  test("no Common Name fallback", () => {
    expect(certificateMatchesServerName(parseCertificate(certDer("cn-only")), "cn-only.example.test")).toBe(false);
  });
});

describe("IP address text", () => {
  const canonical = (bytes: Uint8Array): string => new URL(`http://[${Buffer.from(bytes).toString("hex").replace(/(.{4})(?!$)/g, "$1:")}]/`).hostname.slice(1, -1);

  test("IPv6 formatting equals the WHATWG URL serialiser (RFC 5952) for any address", () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(groups, (g) => {
        const bytes = Uint8Array.from(g.flatMap((v) => [v >> 8, v & 0xff]));
        expect(formatIpAddress(bytes)).toBe(canonical(bytes));
        expect(Array.from(parseIpAddress(formatIpAddress(bytes)!)!)).toEqual(Array.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  test("IPv4 round trip", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        const text = formatIpAddress(b)!;
        expect(isIP(text)).toBe(4);
        expect(Array.from(parseIpAddress(text)!)).toEqual(Array.from(b));
      }),
    );
  });

  test.each(["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", "::g", "1:2:3:4:5:6:7::8:9", "example.test", ""])(
    "%s is not an IP literal",
    (text) => {
      expect(isIpAddress(text)).toBe(false);
    },
  );

  test.each(["1.2.3.4", "::", "::1", "2001:db8::1", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::"])("%s is an IP literal as Node agrees", (text) => {
    expect(isIpAddress(text)).toBe(true);
    expect(isIP(text)).not.toBe(0);
  });
});

describe("wildcards under a public suffix", () => {
  // A few entries of the Public Suffix List (publicsuffix.org), as a caller's hook would hold them.
  const SUFFIXES = new Set(["com", "uk", "co.uk", "jp", "tokyo.jp", "github.io"]);
  const isPublicSuffix = (domain: string): boolean => SUFFIXES.has(domain);

  test("without the hook, a wildcard needs two labels after '*.' (so *.com never matches)", () => {
    expect(dnsNameMatches("*.com", "evil.com")).toBe(false);
    expect(dnsNameMatches("*.uk", "evil.uk")).toBe(false);
    expect(dnsNameMatches("*.co.uk", "victim.co.uk")).toBe(true);
  });

  const cases: [pattern: string, name: string, match: boolean][] = [
    ["*.co.uk", "victim.co.uk", false],
    ["*.CO.UK", "victim.co.uk", false],
    ["*.github.io", "someone.github.io", false],
    ["*.tokyo.jp", "shop.tokyo.jp", false],
    ["*.example.co.uk", "www.example.co.uk", true],
    ["*.example.com", "api.example.com", true],
    ["example.co.uk", "example.co.uk", true],
  ];
  test.each(cases)("%s against %s with the hook: %s", (pattern, name, match) => {
    expect(dnsNameMatches(pattern, name, isPublicSuffix)).toBe(match);
  });

  test("the hook is asked only about the wildcard's parent domain, lower-cased", () => {
    const asked: string[] = [];
    dnsNameMatches("*.Example.CO.uk", "a.example.co.uk", (d) => (asked.push(d), false));
    dnsNameMatches("exact.example.com", "exact.example.com", (d) => (asked.push(d), false));
    expect(asked).toEqual(["example.co.uk"]);
  });
});
