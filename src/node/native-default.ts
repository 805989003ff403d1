/**
 * The Node entry's defaults (issue 13: the fastest provider the runtime has): in Node, connections
 * made without `config.provider` use the native provider (node:crypto), for the engine's classes
 * as for `connect()`, `accept()`, `mtlsFetch()`, `connectTcp()` and `createMtlsServer()`. Only
 * Node code reaches this file (node/entry.ts, node/tcp.ts, the CLI), so a browser bundle of
 * `mutls` never carries node:crypto.
 */
import { ClientConnection as EngineClientConnection } from "../connection/client-connection.js";
import { ServerConnection as EngineServerConnection } from "../connection/server-connection.js";
import type { ClientConfig, ServerConfig } from "../handshake/config.js";
import { type MtlsRequestInit, mtlsFetch as engineMtlsFetch } from "../http/fetch.js";
import type { RequestLike, ResponseLike } from "../http/fetch-types.js";
import type { AcceptOptions, ConnectOptions } from "../transport/options.js";
import { type SecureConnection, accept as engineAccept, connect as engineConnect } from "../transport/secure-connection.js";
import type { Transport } from "../transport/transport.js";
import { withDefaultConfig, withDefaultInit, withDefaultProvider } from "../default-provider.js";
import { nativeProvider } from "./native-provider.js";

/** connect()/accept() options whose engine config has a provider: the native one when it names none. */
export function withNativeDefault<O extends { readonly config?: ClientConfig | ServerConfig }>(options: O): O {
  return withDefaultConfig(options, nativeProvider);
}

/** A TLS 1.3 client. The ClientHello is queued on construction: call `takeOutput()` first. */
export class ClientConnection extends EngineClientConnection {
  constructor(config: ClientConfig) {
    super(withDefaultProvider(config, nativeProvider));
  }
}

/** A TLS 1.3 server: feed it the client's bytes with `receive()`. */
export class ServerConnection extends EngineServerConnection {
  constructor(config: ServerConfig) {
    super(withDefaultProvider(config, nativeProvider));
  }
}

/** Runs a TLS 1.3 client handshake over `transport`; resolves once it completes. */
export function connect(transport: Transport, options: ConnectOptions): Promise<SecureConnection> {
  return engineConnect(transport, withNativeDefault(options));
}

/** Runs a TLS 1.3 server handshake over `transport`; resolves once it completes. */
export function accept(transport: Transport, options: AcceptOptions): Promise<SecureConnection> {
  return engineAccept(transport, withNativeDefault(options));
}

/** `fetch` over HTTP/1.1 on a mutls connection (http/fetch.ts). */
export function mtlsFetch(input: string | { readonly href: string } | RequestLike, init: MtlsRequestInit): Promise<ResponseLike> {
  return engineMtlsFetch(input, withDefaultInit(init, nativeProvider));
}
