/**
 * The `mutls` entry's defaults for connections made without `config.provider` (issue 13: the
 * fastest provider the runtime has). `connect()`, `accept()` and `mtlsFetch()` use the WebCrypto
 * provider where the runtime has `crypto.subtle` (its AES-GCM records go through the transport's
 * asynchronous pipeline), detected once per runtime, and the pure provider elsewhere. The engine's
 * synchronous classes keep the pure provider: they cannot wait for WebCrypto. In Node, the
 * package's Node entry (node/entry.ts) makes the same functions default to the native provider.
 * Every connection made through this entry also gets CRL checking (`crlChecking`), name-constraint
 * checking (`nameConstraintChecking`), client resumption (`clientResumption`: tickets, external
 * PSKs, 0-RTT), PEM/DER private-key reading (`privateKeyReading`), the credential hooks
 * (`credentialHooks`), post-handshake authentication (`postHandshakeAuthentication`), the
 * webpki certificate profile's rules (`webPkiProfile`), trust-anchor tables
 * (`trustAnchorPrecomputation`) and chain checks on an asynchronous provider
 * (`asyncChainVerification`), which `mutls/core` leaves out unless a config names them.
 *
 * The default is chosen here, at the entry point, and not in the engine, so that the core entry
 * (`mutls/core`, core.ts) imports no provider at all and a bundle carries only the algorithms the
 * application composes (crypto/compose.ts).
 */
import { ClientConnection as EngineClientConnection } from "./connection/client-connection.js";
import { ServerConnection as EngineServerConnection } from "./connection/server-connection.js";
import type { CryptoProvider } from "./crypto/provider.js";
import { pureProvider } from "./crypto/pure.js";
import { webCryptoProvider } from "./crypto/webcrypto/provider.js";
import { runtimeSubtle } from "./crypto/webcrypto/subtle.js";
import { crlChecking } from "./x509/crl.js";
import { nameConstraintChecking } from "./x509/name-constraint-checks.js";
import { privateKeyReading } from "./x509/private-key.js";
import { webPkiProfile } from "./x509/webpki-profile.js";
import { trustAnchorPrecomputation } from "./x509/trust-anchor.js";
import { asyncChainVerification } from "./handshake/client/sign-ahead.js";
import { clientResumption } from "./handshake/client/resumption.js";
import { credentialHooks } from "./handshake/credential-hooks.js";
import { postHandshakeAuthentication } from "./handshake/post-handshake-auth.js";
import type { ClientConfig, ServerConfig } from "./handshake/config.js";
import { type MtlsRequestInit, mtlsFetch as engineMtlsFetch } from "./http/fetch.js";
import type { ResponseLike, RequestLike } from "./http/fetch-types.js";
import type { AcceptOptions, ConnectOptions } from "./transport/options.js";
import { type SecureConnection, accept as engineAccept, connect as engineConnect } from "./transport/secure-connection.js";
import type { Transport } from "./transport/transport.js";

/**
 * Configs with a default provider filled in, by provider and by the caller's object: an engine
 * config is resolved once per object (handshake/config.ts), and a server's ticket keys live with
 * it, so the same object must always map to the same copy for the same provider.
 */
const withDefault = new WeakMap<CryptoProvider, WeakMap<object, object>>();
const NO_CONFIG = {};

function cached<T extends object>(provider: CryptoProvider, original: T, fill: (original: T) => T): T {
  let copies = withDefault.get(provider);
  if (copies === undefined) {
    copies = new WeakMap();
    withDefault.set(provider, copies);
  }
  let copy = copies.get(original) as T | undefined;
  if (copy === undefined) {
    copy = fill(original);
    copies.set(original, copy);
  }
  return copy;
}

/** Typed as the config field (signAhead optional there), so a config naming its own module fits `Defaulted`. */
const defaultAsyncChainVerification: NonNullable<ClientConfig["asyncChainVerification"]> = asyncChainVerification;

