/**
 * Failures of the HTTP layer, as opposed to TLS failures (which stay `TLSError`s): the server's
 * response broke HTTP/1.1's rules or our limits, a timeout ran out, or the connection ended early.
 */

export type HttpErrorCode =
  /** The response broke RFC 9112's grammar or framing rules (hostile or broken server). */
  | "malformed_response"
  /** The response went past a limit of `HttpLimits` (header section, header count, chunk line). */
  | "limit_exceeded"
  /** The connection ended before the response was complete. */
  | "connection_closed"
  /** A timeout of the request ran out (connect, response headers, or body idle). */
  | "timeout"
  /** The request cannot be sent as given (bad URL, header, method or body), or its body stream failed. */
  | "invalid_request"
  /** The transport factory could not reach the server. */
  | "connection_failed"
  /** The request's AbortSignal fired and it carried no reason of its own. */
  | "aborted";

export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly code: HttpErrorCode;

  constructor(code: HttpErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A response that breaks RFC 9112: `malformed_response` with what was wrong. */
export function malformed(message: string): never {
  throw new HttpError("malformed_response", `malformed HTTP response: ${message}`);
}

export function limitExceeded(message: string): never {
  throw new HttpError("limit_exceeded", `HTTP response refused: ${message}`);
}
