/**
 * `mutls client HOST:PORT`, like `openssl s_client`: a handshake summary on stderr, stdin to the
 * connection and the connection to stdout. At the end of stdin, or on Ctrl-C, it sends
 * close_notify and waits for the peer's (RFC 8446 §6.1); exits 0 on a clean close, 130 after
 * Ctrl-C, 1 with the reason on stderr when the connection fails, 2 for a bad command line or file.
 */
import * as net from "node:net";
import type { Readable, Writable } from "node:stream";
import { TLSError, type SecureConnection } from "../index.js";
import { connect } from "../node/native-default.js";
import { netTransport } from "../node/index.js";
import { type CommandSpec, type FlagSpec, UsageError, commaList, parseCipherSuites, parseFlags, parseGroups, parseHostPort } from "./args.js";
import { type ClientCertificateOutcome, describeClientCertificate, watchClientCertificate } from "./client-certificate-outcome.js";
import { credentialFlags } from "./credential-flags.js";
import { describeError, describeHandshake, describeIdentity, errorJson, handshakeJson, identityJson } from "./describe.js";
import { keepFirstBytes, notTlsExplanation } from "./first-bytes.js";
import { CLIENT_RESUMPTION_FLAGS, PSK_FLAGS, earlyDataOption, externalPskOption, refuseCertificateWithoutCa, sessionInOption, sessionStoreOption } from "./resumption-flags.js";
import { KEY_UPDATE_LINE, SESSION_FLAGS, describeExport, keyLogOption, parseExport, recordSizeLimitOption } from "./session-flags.js";

/** Flags for the handshake's algorithms, shared with `mutls server`. */
export const ALGORITHM_FLAGS: readonly FlagSpec[] = [
  { name: "alpn", value: "P,..", help: "ALPN protocols to offer (client) or accept (server), in preference order" },
  { name: "groups", value: "G,..", help: "key exchange groups in preference order: X25519MLKEM768, x25519, secp256r1 (P-256), secp384r1 (P-384)" },
  { name: "ciphers", value: "S,..", help: "TLS 1.3 cipher suites in preference order (commas or colons): TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256" },
];

export const CLIENT_SPEC: CommandSpec = {
  name: "client",
  operands: "HOST:PORT",
  summary:
    "Connects like openssl s_client: checks --cert/--key/--ca, runs a TLS 1.3 handshake, prints who the server proved to be and whether a client certificate was sent (stderr), then copies stdin to the connection and the connection to stdout. A line ^keyupdate^ on stdin sends a KeyUpdate. End of stdin or Ctrl-C sends close_notify.",
  flags: [
    { name: "cert", value: "FILE", help: "our certificate chain (PEM or DER, leaf first), sent when the server asks for one" },
    { name: "key", value: "FILE", help: "the private key of --cert (PKCS#8, SEC1 or PKCS#1; PEM or DER); must match the certificate" },
    { name: "ca", value: "FILE", help: "CA certificates the server's chain must lead to (PEM or DER); required unless --psk authenticates" },
    { name: "servername", value: "NAME", help: "the name sent as SNI and checked against the server's certificate (default: HOST)" },
    ...ALGORITHM_FLAGS,
    ...SESSION_FLAGS,
    { name: "post-handshake-auth", help: "offer post-handshake client authentication (RFC 8446 §4.6.2)" },
    ...CLIENT_RESUMPTION_FLAGS,
    ...PSK_FLAGS,
    { name: "json", help: "print the handshake result (or the failure) as one JSON object on stdout, before any data" },
  ],
};

export interface CommandIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: (line: string) => void;
}

const KEY_UPDATE_MARKER = Buffer.from(KEY_UPDATE_LINE + "\n");

/** Stdin to the connection; each line `^keyupdate^` becomes a KeyUpdate asking the peer to update too (RFC 8446 §4.6.3). */
async function copyStdinToConnection(stdin: Readable, connection: SecureConnection): Promise<void> {
  for await (const chunk of stdin) {
    let rest = Buffer.from(chunk instanceof Uint8Array ? chunk : String(chunk));
    for (let at = rest.indexOf(KEY_UPDATE_MARKER); at !== -1; at = rest.indexOf(KEY_UPDATE_MARKER)) {
      if (at > 0) await connection.write(rest.subarray(0, at));
      await connection.keyUpdate(true);
      rest = rest.subarray(at + KEY_UPDATE_MARKER.length);
    }
    if (rest.length > 0) await connection.write(rest);
  }
  await connection.closeWrite();
}

