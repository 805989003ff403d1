/**
 * How long a response's body is (RFC 9112 §6.3), decided once from the request method, the
 * status and the framing fields. The ambiguous cases request smuggling feeds on are refused.
 */
import { malformed } from "./http-error.js";
import type { ResponseHead } from "./response-head.js";

export type BodyFraming =
  /** No body (HEAD, 1xx, 204, 304): the response ends with its header section. */
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  /** Neither field: the body runs until the connection closes, which cannot then be reused. */
  | { readonly kind: "close" };

/** The longest Content-Length we count to exactly: 2^53 - 1 has 16 digits. */
const MAX_LENGTH_DIGITS = 16;

/** RFC 9110 §8.6: Content-Length = 1*DIGIT; a list of identical values may be taken as one. */
function parseContentLength(values: readonly string[]): number {
  let length = -1;
  for (const value of values) {
    for (const part of value.split(",")) {
      const digits = part.trim();
      if (!/^[0-9]+$/.test(digits)) malformed(`Content-Length ${JSON.stringify(value)} is not a number`);
      if (digits.replace(/^0+(?=.)/, "").length > MAX_LENGTH_DIGITS) malformed(`Content-Length ${digits} is too large`);
      const n = Number(digits);
      if (!Number.isSafeInteger(n)) malformed(`Content-Length ${digits} is too large`);
      if (length >= 0 && n !== length) malformed(`conflicting Content-Length values (${length} and ${n})`);
      length = n;
    }
  }
  return length;
}

export function bodyFraming(head: ResponseHead, requestMethod: string): BodyFraming {
  const { status } = head;
  // RFC 9112 §6.3 rule 1.
  if (requestMethod === "HEAD" || status < 200 || status === 204 || status === 304) return { kind: "none" };
  const transferEncodings: string[] = [];
  const contentLengths: string[] = [];
  for (const [name, value] of head.fields) {
    if (name === "transfer-encoding") transferEncodings.push(value);
    else if (name === "content-length") contentLengths.push(value);
  }
  if (transferEncodings.length > 0) {
    // §6.3 rule 3 lets Transfer-Encoding override Content-Length, but a message with both is the
    // classic smuggling vector (§6.1: "ought to be handled as an error"); we refuse it.
    if (contentLengths.length > 0) malformed("both Transfer-Encoding and Content-Length");
    // §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
    if (head.version === "1.0") malformed("Transfer-Encoding in an HTTP/1.0 response");
    const codings = transferEncodings
      .join(",")
      .split(",")
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c !== "");
    // We decode no content coding at the transfer layer (we send no TE header), so "chunked",
    // once, is the only coding a server may use with us.
    if (codings.length !== 1 || codings[0] !== "chunked") malformed(`unsupported Transfer-Encoding ${JSON.stringify(transferEncodings.join(", "))}`);
    return { kind: "chunked" };
  }
  if (contentLengths.length > 0) return { kind: "length", length: parseContentLength(contentLengths) };
  return { kind: "close" };
}

/** Whether the connection may carry another request after this response (RFC 9112 §9.3). */
export function keepsAlive(head: ResponseHead): boolean {
  const options: string[] = [];
  for (const [name, value] of head.fields)
    if (name === "connection")
      options.push(
        ...value
          .toLowerCase()
          .split(",")
          .map((o) => o.trim()),
      );
  if (options.includes("close")) return false;
  // HTTP/1.0 closes unless the server opts in; we never ask, so any 1.0 response closes.
  return head.version === "1.1";
}
