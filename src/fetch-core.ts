/**
 * mutls/fetch/core: the HTTP client for applications on `mutls/core`. `mtlsFetch` here has no
 * default provider (its `config.provider` is required, as the core's `connect()`'s is), so a bundle
 * carries only the algorithms the application composes. `mutls/fetch` (fetch.ts) is this surface
 * with the `mutls` entry's defaults.
 *
 * The HTTP client is a tool built on the TLS engine, kept out of `mutls` and `mutls/core` so a
 * runtime that compiles every imported module (Moddable XS) does not pay for it unless it fetches.
 */
import type { MtlsRequestInit as AnyMtlsRequestInit } from "./http/fetch.js";
import { mtlsFetch as engineMtlsFetch } from "./http/fetch.js";
import type { RequestLike, ResponseLike } from "./http/fetch-types.js";
import type { ClientConfig } from "./core.js";

export type MtlsRequestInit = AnyMtlsRequestInit & { readonly config: ClientConfig };

/** `fetch` over HTTP/1.1 on a mutls connection; `init.config.provider` is required. */
export const mtlsFetch: (input: string | { readonly href: string } | RequestLike, init: MtlsRequestInit) => Promise<ResponseLike> = engineMtlsFetch;

export {
  createConnectionPool,
  ConnectionPool,
  HttpError,
  DEFAULT_HTTP_LIMITS,
  type MtlsFetchOptions,
  type TransportFactory,
  type TransportOrigin,
  type ConnectionPoolOptions,
  type HttpErrorCode,
  type HttpLimits,
  type ResponseLike,
  type RequestLike,
  type HeadersLike,
  type HeadersInitLike,
  type BodyInitLike,
  type AbortSignalLike,
} from "./http/index.js";
