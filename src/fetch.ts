/**
 * mutls/fetch: `mtlsFetch` (HTTP/1.1 over a mutual-TLS connection), its connection pool and its
 * errors. Without `config.provider`, `mtlsFetch` uses the same default as the `mutls` entry in
 * this runtime (default-provider.ts; in Node, node/fetch.ts: the native provider). Applications on
 * `mutls/core` use `mutls/fetch/core` (fetch-core.ts), where a provider is required. Names
 * exported here take precedence over fetch-core.ts's (a local export shadows `export *`).
 */
export * from "./fetch-core.js";
export { mtlsFetch } from "./default-provider.js";
export type { MtlsRequestInit } from "./http/index.js";