async function copyConnectionToStdout(connection: SecureConnection, stdout: Writable): Promise<void> {
  for (let chunk = await connection.read(); chunk !== null; chunk = await connection.read()) {
    if (!stdout.write(chunk)) await new Promise((resolve) => stdout.once("drain", resolve));
  }
}

/** Why the TCP connection failed, in words (a refused connection is not a TLS alert). */
function describeConnectError(e: unknown, host: string, port: number): string {
  const code = (e as { code?: string } | null)?.code;
  if (code === "ECONNREFUSED") return `connection refused: nothing listens on ${host}:${port}`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `cannot resolve host ${host}`;
  if (code === "ETIMEDOUT") return `no answer from ${host}:${port} (timed out)`;
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return `${host} is unreachable`;
  return e instanceof Error ? e.message : String(e);
}

/** Opens the TCP connection; the socket is ours so the first bytes the peer sends can be kept. */
function openTcp(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    socket.setNoDelay(true);
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

function writeJson(io: CommandIo, value: Record<string, unknown>): void {
  io.stdout.write(JSON.stringify(value) + "\n");
}

const certificateJson = (o: ClientCertificateOutcome): Record<string, unknown> => ({ requested: o.requested, sent: o.sent, heldBackReason: o.reason });

export async function clientCommand(argv: readonly string[], io: CommandIo, stop: Promise<void>): Promise<number> {
  const args = parseFlags(argv, CLIENT_SPEC);
  if (args.positional.length !== 1) throw new UsageError("mutls client needs one HOST:PORT (mutls client --help)");
  const { host, port } = parseHostPort(args.positional[0], "the server address");
  const json = args.switches.has("json");
  // Our own files first: a wrong key or an unreadable CA is found before any connection is made.
  const files = credentialFlags(args);
  const externalPsk = externalPskOption(args);
  if (files.ca === undefined && !externalPsk) throw new UsageError("--ca is required: mutls has no built-in root store (or authenticate with --psk-identity/--psk)");
  if (files.ca === undefined && externalPsk?.withCertificates) throw new UsageError("--psk-with-certs needs --ca: the server proves itself by certificate too");
  const exportRequest = parseExport(args);
  const watch = watchClientCertificate();
  // Read once, before connecting: with --sess-out naming the same file, a new ticket may replace it.
  const sessionIn = sessionInOption(args);
  const config = {
    groups: parseGroups(args.values.get("groups")),
    cipherSuites: parseCipherSuites(args.values.get("ciphers")),
    keyLog: keyLogOption(args),
    recordSizeLimit: recordSizeLimitOption(args),
    postHandshakeAuth: args.switches.has("post-handshake-auth"),
    sessionStore: sessionStoreOption(args, sessionIn),
    externalPsk,
    earlyData: earlyDataOption(args),
    verifyPeer: externalPsk && files.ca === undefined ? refuseCertificateWithoutCa : undefined,
    ...watch.config,
  };
  const configured = files.cert !== undefined;
  const subject = files.leaf?.subject.text;
  // The ALPN protocol the early data was written for: the --sess-in session's (RFC 8446 §4.2.10).
  const earlyDataWrittenFor = config.earlyData ? (sessionIn?.alpnProtocol ?? null) : null;

  const interrupted = stop.then(() => "interrupted" as const);
  let socket: net.Socket;
  try {
    const opened = await Promise.race([openTcp(host, port), interrupted]);
    if (opened === "interrupted") return 130;
    socket = opened;
  } catch (e) {
    const message = `cannot connect to ${host}:${port}: ${describeConnectError(e, host, port)}`;
    io.stderr(`mutls client: ${message}`);
    if (json) writeJson(io, { ok: false, role: "client", server: `${host}:${port}`, error: { alert: null, origin: "transport", message } });
    return 1;
  }
  const firstBytes = keepFirstBytes(socket);

  let connection: SecureConnection;
  try {
    const handshake = connect(netTransport(socket), {
      ca: files.ca,
      cert: files.cert,
      key: files.key,
      servername: args.values.get("servername") ?? host,
      ALPNProtocols: commaList(args.values.get("alpn")),
      config,
    });
    const done = await Promise.race([handshake, interrupted]);
    if (done === "interrupted") {
      socket.destroy();
      return 130;
    }
    connection = done;
  } catch (e) {
    if (e instanceof TypeError) throw new UsageError(e.message);
    const notTls = notTlsExplanation(firstBytes());
    const outcome = watch.outcome();
    const failure = notTls ?? (e instanceof TLSError ? describeError(e) : e instanceof Error ? e.message : String(e));
    io.stderr(`mutls client: handshake with ${host}:${port} failed: ${failure}`);
    if (outcome.requested && !outcome.sent) io.stderr(`mutls client: ${describeClientCertificate(outcome, configured, subject)}`);
    if (json) {
      const error = notTls !== null ? { alert: null, origin: "peer", message: notTls } : e instanceof TLSError ? errorJson(e) : { alert: null, origin: "local", message: failure };
      writeJson(io, { ok: false, role: "client", server: `${host}:${port}`, error, clientCertificate: certificateJson(outcome) });
    }
    // connect() has closed the transport: our alert and FIN are out, and the socket reads until
    // the server's FIN (net-transport.ts), so that the server, still writing, reads our alert.
    return 1;
  }

  const outcome = watch.outcome();
  io.stderr(`mutls client: connected to ${host}:${port}: ${describeHandshake(connection.handshake)}`);
  const psk = connection.handshake.pskIdentity;
  if (psk !== null && connection.peer !== null) io.stderr(`mutls client: server ${describeIdentity(connection.peer)}, verified against --ca, and PSK identity "${psk}" (RFC 8773)`);
  else if (psk !== null) io.stderr(`mutls client: server authenticated by PSK identity "${psk}"`);
  else io.stderr(`mutls client: server ${describeIdentity(connection.peer)}, verified against --ca`);
  io.stderr(`mutls client: ${describeClientCertificate(outcome, configured, subject)}`);
  if (config.sessionStore) io.stderr(`mutls client: resumed: ${connection.handshake.resumed ? "yes" : "no"}`);
  if (json) {
    writeJson(io, {
      ok: true,
      role: "client",
      server: `${host}:${port}`,
      ...handshakeJson(connection.handshake),
      peer: identityJson(connection.peer),
      clientCertificate: certificateJson(outcome),
    });
  }
  if (config.earlyData) {
    const outcome = connection.handshake.earlyData;
    // §4.2.10: data the server did not take as 0-RTT goes as ordinary data now, unless it was
    // sent as 0-RTT under the session's ALPN protocol and the server then chose another: "A TLS
    // implementation MUST NOT automatically resend early data unless the negotiated connection
    // selects the same ALPN protocol."
    const writtenFor = earlyDataWrittenFor;
    const chosen = connection.handshake.alpnProtocol;
    if (outcome === "accepted") io.stderr("mutls client: early data: accepted");
    else if (outcome === "none") io.stderr("mutls client: early data: none (sent after the handshake)");
    else if (chosen === writtenFor) io.stderr("mutls client: early data: rejected (sent again after the handshake)");
    else io.stderr(`mutls client: early data: rejected, not sent again: written for ALPN ${writtenFor ?? "none"}, and the server chose ${chosen ?? "none"} (RFC 8446 §4.2.10)`);
    if (outcome === "none" || (outcome === "rejected" && chosen === writtenFor)) await connection.write(config.earlyData);
  }
  if (exportRequest) io.stderr(`mutls client: ${describeExport(connection, exportRequest)}`);

  // Sending ends with our close_notify; receiving ends with the peer's. When the peer closes
  // first, stdin no longer matters: we answer with our close_notify and stop. Ctrl-C closes too.
  const sending = copyStdinToConnection(io.stdin, connection);
  sending.catch(() => undefined);
  try {
    const ended = await Promise.race([copyConnectionToStdout(connection, io.stdout), interrupted]);
    if (ended === "interrupted") {
      io.stderr("mutls client: interrupted: sending close_notify");
      await connection.close();
      return 130;
    }
    await connection.close();
    io.stderr("mutls client: closed cleanly (close_notify both ways)");
    return 0;
  } catch (e) {
    if (!(e instanceof TLSError)) throw e;
    io.stderr(`mutls client: connection failed: ${describeError(e)}`);
    await connection.close();
    return 1;
  } finally {
    io.stdin.destroy();
  }
}
