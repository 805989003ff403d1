/**
 * The other end of interop tests: Node's own `tls` (OpenSSL) as a one-connection server or a
 * client, reporting what it saw. Neither helper ever rejects; each settles within WAIT_MS, with a
 * timeout recorded as an error, and always closes what it opened.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { WAIT_MS } from "./pump.js";

/** An error Node reported: OpenSSL-derived code (ERR_SSL_...), or "timeout". */
export interface NodeError {
  code: string;
  message: string;
}

/** What Node observed on its side of one connection. */
export interface NodeOutcome {
  /** 'secureConnection' (server) / 'secureConnect' (client) fired. */
  secure: boolean;
  authorized: boolean;
  authorizationError: string | null;
  /** The peer's leaf certificate, DER, as Node parsed it. */
  peerCertificate: Uint8Array | null;
  /** SHA-256 fingerprint Node computed (AA:BB:... form). */
  peerFingerprint256: string | null;
  /** Negotiated cipher suite, IANA name. */
  cipher: string | null;
  protocol: string | null;
  alpnProtocol: string | null;
  /** Client only: the group of the ephemeral key exchange, as OpenSSL names it ("X25519", "prime256v1"). */
  ephemeralKeyName: string | null;
  /** Application data received, as text. */
  received: string;
  errors: NodeError[];
}

function emptyOutcome(): NodeOutcome {
  return {
    secure: false,
    authorized: false,
    authorizationError: null,
    peerCertificate: null,
    peerFingerprint256: null,
    cipher: null,
    protocol: null,
    alpnProtocol: null,
    ephemeralKeyName: null,
    received: "",
    errors: [],
  };
}

function toNodeError(e: Error): NodeError {
  const code = (e as NodeJS.ErrnoException).code;
  return { code: typeof code === "string" ? code : "unknown", message: e.message };
}

function recordSecureState(socket: tls.TLSSocket, outcome: NodeOutcome): void {
  outcome.secure = true;
  outcome.authorized = socket.authorized;
  outcome.authorizationError = socket.authorizationError ? String(socket.authorizationError) : null;
  const peer = socket.getPeerCertificate();
  if (peer && peer.raw) {
    outcome.peerCertificate = new Uint8Array(peer.raw);
    outcome.peerFingerprint256 = peer.fingerprint256;
  }
  outcome.cipher = socket.getCipher()?.standardName ?? null;
  outcome.protocol = socket.getProtocol();
  outcome.alpnProtocol = socket.alpnProtocol || null;
}

export interface NodeServerBehaviour {
  /** Sent as soon as the handshake completes. */
  greeting?: string;
}

/**
 * A Node TLS server on 127.0.0.1 (ephemeral port) accepting one connection. It sends `greeting`
 * after the handshake and collects what arrives until the peer's close_notify, which it answers.
 * `outcome` settles when that connection closes, a handshake error is reported, or WAIT_MS passes.
 */
export async function nodeServerOnce(
  options: tls.TlsOptions,
  behaviour: NodeServerBehaviour = {},
): Promise<{ port: number; outcome: Promise<NodeOutcome> }> {
  const server = tls.createServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const outcome = emptyOutcome();
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    server.close(); // one connection only; the accepted socket lives on
  });

  const settled = new Promise<NodeOutcome>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      server.close();
      for (const socket of sockets) socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      outcome.errors.push({ code: "timeout", message: `Node server saw no end within ${WAIT_MS} ms` });
      finish();
    }, WAIT_MS);
    server.on("tlsClientError", (e) => {
      outcome.errors.push(toNodeError(e));
      finish();
    });
    server.on("secureConnection", (socket) => {
      recordSecureState(socket, outcome);
      socket.setEncoding("utf8");
      socket.on("data", (text: string) => (outcome.received += text));
      socket.on("error", (e) => outcome.errors.push(toNodeError(e)));
      socket.on("close", finish);
      if (behaviour.greeting !== undefined) socket.write(behaviour.greeting);
    });
  });
  return { port, outcome: settled };
}

export interface NodeClientBehaviour {
  /** Sent as soon as the handshake completes. */
  send?: string;
  /** Once this many characters have arrived, end the connection (close_notify). */
  expect?: number;
}

/**
 * Connects Node's TLS client to 127.0.0.1:`port`, sends `send`, and ends once `expect` characters
 * arrived (or waits for the server to end it). Settles when the socket closes or after WAIT_MS.
 */
export function nodeClient(
  port: number,
  options: tls.ConnectionOptions,
  behaviour: NodeClientBehaviour = {},
): Promise<NodeOutcome> {
  const outcome = emptyOutcome();
  return new Promise<NodeOutcome>((resolve) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ...options });
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      outcome.errors.push({ code: "timeout", message: `Node client saw no end within ${WAIT_MS} ms` });
      finish();
    }, WAIT_MS);
    socket.on("secureConnect", () => {
      recordSecureState(socket, outcome);
      const keyInfo = socket.getEphemeralKeyInfo() as { name?: string } | null;
      outcome.ephemeralKeyName = keyInfo?.name ?? null;
      if (behaviour.send !== undefined) socket.write(behaviour.send);
    });
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      outcome.received += text;
      if (behaviour.expect !== undefined && outcome.received.length >= behaviour.expect) socket.end();
    });
    socket.on("error", (e) => outcome.errors.push(toNodeError(e)));
    socket.on("close", finish);
  });
}
