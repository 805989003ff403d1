/**
 * The `mutls` entry's defaults: connections made without `config.provider` use the pure provider,
 * and CRL checking (`crlChecking`) is always available.
 * The default is chosen here, at the entry point, and not in the engine, so that the core entry
 * (`mutls/core`, core.ts) imports no provider at all and a bundle carries only the algorithms the
 * application composes (crypto/compose.ts).
 */
import { ClientConnection as EngineClientConnection } from "./connection/client-connection.js";
import { ServerConnection as EngineServerConnection } from "./connection/server-connection.js";
import type { CryptoProvider } from "./crypto/provider.js";
import type { CrlChecking } from "./x509/crl.js";
import { pureProvider } from "./crypto/pure.js";
import { crlChecking } from "./x509/crl.js";
import type { ClientConfig, ServerConfig } from "./handshake/config.js";
import { type MtlsRequestInit, mtlsFetch as engineMtlsFetch } from "./http/fetch.js";
import type { ResponseLike, RequestLike } from "./http/fetch-types.js";
import type { AcceptOptions, ConnectOptions } from "./transport/options.js";
import { type SecureConnection, accept as engineAccept, connect as engineConnect } from "./transport/secure-connection.js";
import type { Transport } from "./transport/transport.js";

/**
 * Configs with the default filled in, by the caller's object: an engine config is resolved once per
 * object (handshake/config.ts), and a server's ticket keys live with it, so the same object must
 * always map to the same copy.
 */
const withDefault = new WeakMap<object, object>();
const NO_CONFIG = {};

function cached<T extends object>(original: T, fill: (original: T) => T): T {
  let copy = withDefault.get(original) as T | undefined;
  if (copy === undefined) {
    copy = fill(original);
    withDefault.set(original, copy);
  }
  return copy;
}

type Defaulted = { readonly provider?: CryptoProvider; readonly crlChecking?: CrlChecking };

/** Whether `config` already names everything the entry would default. */
const complete = (config: Defaulted | undefined): boolean => config?.provider !== undefined && config.crlChecking !== undefined;

/** `config` itself when it names a provider and CRL checking, else a copy of it with the pure provider and crlChecking. */
export function withDefaultProvider<C extends Defaulted>(config: C): C {
  return complete(config) ? config : cached(config, (c) => ({ ...c, provider: c.provider ?? pureProvider, crlChecking: c.crlChecking ?? crlChecking }));
}

/** connect()/accept()/mtlsFetch() options whose engine config has a provider and CRL checking. */
export function withDefaultConfig<O extends { readonly config?: ClientConfig | ServerConfig }>(options: O): O {
  if (complete(options.config)) return options;
  return cached(options, (o) => ({ ...o, config: withDefaultProvider(o.config ?? NO_CONFIG) }));
}

/** A TLS 1.3 client. The ClientHello is queued on construction: call `takeOutput()` first. */
export class ClientConnection extends EngineClientConnection {
  constructor(config: ClientConfig) {
    super(withDefaultProvider(config));
  }
}

/** A TLS 1.3 server: feed it the client's bytes with `receive()`. */
export class ServerConnection extends EngineServerConnection {
  constructor(config: ServerConfig) {
    super(withDefaultProvider(config));
  }
}

/** Runs a TLS 1.3 client handshake over `transport`; resolves once it completes. */
export function connect(transport: Transport, options: ConnectOptions): Promise<SecureConnection> {
  return engineConnect(transport, withDefaultConfig(options));
}

/** Runs a TLS 1.3 server handshake over `transport`; resolves once it completes. */
export function accept(transport: Transport, options: AcceptOptions): Promise<SecureConnection> {
  return engineAccept(transport, withDefaultConfig(options));
}

/** `fetch` over HTTP/1.1 on a mutls connection (http/fetch.ts). */
export function mtlsFetch(input: string | { readonly href: string } | RequestLike, init: MtlsRequestInit): Promise<ResponseLike> {
  // A fresh init per request is usual; the config copy is kept by the caller's config object, so
  // the connection pool still sees the same TLS options from one request to the next.
  const config = init?.config;
  return engineMtlsFetch(
    input,
    complete(config) || typeof init !== "object" || init === null ? init : { ...init, config: withDefaultProvider(config ?? NO_CONFIG) },
  );
}
