/** HTTP/1.1 over mutls: mtlsFetch, its connection pool and its errors. */
export { mtlsFetch, type MtlsFetchOptions, type MtlsRequestInit, type TransportFactory, type TransportOrigin } from "./fetch.js";
export { ConnectionPool, createConnectionPool, type ConnectionPoolOptions } from "./connection-pool.js";
export { HttpError, type HttpErrorCode } from "./http-error.js";
export { DEFAULT_HTTP_LIMITS, type HttpLimits } from "./limits.js";
export type { AbortSignalLike, BodyInitLike, HeadersInitLike, HeadersLike, RequestLike, ResponseLike } from "./fetch-types.js";
