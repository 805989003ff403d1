/**
 * mtlsFetch: the fetch shape over HTTP/1.1 on a mutls connection. One request at a time per
 * connection (no pipelining); connections are kept alive in a `ConnectionPool` when one is given.
 */
import { TLSError, UsageError } from "../bytes/index.js";
import type { PeerAuthorizer } from "../handshake/config.js";
import type { Signer } from "../handshake/signer.js";
import type { ConnectOptions } from "../transport/options.js";
import { connect } from "../transport/secure-connection.js";
import type { ReadableStream } from "../transport/stream-types.js";
import { type ScheduleTimeout, globalScheduleTimeout, withDeadline } from "../transport/timer.js";
import type { Transport } from "../transport/transport.js";
import { type BodyFraming, bodyFraming, keepsAlive } from "./body-framing.js";
import type { ConnectionPool } from "./connection-pool.js";
import type { AbortSignalLike, FetchGlobals, HeadersLike, RequestLike, ResponseLike } from "./fetch-types.js";
import { fetchGlobals } from "./fetch-types.js";
import { HttpConnection } from "./http-connection.js";
import { HttpError, limitExceeded, malformed } from "./http-error.js";
import { type HttpLimits, httpLimitsFrom } from "./limits.js";
import { type PreparedRequest, type RequestFields, prepareRequest } from "./prepare-request.js";
import { encodeRequestHead } from "./request-head.js";
import { responseBody } from "./response-body.js";
import { requestFraming, sendRequest } from "./send-request.js";
import { HeadScanner, type ResponseHead, parseResponseHead } from "./response-head.js";

/** Where the transport factory is asked to connect. */
export interface TransportOrigin {
  readonly hostname: string;
  readonly port: number;
}

/**
 * Opens the byte stream a connection runs on: `netTransport(net.connect(...))` in Node,
 * `webStreamsTransport(connect(...))` in Workers, `Deno.connect` through webStreamsTransport, or
 * `webSocketTransport(new WebSocket(relay))` in a browser.
 */
export type TransportFactory = (origin: TransportOrigin) => Transport | Promise<Transport>;

/** connect()'s options beside mtlsFetch's own. */
export interface MtlsFetchOptions extends ConnectOptions {
  readonly transport: TransportFactory;
  /** Signs our CertificateVerify instead of `key` (a key in WebCrypto, a KMS, a secure element). */
  readonly signer?: Signer;
  /** Judges the server's proven identity, beside (or instead of) the `servername` check. */
  readonly authorizePeer?: PeerAuthorizer;
  /** Keep connections alive here for later calls with the same pool, origin and TLS options; without it each request has its own connection. */
  readonly pool?: ConnectionPool;
  /** Opening the transport and the TLS handshake together (default 30000 ms). */
  readonly connectTimeoutMs?: number;
  /** From the request sent to the whole response header section received (default 60000 ms). */
  readonly headersTimeoutMs?: number;
  /** Longest wait for the next bytes of the response body (default 60000 ms). */
  readonly bodyTimeoutMs?: number;
  readonly limits?: Partial<HttpLimits>;
}

export interface MtlsRequestInit extends MtlsFetchOptions, RequestFields {}

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_HEADERS_TIMEOUT_MS = 60_000;
const DEFAULT_BODY_TIMEOUT_MS = 60_000;

/** The options that decide what a connection proves and trusts: a pooled connection is reused only when all are the same. */
const TLS_OPTION_NAMES = ["transport", "ca", "cert", "key", "signer", "servername", "authorizePeer", "rejectUnauthorized", "ALPNProtocols", "config"] as const;

function sameTlsOptions(a: MtlsFetchOptions, b: MtlsFetchOptions): boolean {
  return TLS_OPTION_NAMES.every((name) => a[name] === b[name]);
}

interface Context {
  readonly globals: FetchGlobals;
  readonly request: PreparedRequest;
  readonly options: MtlsRequestInit;
  readonly limits: HttpLimits;
  readonly schedule: ScheduleTimeout | null;
}

function abortReason(signal: AbortSignalLike): unknown {
  return signal.reason ?? new HttpError("aborted", "the request was aborted");
}

/** A failure on a reused connection before the server answered: the server may have closed it while idle. */
class StaleConnection extends Error {
  constructor(readonly failure: unknown) {
    super("stale pooled connection");
  }
}

