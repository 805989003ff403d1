/**
 * mutls: a sans-I/O TLS 1.3 engine for client and server, built around mutual authentication.
 * The public surface is deliberately small; see README.md for examples.
 *
 * It is `mutls/core` (core.ts) plus the default provider for every connection made without
 * `provider` (default-provider.ts), so the config types here leave `provider` optional, and the
 * pure provider itself. Names exported here take precedence over the core's of the same name
 * (ECMAScript: a local export shadows `export *`). The HTTP client is `mutls/fetch` (fetch.ts) and
 * the development CA `mutls/ca` (ca.ts).
 */
export * from "./core.js";
export { ClientConnection, ServerConnection, connect, accept } from "./default-provider.js";
export type { ClientConfig, ServerConfig } from "./handshake/config.js";
export type { ConnectOptions, AcceptOptions } from "./transport/options.js";
export { pureProvider, createPureProvider, type PureProviderOptions } from "./crypto/pure.js";
