import * as net from "node:net";
import { AlertDescription, TLSError } from "../bytes/index.js";
import { resolveConfig } from "../handshake/config.js";
import { type AcceptOptions, type ConnectOptions, serverConfigFrom } from "../transport/options.js";
import { accept, connect, withNativeDefault } from "./native-default.js";
import type { SecureConnection } from "../transport/secure-connection.js";
import { netTransport } from "./net-transport.js";

export interface TcpConnectOptions extends ConnectOptions {
  readonly host: string;
  readonly port: number;
}

/** Opens a TCP connection and runs a TLS 1.3 client handshake on it. `servername` defaults to `host`. */
export async function connectTcp(options: TcpConnectOptions): Promise<SecureConnection> {
  const socket = net.connect({ host: options.host, port: options.port, allowHalfOpen: true });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    const refused = (e: Error & { code?: string }): void => {
      // Every failure is a TLSError; origin "transport": no alert reaches a peer we never reached.
      const why = e.code === "ECONNREFUSED" ? `connection refused, nothing listens there (${e.message})` : e.message;
      reject(new TLSError(AlertDescription.internal_error, `cannot connect to ${options.host}:${options.port}: ${why}; is the server running and reachable?`, "transport"));
    };
    socket.once("connect", () => {
      socket.off("error", refused);
      resolve();
    });
    socket.once("error", refused);
  });
  return connect(netTransport(socket), { ...options, servername: options.servername ?? options.host });
}

/** Where a connection came from, for logs. */
export interface RemoteEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface MtlsServerOptions extends AcceptOptions {
  /** Called when a connection's handshake fails (the client is refused); default: ignored. */
  readonly onHandshakeError?: (error: TLSError, remote: RemoteEndpoint) => void;
}

export interface MtlsServer {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string, options?: { backlog?: number }): Promise<RemoteEndpoint>;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
  /** The bound address, once listening. */
  readonly address: RemoteEndpoint | null;
  /**
   * Replaces the certificate, key, trust anchors or any other accept option for the connections
   * accepted from now on, as Node's `server.setSecureContext` does: `update` is merged over the
   * current options, checked whole (a key that does not match its certificate, an unreadable
   * PEM), and only then swapped in, atomically; if the check fails it throws UsageError and the
   * server keeps what it had. Connections in flight keep the options they started with. Tickets
   * issued before are not resumed after (each options object has its own ticket keys), so a
   * resumed client is always checked against the trust anchors in force.
   */
  setSecureContext(update: Partial<AcceptOptions>): void;
}

/**
 * A TCP server that runs a TLS 1.3 handshake, with the client authentication `options` ask for, on
 * every accepted connection and hands each established connection to `onConnection`.
 */
export function createMtlsServer(
  options: MtlsServerOptions,
  onConnection: (connection: SecureConnection, remote: RemoteEndpoint) => void,
): MtlsServer {
  // Options that cannot work (a missing key, requestCert without ca) fail here, not per connection.
  resolveConfig(serverConfigFrom(withNativeDefault(options)));
  /** What new connections are accepted with; replaced whole by setSecureContext. */
  let current: MtlsServerOptions = options;
  const open = new Set<net.Socket>();
  const sessions = new Set<SecureConnection>();
  // allowHalfOpen: a client's FIN after its close_notify must not end our direction (RFC 8446 §6.1).
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.setNoDelay(true);
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    const remote = { address: socket.remoteAddress ?? "?", port: socket.remotePort ?? 0 };
    const acceptedWith = current;
    accept(netTransport(socket), acceptedWith).then(
      (connection) => {
        sessions.add(connection);
        socket.once("close", () => sessions.delete(connection));
        onConnection(connection, remote);
      },
      (e: unknown) => {
        const error = e instanceof TLSError ? e : new TLSError(AlertDescription.internal_error, `internal error: ${e instanceof Error ? e.message : String(e)}`);
        acceptedWith.onHandshakeError?.(error, remote);
      },
    );
  });
  let address: RemoteEndpoint | null = null;
  return {
    get address() {
      return address;
    },
    listen(port, host, options = {}) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        // Node's default backlog (511) drops a burst of simultaneous connects; let busy servers raise it.
        server.listen({ port, host, backlog: options.backlog }, () => {
          server.off("error", reject);
          const bound = server.address() as net.AddressInfo;
          address = { address: bound.address, port: bound.port };
          resolve(address);
        });
      });
    },
    setSecureContext(update) {
      const next: MtlsServerOptions = { ...current, ...update };
      resolveConfig(serverConfigFrom(withNativeDefault(next)));
      current = next;
    },
    async close() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...sessions].map((s) => s.close()));
      for (const socket of open) socket.destroy();
      await stopped;
    },
  };
}
