/**
 * The strict response parser, sans-I/O: RFC 9112's grammar and framing rules, the limits, and
 * the stated policies (no bare LF, no obs-fold, no Transfer-Encoding with Content-Length). Each
 * input is also fed one byte at a time, which must give the same outcome.
 */
import { describe, expect, it } from "vitest";
import { bodyFraming } from "../../src/http/body-framing.js";
import { ChunkedDecoder } from "../../src/http/chunked-decoder.js";
import { HttpError } from "../../src/http/http-error.js";
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from "../../src/http/limits.js";
import { HeadScanner, parseResponseHead, type ResponseHead } from "../../src/http/response-head.js";

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Scans and parses a head fed all at once and byte by byte; both must agree. Returns the head and its length. */
function head(text: string, limits: HttpLimits = DEFAULT_HTTP_LIMITS): { head: ResponseHead; length: number } {
  const input = bytes(text);
  const whole = (): { head: ResponseHead; length: number } => {
    const end = new HeadScanner(limits.maxHeaderBytes).scan(input, input.length);
    if (end < 0) throw new Error("incomplete");
    return { head: parseResponseHead(input, end, limits), length: end };
  };
  const piecewise = (): { head: ResponseHead; length: number } => {
    const scanner = new HeadScanner(limits.maxHeaderBytes);
    for (let n = 1; n <= input.length; n++) {
      const end = scanner.scan(input, n);
      if (end >= 0) return { head: parseResponseHead(input, end, limits), length: end };
    }
    throw new Error("incomplete");
  };
  let first: { head: ResponseHead; length: number } | unknown;
  try {
    first = whole();
  } catch (e) {
    expect(() => piecewise()).toThrow((e as Error).message);
    throw e;
  }
  expect(piecewise()).toEqual(first);
  return first as { head: ResponseHead; length: number };
}

function refused(text: string, code: string, message: RegExp, limits?: HttpLimits): void {
  let caught: unknown;
  try {
    head(text, limits);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HttpError);
  expect((caught as HttpError).code).toBe(code);
  expect((caught as HttpError).message).toMatch(message);
}

function framing(text: string, method = "GET") {
  return bodyFraming(head(text).head, method);
}

function framingRefused(text: string, message: RegExp): void {
  expect(() => framing(text)).toThrow(message);
}

function decodeChunked(body: string, split: number, limits: HttpLimits = DEFAULT_HTTP_LIMITS): { data: string; rest: string } {
  const input = bytes(body);
  const decoder = new ChunkedDecoder(limits);
  let data = "";
  for (let at = 0; at < input.length; at += split) {
    const piece = input.subarray(at, Math.min(input.length, at + split));
    const out = decoder.decode(piece);
    for (const d of out.data) data += String.fromCharCode(...d);
    if (out.done) return { data, rest: String.fromCharCode(...piece.subarray(out.consumed), ...input.subarray(at + split)) };
  }
  throw new Error("chunked body incomplete");
}