function connectOptionsFor(options: MtlsRequestInit, request: PreparedRequest, connectTimeoutMs: number): ConnectOptions {
  const extra = { ...(options.signer ? { signer: options.signer } : {}), ...(options.authorizePeer ? { authorizePeer: options.authorizePeer } : {}) };
  return {
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    servername: options.servername ?? request.hostname,
    ALPNProtocols: options.ALPNProtocols ?? ["http/1.1"],
    rejectUnauthorized: options.rejectUnauthorized,
    handshakeTimeoutMs: Math.min(options.handshakeTimeoutMs ?? connectTimeoutMs, connectTimeoutMs),
    closeTimeoutMs: options.closeTimeoutMs,
    scheduleTimeout: options.scheduleTimeout,
    config: options.config === undefined && Object.keys(extra).length === 0 ? undefined : { ...options.config, ...extra },
  };
}

async function openConnection(ctx: Context): Promise<HttpConnection> {
  const { request, options } = ctx;
  const ms = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let timedOut = false;
  const opening = (async () => {
    let transport: Transport;
    try {
      transport = await options.transport({ hostname: request.hostname, port: request.port });
    } catch (e) {
      if (e instanceof TLSError || e instanceof HttpError) throw e;
      throw new HttpError("connection_failed", `cannot reach ${request.origin}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (timedOut) {
      await transport.close().catch(() => undefined);
      throw new HttpError("timeout", "connect timed out");
    }
    return connect(transport, connectOptionsFor(options, request, ms));
  })();
  // A handshake that completes after the deadline is closed, not leaked.
  opening.then((late) => (timedOut ? late.close() : undefined)).catch(() => undefined);
  const secure = await withDeadline(opening, ms, ctx.schedule, () => {
    timedOut = true;
    return new HttpError("timeout", `connecting to ${request.origin} (transport and TLS handshake) took longer than ${ms} ms`);
  });
  return new HttpConnection(secure, request.origin, options, ctx.schedule);
}

/** One header section, as bytes arrive; bytes after it are put back for the body. */
async function readHead(connection: HttpConnection, limits: HttpLimits, onBytes: () => void): Promise<ResponseHead> {
  const scanner = new HeadScanner(limits.maxHeaderBytes);
  let buffer = new Uint8Array(1024);
  let length = 0;
  for (;;) {
    const chunk = await connection.read(undefined, "response headers");
    if (chunk === null) {
      throw new HttpError(
        "connection_closed",
        length === 0 ? "the server closed the connection without answering" : "the server closed the connection in the middle of the response headers",
      );
    }
    onBytes();
    if (length + chunk.length > buffer.length) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, length + chunk.length));
      grown.set(buffer.subarray(0, length));
      buffer = grown;
    }
    buffer.set(chunk, length);
    length += chunk.length;
    const end = scanner.scan(buffer, length);
    if (end >= 0) {
      connection.putBack(buffer.slice(end, length));
      return parseResponseHead(buffer, end, limits);
    }
  }
}

/** The final response's head, after any interim (1xx) ones (RFC 9110 §15.2). */
async function readFinalHead(connection: HttpConnection, limits: HttpLimits, onBytes: () => void): Promise<ResponseHead> {
  for (let interim = 0; ; interim++) {
    const head = await readHead(connection, limits, onBytes);
    if (head.status >= 200) return head;
    if (head.status === 101) malformed("101 Switching Protocols to a request that asked for no upgrade");
    if (interim === limits.maxInterimResponses) limitExceeded(`more than ${limits.maxInterimResponses} interim (1xx) responses`);
  }
}

/** RFC 9110 §15.3.6: 205 has no content; fetch's Response refuses a body for 204, 205 and 304. */
function nullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304;
}

/** The response's fields as the runtime's Headers; a value the runtime refuses is a malformed response. */
function responseHeaders(ctx: Context, head: ResponseHead): HeadersLike {
  try {
    const headers = new ctx.globals.Headers();
    for (const [name, value] of head.fields) headers.append(name, value);
    return headers;
  } catch (e) {
    return malformed(`the runtime refused its fields: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function buildResponse(ctx: Context, head: ResponseHead, headers: HeadersLike, body: ReadableStream<Uint8Array> | null): ResponseLike {
  // The status (200-599) and reason phrase were checked by the parser, as the constructor checks them.
  const response = new ctx.globals.Response(body, { status: head.status, statusText: head.statusText, headers });
  // A constructed Response has an empty url; fetch's carries the request's.
  try {
    Object.defineProperty(response, "url", { value: ctx.request.href, enumerable: true });
  } catch {
    // A runtime whose Response is not extensible keeps url "".
  }
  return response;
}

/** Sends the request on `connection` and resolves with the response once its header section is in. */
async function exchange(ctx: Context, connection: HttpConnection, reused: boolean): Promise<ResponseLike> {
  const { request, options, limits } = ctx;
  const pool = options.pool;
  connection.requests++;
  const framing = requestFraming(request);
  const head = encodeRequestHead({
    method: request.method,
    target: request.target,
    host: request.host,
    fields: request.fields,
    framing,
    close: pool === undefined,
  });

  let answered = false;
  let sent = false;
  let aborted = false;
  const signal = request.signal;
  const onAbort = () => {
    aborted = true;
    void connection.close();
  };
  signal?.addEventListener("abort", onAbort);
  let finished = false;
  let reusable = true;
  const finish = (clean: boolean, responseHead: ResponseHead | null) => {
    if (finished) return;
    finished = true;
    signal?.removeEventListener("abort", onAbort);
    if (clean && reusable && sent && pool !== undefined && responseHead !== null && keepsAlive(responseHead) && !connection.hasUnread) pool.give(connection);
    else void connection.close();
  };
  const mapError = (e: unknown): unknown => (aborted && signal ? abortReason(signal) : e);

  const sending = sendRequest(connection, request, head).then(() => {
    sent = true;
  });
  sending.catch(() => undefined);
  let responseHead: ResponseHead;
  let framingIn: BodyFraming;
  let headers: HeadersLike;
  try {
    const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    const receiving = withDeadline(
      readFinalHead(connection, limits, () => {
        answered = true;
      }),
      headersTimeoutMs,
      ctx.schedule,
      () => {
        void connection.close();
        return new HttpError("timeout", `no complete response header section from ${request.origin} within ${headersTimeoutMs} ms`);
      },
    );
    // A failed send fails the exchange at once; a successful one leaves the wait to the response.
    responseHead = await Promise.race([receiving, sending.then(() => receiving)]);
    framingIn = bodyFraming(responseHead, request.method);
    headers = responseHeaders(ctx, responseHead);
  } catch (e) {
    finish(false, null);
    const failure = mapError(e);
    const retryable = reused && !answered && !aborted && !(e instanceof HttpError && (e.code === "timeout" || e.code === "invalid_request"));
    throw retryable ? new StaleConnection(failure) : failure;
  }
  const finalHead = responseHead;
  if (nullBodyStatus(finalHead.status) && framingIn.kind !== "none") {
    // Only an empty Content-Length leaves the connection in a known state.
    const empty = framingIn.kind === "length" && framingIn.length === 0;
    framingIn = { kind: "none" };
    if (!empty) reusable = false;
  }
  const body = responseBody(framingIn, {
    connection,
    limits,
    bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    finish: (clean) => {
      // A response that ends before our request body did: the connection carries a half-sent message.
      if (clean && !sent)
        sending.then(
          () => finish(true, finalHead),
          () => finish(false, null),
        );
      else finish(clean, finalHead);
    },
    mapError,
  });
  try {
    return buildResponse(ctx, finalHead, headers, body);
  } catch (e) {
    reusable = false;
    finish(false, null);
    throw e;
  }
}

/**
 * `fetch` over HTTP/1.1 on a mutls connection: `connect()`'s TLS options (`ca`, `cert`, `key` or
 * `signer`, `servername`, `authorizePeer`, ...) beside fetch's (`method`, `headers`, `body`,
 * `signal`), and a `transport` factory that opens the byte stream. Resolves with the runtime's
 * `Response` once the header section is in; the body streams. Rejects with a `TLSError` when TLS
 * fails (a refused client certificate, an untrusted server) and an `HttpError` for HTTP failures
 * and timeouts. Redirects are returned, not followed.
 */
export async function mtlsFetch(input: string | { readonly href: string } | RequestLike, init: MtlsRequestInit): Promise<ResponseLike> {
  if (typeof init !== "object" || init === null || typeof init.transport !== "function") {
    throw new UsageError("mtlsFetch needs init.transport, a function that opens the byte stream ({ hostname, port }) => Transport");
  }
  const globals = fetchGlobals();
  const request = prepareRequest(input, init, globals);
  const ctx: Context = { globals, request, options: init, limits: httpLimitsFrom(init.limits), schedule: init.scheduleTimeout ?? globalScheduleTimeout() };
  const signal = request.signal;
  if (signal?.aborted) throw abortReason(signal);

  const pooled = init.pool?.take(request.origin, (options) => sameTlsOptions(options as MtlsFetchOptions, init)) ?? null;
  if (pooled !== null) {
    try {
      return await exchange(ctx, pooled, true);
    } catch (e) {
      if (!(e instanceof StaleConnection)) throw e;
      // RFC 9112 §9.3.1: a request may be retried on a new connection when it is idempotent or its
      // body can be sent again and the server did not answer; a streamed body cannot.
      if (request.body !== null && !(request.body instanceof Uint8Array)) throw e.failure;
    }
  }
  const connection = await openConnection(ctx);
  if (signal?.aborted) {
    void connection.close();
    throw abortReason(signal);
  }
  try {
    return await exchange(ctx, connection, false);
  } catch (e) {
    throw e instanceof StaleConnection ? e.failure : e;
  }
}
