/**
 * The name-constraint matching rules against the examples RFC 5280 §4.2.1.10 itself gives
 * (the RFC text is the oracle; the whole-path behaviour is covered by x509-limbo and by
 * OpenSSL-made chains in test/identity).
 */
import { describe, expect, test } from "vitest";
import { dnsInSubtree, emailInSubtree, ipInSubtree, uriHost, uriHostInSubtree, uriInSubtree } from "../../src/x509/name-constraints.js";

describe("RFC 5280 §4.2.1.10 examples", () => {
  test('DNS: "www.example.com" satisfies example.com, "bigexample.com" does not', () => {
    expect(dnsInSubtree("www.example.com", "example.com", "all")).toBe(true);
    expect(dnsInSubtree("example.com", "example.com", "all")).toBe(true);
    expect(dnsInSubtree("bigexample.com", "example.com", "all")).toBe(false);
    expect(dnsInSubtree("WWW.Example.COM", "example.com", "all")).toBe(true);
  });

  test("DNS wildcards: inside a permitted subtree only if every expansion is; meeting an excluded one if any is", () => {
    expect(dnsInSubtree("*.example.com", "example.com", "all")).toBe(true);
    expect(dnsInSubtree("*.example.com", "foo.example.com", "all")).toBe(false);
    expect(dnsInSubtree("*.example.com", "bar.example.com", "any")).toBe(true);
    expect(dnsInSubtree("*.example.com", "a.bar.example.com", "any")).toBe(false);
  });

  test('URI: "host.example.com" is one host; ".example.com" is every host below it, not example.com itself', () => {
    expect(uriHostInSubtree("host.example.com", "host.example.com")).toBe(true);
    expect(uriHostInSubtree("www.host.example.com", "host.example.com")).toBe(false);
    expect(uriHostInSubtree("www.host.example.com", ".example.com")).toBe(true);
    expect(uriHostInSubtree("example.com", ".example.com")).toBe(false);
    expect(uriHost("spiffe://prod.example/ns/a")).toBe("prod.example");
    expect(uriHost("https://user@Host.Example.com:8443/x?y")).toBe("host.example.com");
    expect(uriHost("urn:uuid:1234")).toBeNull();
  });

  test('email: "root@example.com" is one mailbox, "example.com" one host, ".example.com" its subdomains', () => {
    expect(emailInSubtree("root@example.com", "root@example.com")).toBe(true);
    expect(emailInSubtree("Root@example.com", "root@example.com")).toBe(false);
    expect(emailInSubtree("anyone@example.com", "example.com")).toBe(true);
    expect(emailInSubtree("anyone@mail.example.com", "example.com")).toBe(false);
    expect(emailInSubtree("anyone@mail.example.com", ".example.com")).toBe(true);
    expect(emailInSubtree("anyone@example.com", ".example.com")).toBe(false);
  });

  test('IP: "C0 00 02 00 FF FF FF 00" is 192.0.2.0/24', () => {
    const subtree = { address: Uint8Array.of(0xc0, 0, 2, 0), mask: Uint8Array.of(0xff, 0xff, 0xff, 0) };
    expect(ipInSubtree(Uint8Array.of(192, 0, 2, 77), subtree)).toBe(true);
    expect(ipInSubtree(Uint8Array.of(192, 0, 3, 1), subtree)).toBe(false);
    expect(ipInSubtree(new Uint8Array(16), subtree)).toBe(false);
  });
});

describe("URI constraints on URIs whose host cannot be compared", () => {
  test("the trailing dot of an absolute host name does not step outside an excluded domain", () => {
    expect(uriHost("https://x.Evil.example.")).toBe("x.evil.example");
    expect(uriInSubtree("https://x.evil.example./", ".evil.example", "any")).toBe(true);
  });

  test("a percent-encoded host, a URN or an empty host violates excluded and permitted subtrees alike", () => {
    for (const uri of ["https://%65vil.example/", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", "file:///etc/passwd"]) {
      expect(uriHost(uri)).toBeNull();
      expect(uriInSubtree(uri, ".evil.example", "any")).toBe(true);
      expect(uriInSubtree(uri, ".good.example", "all")).toBe(false);
    }
  });
});

test("email: the trailing dot of an absolute domain does not step outside an excluded domain", () => {
  expect(emailInSubtree("mallory@mail.evil.example.", ".evil.example")).toBe(true);
  expect(emailInSubtree("mallory@evil.example.", "evil.example")).toBe(true);
});