/** The optional modules every configuration made through this entry gets, by config field. */
const MODULES = {
  crlChecking,
  // A server config carries it too, unused: the entry cannot tell the two apart, and it costs nothing.
  clientResumption,
  nameConstraintChecking,
  privateKeyReading,
  credentialHooks,
  postHandshakeAuthentication,
  webPkiProfile,
  trustAnchorPrecomputation,
  asyncChainVerification: defaultAsyncChainVerification,
};
const MODULE_NAMES = Object.keys(MODULES) as (keyof typeof MODULES)[];

type Defaulted = { readonly provider?: CryptoProvider } & { readonly [K in keyof typeof MODULES]?: (typeof MODULES)[K] };

/** Whether `config` already names everything the entry would default. */
const complete = (config: Defaulted | undefined): boolean => config?.provider !== undefined && MODULE_NAMES.every((name) => config[name] !== undefined);

/**
 * `config` itself when it names a provider and every optional module, else a copy of it with what
 * it lacks: `provider` (the pure provider by default) and the modules.
 */
export function withDefaultProvider<C extends Defaulted>(config: C, provider: CryptoProvider = pureProvider): C {
  if (complete(config)) return config;
  return cached(provider, config, (c) => {
    const copy: Record<string, unknown> = { ...c, provider: c.provider ?? provider };
    for (const name of MODULE_NAMES) copy[name] = c[name] ?? MODULES[name];
    return copy as C;
  });
}

/** connect()/accept()/mtlsFetch() options whose engine config has a provider (`provider` when it names none) and CRL checking. */
export function withDefaultConfig<O extends { readonly config?: ClientConfig | ServerConfig }>(options: O, provider: CryptoProvider = pureProvider): O {
  if (complete(options.config)) return options;
  return cached(provider, options, (o) => ({ ...o, config: withDefaultProvider(o.config ?? NO_CONFIG, provider) }));
}

/** `mtlsFetch`'s init with `provider` when its config names none, and CRL checking. */
export function withDefaultInit(init: MtlsRequestInit, provider: CryptoProvider): MtlsRequestInit {
  // A fresh init per request is usual; the config copy is kept by the caller's config object, so
  // the connection pool still sees the same TLS options from one request to the next.
  const config = init?.config;
  if (typeof init !== "object" || init === null || complete(config)) return init;
  return { ...init, config: withDefaultProvider(config ?? NO_CONFIG, provider) };
}

let runtimeDefault: Promise<CryptoProvider> | null = null;

/**
 * The transport's default in this runtime: the WebCrypto provider where `crypto.subtle` exists
 * (created once: its detection probes each algorithm), else the pure provider.
 */
export function runtimeDefaultProvider(): Promise<CryptoProvider> {
  runtimeDefault ??= runtimeSubtle() === null ? Promise.resolve(pureProvider) : webCryptoProvider().catch((): CryptoProvider => pureProvider);
  return runtimeDefault;
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
export async function connect(transport: Transport, options: ConnectOptions): Promise<SecureConnection> {
  if (options.config?.provider !== undefined) return engineConnect(transport, withDefaultConfig(options));
  return engineConnect(transport, withDefaultConfig(options, await runtimeDefaultProvider()));
}

/** Runs a TLS 1.3 server handshake over `transport`; resolves once it completes. */
export async function accept(transport: Transport, options: AcceptOptions): Promise<SecureConnection> {
  if (options.config?.provider !== undefined) return engineAccept(transport, withDefaultConfig(options));
  return engineAccept(transport, withDefaultConfig(options, await runtimeDefaultProvider()));
}

/** `fetch` over HTTP/1.1 on a mutls connection (http/fetch.ts). */
export async function mtlsFetch(input: string | { readonly href: string } | RequestLike, init: MtlsRequestInit): Promise<ResponseLike> {
  if (init?.config?.provider !== undefined) return engineMtlsFetch(input, withDefaultInit(init, init.config.provider));
  return engineMtlsFetch(input, withDefaultInit(init, await runtimeDefaultProvider()));
}
