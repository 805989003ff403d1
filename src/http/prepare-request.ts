/**
 * mtlsFetch's input and init as one request to send: the URL checked and split, the method
 * normalised as fetch does, headers through the runtime's Headers and then our own checks, and the
 * body as bytes (sent with Content-Length) or a stream (sent chunked).
 */
import type { ReadableStream } from "../transport/stream-types.js";
import type { AbortSignalLike, BodyInitLike, FetchGlobals, HeadersInitLike, RequestLike } from "./fetch-types.js";
import { HttpError } from "./http-error.js";
import { checkRequestField } from "./request-head.js";

export interface PreparedRequest {
  readonly href: string;
  /** The host to reach, without IPv6 brackets: also the default server name. */
  readonly hostname: string;
  readonly port: number;
  /** Pool key: one origin per host and port. */
  readonly origin: string;
  readonly method: string;
  readonly target: string;
  readonly host: string;
  readonly fields: readonly (readonly [string, string])[];
  readonly body: Uint8Array | ReadableStream<Uint8Array> | null;
  readonly signal: AbortSignalLike | null;
}

export interface RequestFields {
  readonly method?: string;
  readonly headers?: HeadersInitLike;
  readonly body?: BodyInitLike | null;
  readonly signal?: AbortSignalLike | null;
}

function invalid(message: string): never {
  throw new HttpError("invalid_request", message);
}

function isRequestLike(input: unknown): input is RequestLike {
  const r = input as Partial<RequestLike> | null;
  return typeof r === "object" && r !== null && typeof r.url === "string" && typeof r.method === "string" && typeof r.headers === "object";
}

export function isStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof body === "object" && body !== null && typeof (body as { getReader?: unknown }).getReader === "function";
}

/** Fetch normalises these methods to upper case (WHATWG Fetch §2.2.1); others are sent as given. */
const NORMALISED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);
/** Forbidden methods (WHATWG Fetch §2.2.1): CONNECT would turn the connection into a tunnel. */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

function normaliseMethod(method: string): string {
  const upper = method.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) invalid(`mtlsFetch does not send ${upper} requests`);
  return NORMALISED_METHODS.has(upper) ? upper : method;
}

function bodyBytes(body: BodyInitLike, globals: FetchGlobals): Uint8Array | ReadableStream<Uint8Array> {
  if (typeof body === "string") return new globals.TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (isStream(body)) return body;
  return invalid("the body must be a string, bytes (Uint8Array, ArrayBuffer or a view) or a ReadableStream of bytes");
}

export function prepareRequest(input: string | { readonly href: string } | RequestLike, init: RequestFields, globals: FetchGlobals): PreparedRequest {
  const request = isRequestLike(input) ? input : null;
  const href = request !== null ? request.url : typeof input === "string" ? input : (input as { readonly href: string }).href;
  let url;
  try {
    url = new globals.URL(href);
  } catch {
    return invalid(`invalid URL ${JSON.stringify(href)}`);
  }
  if (url.protocol !== "https:") invalid(`mtlsFetch speaks only https: URLs, not ${url.protocol}`);
  if (url.username !== "" || url.password !== "") invalid("a URL with credentials (user:password@) is refused, as fetch does");
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === "" ? 443 : Number(url.port);

  const method = normaliseMethod(init.method ?? request?.method ?? "GET");
  const fields: [string, string][] = [];
  let host = url.host;
  new globals.Headers(init.headers ?? request?.headers).forEach((value, name) => {
    checkRequestField(name, value);
    if (name === "host") host = value;
    else fields.push([name, value]);
  });

  const given = init.body !== undefined ? init.body : (request?.body ?? null);
  const body = given === null ? null : bodyBytes(given, globals);
  if (body !== null && (method === "GET" || method === "HEAD")) invalid(`a ${method} request cannot have a body`);
  // Fetch's default for a string body (WHATWG Fetch §5 "extract a body").
  if (typeof given === "string" && !fields.some(([name]) => name === "content-type")) fields.push(["content-type", "text/plain;charset=UTF-8"]);

  return {
    href: url.href,
    hostname,
    port,
    origin: `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`,
    method,
    target: `${url.pathname}${url.search}`,
    host,
    fields,
    body,
    signal: init.signal !== undefined ? init.signal : (request?.signal ?? null),
  };
}
