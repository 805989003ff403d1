/**
 * The fuzz target for mtlsFetch's response parser (src/http/): a server's bytes are hostile
 * input, like a TLS peer's. Properties: only an HttpError comes out (malformed_response or
 * limit_exceeded, never a TypeError or a RangeError from the parser itself); the outcome does not
 * depend on how the bytes were split; the decoder never returns more body than it was given, never
 * consumes past its input, and always makes progress.
 */
import { bodyFraming } from "../../src/http/body-framing.js";
import { ChunkedDecoder } from "../../src/http/chunked-decoder.js";
import { HttpError } from "../../src/http/http-error.js";
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from "../../src/http/limits.js";
import { HeadScanner, parseResponseHead } from "../../src/http/response-head.js";
import { type FuzzTarget, FuzzViolation, violation } from "./target.js";

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const prefixed = (mode: number, s: string): Uint8Array => Uint8Array.of(mode, ...ascii(s));

/** Small limits, so the fuzzer reaches them with short inputs. */
const LIMITS: HttpLimits = { ...DEFAULT_HTTP_LIMITS, maxHeaderBytes: 512, maxHeaders: 8, maxChunkLineBytes: 32 };
const PARSER_CODES: ReadonlySet<string> = new Set(["malformed_response", "limit_exceeded"]);

/** What one parse of a response made of: the head and body, or the error. Comparable across splits. */
function parse(input: Uint8Array, piece: number, method: string): string {
  try {
    const scanner = new HeadScanner(LIMITS.maxHeaderBytes);
    let end = -1;
    for (let n = Math.min(piece, input.length); end < 0; n = Math.min(input.length, n + piece)) {
      end = scanner.scan(input, n);
      if (end < 0 && n === input.length) return "incomplete head";
    }
    if (end > input.length) violation(`the head ends at ${end}, past the input's ${input.length} bytes`);
    const head = parseResponseHead(input, end, LIMITS);
    const framing = bodyFraming(head, method);
    let outcome = `${JSON.stringify(head)} ${JSON.stringify(framing)}`;
    if (framing.kind !== "chunked") return outcome;
    const decoder = new ChunkedDecoder(LIMITS);
    let body = "";
    for (let at = end; at < input.length && !decoder.done;) {
      const chunk = input.subarray(at, Math.min(input.length, at + piece));
      const out = decoder.decode(chunk);
      if (out.consumed > chunk.length) violation(`the decoder consumed ${out.consumed} of ${chunk.length} bytes`);
      if (out.consumed === 0) violation("the chunked decoder made no progress");
      let given = 0;
      for (const d of out.data) {
        given += d.length;
        body += String.fromCharCode(...d);
      }
      if (given > out.consumed) violation(`the decoder returned ${given} body bytes from ${out.consumed} input bytes`);
      at += out.consumed;
    }
    outcome += ` body ${JSON.stringify(body)} ${decoder.done ? "done" : "incomplete"}`;
    return outcome;
  } catch (e) {
    if (e instanceof FuzzViolation) throw e;
    if (!(e instanceof HttpError)) violation(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} instead of an HttpError`);
    if (!PARSER_CODES.has(e.code)) violation(`HttpError ${e.code} from the parser: ${e.message}`);
    return `${e.code}: ${e.message}`;
  }
}

/**
 * Input: one mode byte (bit 0: the request was HEAD; bits 1-7: feed in pieces of that many bytes,
 * 0 = all at once), then the response bytes.
 */
function httpResponseTarget(): FuzzTarget {
  const responses = [
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n6;ext=1\r\npedia \r\n0\r\nTrailer-Field: x\r\n\r\n",
    "HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n<HTML><BODY>",
    "HTTP/1.1 204 No Content\r\nDate: Sun, 06 Dec 2026 16:00:00 GMT\r\n\r\n",
    "HTTP/1.1 100 Continue\r\n\r\n",
    'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 9\r\n\r\n',
    "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nConnection: close\r\n\r\nabc",
  ];
  return {
    name: "http-response",
    seeds: [...responses.map((r) => prefixed(0, r)), ...responses.map((r) => prefixed(1 << 1, r)), prefixed((7 << 1) | 1, responses[0])],
    run(input) {
      if (input.length === 0) return;
      const method = input[0] & 1 ? "HEAD" : "GET";
      const piece = input[0] >> 1 || input.length;
      const body = input.subarray(1);
      if (body.length === 0) return;
      const split = parse(body, piece, method);
      const whole = parse(body, body.length, method);
      if (split !== whole) violation(`fed in ${piece}-byte pieces: ${split}\nfed whole: ${whole}`);
    },
  };
}

export function httpTargets(): FuzzTarget[] {
  return [httpResponseTarget()];
}
