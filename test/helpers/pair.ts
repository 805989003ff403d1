/**
 * One ClientConnection and one ServerConnection joined in memory: the pair builder every test and
 * benchmark uses. The default is a mutual handshake (the server requires a client certificate,
 * both sides trust the same CA); options change either side.
 *
 * This file reads no fixture and imports nothing Node-specific, so bench/ (bundled by esbuild into
 * bench/.out/) can use it too: tests pass `mutualCredentials()` from fixtures.ts, the bench its
 * own `benchCredentials()`. `pump` and `establishedPair` are synchronous (no asynchronous signer);
 * tests that need one, or want every TLSError recorded instead of thrown, move the bytes with
 * `pumpMemory` (pump.ts) instead.
 */
import { ClientConnection, ServerConnection, type CryptoProvider } from "../../src/index.js";

export type ClientConfig = ConstructorParameters<typeof ClientConnection>[0];
export type ServerConfig = ConstructorParameters<typeof ServerConnection>[0];

/** PEM text for a mutual handshake: the CA both sides trust, and each side's chain and key. */
export interface MutualCredentials {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

export interface PairOptions {
  readonly provider?: CryptoProvider;
  /** The client's offer (the server keeps its default list unless `server` says otherwise). */
  readonly cipherSuites?: ClientConfig["cipherSuites"];
  /** Spread last over the client's configuration. */
  readonly client?: Partial<ClientConfig>;
  /** Spread last over the server's configuration. */
  readonly server?: Partial<ServerConfig>;
}

export interface Pair {
  readonly client: ClientConnection;
  readonly server: ServerConnection;
}

/** The server's configuration: it requires a client certificate. A long-lived server builds this once. */
export function serverConfig(creds: MutualCredentials, opts: PairOptions = {}): ServerConfig {
  return {
    certificateChain: creds.serverCert,
    privateKey: creds.serverKey,
    clientAuth: "require",
    trustAnchors: creds.ca,
    ...(opts.provider ? { provider: opts.provider } : {}),
    ...opts.server,
  };
}

/** The client's configuration: it names the server "localhost" (the fixtures' SAN) and has a certificate. */
export function clientConfig(creds: MutualCredentials, opts: PairOptions = {}): ClientConfig {
  return {
    serverName: "localhost",
    trustAnchors: creds.ca,
    certificateChain: creds.clientCert,
    privateKey: creds.clientKey,
    ...(opts.provider ? { provider: opts.provider } : {}),
    ...(opts.cipherSuites ? { cipherSuites: opts.cipherSuites } : {}),
    ...opts.client,
  };
}

/** A fresh pair, nothing exchanged yet. */
export function newPair(creds: MutualCredentials, opts: PairOptions = {}): Pair {
  return pairFrom(clientConfig(creds, opts), serverConfig(creds, opts));
}

/** A fresh pair made from existing configurations, nothing exchanged yet. */
export function pairFrom(client: ClientConfig, server: ServerConfig): Pair {
  return { server: new ServerConnection(server), client: new ClientConnection(client) };
}

/** Moves bytes both ways until neither side has output. A TLSError from `receive` propagates. */
export function pump(pair: Pair, maxRounds = 100): void {
  const { client, server } = pair;
  for (let round = 0; round < maxRounds; round++) {
    const toServer = client.takeOutput();
    if (toServer !== null) server.receive(toServer);
    const toClient = server.takeOutput();
    if (toClient !== null) client.receive(toClient);
    if (toServer === null && toClient === null) return;
  }
  throw new Error(`pump: still exchanging bytes after ${maxRounds} rounds`);
}

/** A fresh pair with a completed handshake. */
export function establishedPair(creds: MutualCredentials, opts: PairOptions = {}): Pair {
  return establishedPairFrom(clientConfig(creds, opts), serverConfig(creds, opts));
}

/** A fresh pair made from existing configurations, with a completed handshake. */
export function establishedPairFrom(client: ClientConfig, server: ServerConfig): Pair {
  const pair = pairFrom(client, server);
  pump(pair);
  if (!pair.client.handshakeComplete || !pair.server.handshakeComplete) {
    throw new Error(`handshake did not complete: ${pair.client.error?.message ?? pair.server.error?.message ?? "no error"}`);
  }
  return pair;
}
