/**
 * Two mutls connections joined in memory and driven synchronously (the signers are synchronous),
 * the way a transport would: move bytes until both sides are quiet. Every loop is bounded.
 */
import { ClientConnection, ServerConnection, type CryptoProvider } from "../../src/index.js";
import type { BenchCredentials } from "./credentials.js";

type ClientConfig = ConstructorParameters<typeof ClientConnection>[0];
type ServerConfig = ConstructorParameters<typeof ServerConnection>[0];

export interface PairOptions {
  readonly provider?: CryptoProvider;
  readonly cipherSuites?: ClientConfig["cipherSuites"];
  readonly client?: Partial<ClientConfig>;
  readonly server?: Partial<ServerConfig>;
}

export interface Pair {
  readonly client: ClientConnection;
  readonly server: ServerConnection;
}

export function newServer(creds: BenchCredentials, opts: PairOptions = {}): ServerConnection {
  return new ServerConnection(serverConfig(creds, opts));
}

export function newClient(creds: BenchCredentials, opts: PairOptions = {}): ClientConnection {
  return new ClientConnection(clientConfig(creds, opts));
}

/** The server's configuration: a long-lived server builds this once and reuses it per connection. */
export function serverConfig(creds: BenchCredentials, opts: PairOptions = {}): ServerConfig {
  return {
    certificateChain: creds.serverCert,
    privateKey: creds.serverKey,
    clientAuth: "require",
    trustAnchors: creds.ca,
    ...(opts.provider ? { provider: opts.provider } : {}),
    ...opts.server,
  };
}

/** The client's configuration, likewise built once per client. */
export function clientConfig(creds: BenchCredentials, opts: PairOptions = {}): ClientConfig {
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

/** Moves bytes both ways until neither side has output. */
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

/** A fresh pair with a completed mutual handshake. */
export function establishedPair(creds: BenchCredentials, opts: PairOptions = {}): Pair {
  return establishedPairFrom(clientConfig(creds, opts), serverConfig(creds, opts));
}

/** A fresh pair of connections made from existing configurations, with a completed handshake. */
export function establishedPairFrom(client: ClientConfig, server: ServerConfig): Pair {
  const pair = { server: new ServerConnection(server), client: new ClientConnection(client) };
  pump(pair);
  if (!pair.client.handshakeComplete || !pair.server.handshakeComplete) {
    throw new Error(`handshake did not complete: ${pair.client.error?.message ?? pair.server.error?.message ?? "no error"}`);
  }
  return pair;
}