describe("response head (RFC 9112 §4, §5)", () => {
  it("parses a status line and fields, lower-casing names and trimming OWS", () => {
    const text = "HTTP/1.1 404 Not  Found\r\nContent-Type:\ttext/plain \r\nX-Empty:\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nbody";
    const { head: h, length } = head(text);
    expect(length).toBe(text.length - "body".length);
    expect(h).toEqual({
      version: "1.1",
      status: 404,
      statusText: "Not  Found",
      fields: [
        ["content-type", "text/plain"],
        ["x-empty", ""],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
      ],
    });
  });

  it("keeps obs-text in values as Latin-1, and accepts an empty reason phrase", () => {
    expect(head("HTTP/1.0 200 \r\nX: caf\xe9\r\n\r\n").head).toMatchObject({ version: "1.0", statusText: "", fields: [["x", "caf\xe9"]] });
  });

  it("refuses a bare LF, a bare CR, and a leading empty line", () => {
    refused("HTTP/1.1 200 OK\nContent-Length: 0\n\n", "malformed_response", /bare LF/);
    refused("HTTP/1.1 200 OK\r\nX: 1\n\r\n", "malformed_response", /bare LF/);
    refused("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "malformed_response", /bare CR/);
    refused("\r\nHTTP/1.1 200 OK\r\n\r\n", "malformed_response", /empty line where the status line/);
  });

  it("refuses obs-fold, whitespace before the colon, and bad bytes in names and values", () => {
    refused("HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n", "malformed_response", /obs-fold/);
    refused("HTTP/1.1 200 OK\r\n X: 1\r\n\r\n", "malformed_response", /obs-fold/);
    refused("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", "malformed_response", /field name/);
    refused("HTTP/1.1 200 OK\r\nX(: 1\r\n\r\n", "malformed_response", /field name/);
    refused("HTTP/1.1 200 OK\r\n: 1\r\n\r\n", "malformed_response", /empty name/);
    refused("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "malformed_response", /without a colon/);
    refused("HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n", "malformed_response", /value/);
    refused("HTTP/1.1 200 OK\r\nX: a\x7fb\r\n\r\n", "malformed_response", /value/);
  });

  it("refuses bad status lines", () => {
    refused("HTTP/2.0 200 OK\r\n\r\n", "malformed_response", /HTTP\/1\./);
    refused("HTTP/1.2 200 OK\r\n\r\n", "malformed_response", /version 1\.2/);
    refused("http/1.1 200 OK\r\n\r\n", "malformed_response", /HTTP\/1\./);
    refused("HTTP/1.1  200 OK\r\n\r\n", "malformed_response", /three digits/);
    refused("HTTP/1.1 20x OK\r\n\r\n", "malformed_response", /three digits/);
    refused("HTTP/1.1 099 OK\r\n\r\n", "malformed_response", /outside 100-599/);
    refused("HTTP/1.1 600 OK\r\n\r\n", "malformed_response", /outside 100-599/);
    refused("HTTP/1.1 2000 OK\r\n\r\n", "malformed_response", /space between/);
    refused("HTTP/1.1 200 O\x01K\r\n\r\n", "malformed_response", /reason phrase/);
  });

  it("refuses an oversize header section, even before it ends, and too many fields", () => {
    const limits = { ...DEFAULT_HTTP_LIMITS, maxHeaderBytes: 64, maxHeaders: 3 };
    refused(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(60)}\r\n\r\n`, "limit_exceeded", /longer than 64 bytes/, limits);
    refused(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(60)}`, "limit_exceeded", /longer than 64 bytes/, limits);
    refused("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", "limit_exceeded", /more than 3 header fields/, limits);
    expect(head("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits).head.fields).toHaveLength(3);
    refused(`HTTP/1.1 200 OK\r\n${"X: 1\r\n".repeat(101)}\r\n`, "limit_exceeded", /more than 100 header fields/);
    refused(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(16 * 1024)}\r\n\r\n`, "limit_exceeded", /longer than 16384 bytes/);
  });
});

describe("body framing (RFC 9112 §6.3)", () => {
  it("reads Content-Length, chunked, until-close and no-body cases", () => {
    expect(framing("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")).toEqual({ kind: "length", length: 12 });
    expect(framing("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n")).toEqual({ kind: "length", length: 5 });
    expect(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n")).toEqual({ kind: "chunked" });
    expect(framing("HTTP/1.0 200 OK\r\n\r\n")).toEqual({ kind: "close" });
    expect(framing("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", "HEAD")).toEqual({ kind: "none" });
    expect(framing("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n")).toEqual({ kind: "none" });
    expect(framing("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n")).toEqual({ kind: "none" });
  });

  it("refuses conflicting or invalid Content-Length and Transfer-Encoding with Content-Length", () => {
    framingRefused("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", /conflicting Content-Length/);
    framingRefused("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", /conflicting Content-Length/);
    framingRefused("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", /not a number/);
    framingRefused("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /not a number/);
    framingRefused("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", /not a number/);
    framingRefused("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", /too large/);
    framingRefused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", /both Transfer-Encoding and Content-Length/);
    framingRefused("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", /unsupported Transfer-Encoding/);
    framingRefused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", /unsupported Transfer-Encoding/);
    framingRefused("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", /HTTP\/1\.0/);
  });
});

describe("chunked coding (RFC 9112 §7.1)", () => {
  const body = "4\r\nWiki\r\n6;name=value\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\nNEXT";

  it("decodes the same at every split, with extensions and trailers, leaving what follows", () => {
    for (const split of [1, 2, 3, 7, 1000]) expect(decodeChunked(body, split)).toEqual({ data: "Wikipedia in \r\n\r\nchunks.", rest: "NEXT" });
    expect(decodeChunked("00000\r\n\r\n", 1)).toEqual({ data: "", rest: "" });
    expect(decodeChunked("A\r\n0123456789\r\n0\r\n\r\n", 4).data).toBe("0123456789");
  });

  it("refuses chunk-size overflow, bad sizes, missing CRLFs and bare LF", () => {
    const fails = (text: string, message: RegExp) => expect(() => decodeChunked(text, 1)).toThrow(message);
    fails("20000000000000\r\n", /past 2\^53 - 1/);
    fails("ffffffffffffffffff\r\n", /past 2\^53 - 1/);
    fails("\r\n", /without a chunk size/);
    fails("x\r\n", /without a chunk size/);
    fails("1x\r\n", /other than an extension/);
    fails("-1\r\n", /without a chunk size/);
    fails("1\r\nab\r\n", /longer than its chunk size/);
    fails("1\r\na\rx", /bare CR/);
    fails("1\na\r\n", /bare LF/);
    fails("1;\x00\r\n", /chunk extension/);
    fails("0\r\nX : 1\r\n\r\n", /field name/);
    fails("0\r\n folded\r\n\r\n", /obs-fold/);
  });

  it("bounds chunk lines and trailers", () => {
    const limits = { ...DEFAULT_HTTP_LIMITS, maxChunkLineBytes: 16, maxHeaderBytes: 64, maxHeaders: 2 };
    expect(() => decodeChunked(`1;${"e".repeat(20)}\r\n`, 3, limits)).toThrow(/chunk-size line is longer than 16 bytes/);
    expect(() => decodeChunked(`${"0".repeat(17)}\r\n`, 1, limits)).toThrow(/longer than 16 bytes/);
    expect(() => decodeChunked(`0\r\nX: ${"a".repeat(70)}\r\n\r\n`, 5, limits)).toThrow(/trailer section is longer than 64/);
    expect(() => decodeChunked("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 5, limits)).toThrow(/more than 2 trailer fields/);
  });
});
