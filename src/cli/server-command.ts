/**
 * `mutls server --listen HOST:PORT`, like `openssl s_server`: one stderr line per connection with
 * the client's identity or why it was refused; `--echo` sends application data back, `--http`
 * answers HTTP requests with the client's identity (like `s_server -www`), otherwise data goes to
 * stdout. Runs until SIGINT or SIGTERM. Start-up problems (files, the address) exit 2. New
 * --cert/--key/--ca files are picked up while it runs (credential-reload.ts).
 */
import type { Writable } from "node:stream";
import { TLSError, type AcceptOptions, type SecureConnection } from "../index.js";
import { createMtlsServer, type MtlsServer, type RemoteEndpoint } from "../node/index.js";
import { type CommandSpec, type ParsedArgs, UsageError, commaList, parseCipherSuites, parseFlags, parseGroups, parseHostPort } from "./args.js";
import { ALGORITHM_FLAGS, type CommandIo } from "./client-command.js";
import { credentialFlags } from "./credential-flags.js";
import { reloadCredentialsOnChange } from "./credential-reload.js";
import { describeError, describeHandshake, describeIdentity, errorJson, handshakeJson, identityJson } from "./describe.js";
import { serveHttpIdentity } from "./http-identity.js";
import { PSK_FLAGS, SERVER_EARLY_DATA_BYTES, SERVER_RESUMPTION_FLAGS, externalPskOption, ticketsOption } from "./resumption-flags.js";
import { SESSION_FLAGS, describeExport, keyLogOption, parseExport, recordSizeLimitOption } from "./session-flags.js";

export const SERVER_SPEC: CommandSpec = {
  name: "server",
  summary:
    "Serves like openssl s_server: checks --cert/--key/--ca and the address at start-up, then prints one line per connection on stderr (the client's identity, or why it was refused). Data from clients goes to stdout unless --echo or --http. Runs until Ctrl-C or SIGTERM. Reloads --cert/--key/--ca when the files change or on SIGHUP, for new connections; a bad new file keeps the old ones, and the log says why.",
  flags: [
    { name: "listen", value: "HOST:PORT", help: "the address to listen on (required; port 0 picks a free port, printed at start)" },
    { name: "cert", value: "FILE", help: "the server's certificate chain (PEM or DER, leaf first)" },
    { name: "key", value: "FILE", help: "the private key of --cert (PKCS#8, SEC1 or PKCS#1; PEM or DER); must match the certificate" },
    { name: "ca", value: "FILE", help: "CA certificates client certificates must lead to; needed to ask for client certificates" },
    { name: "require-client-cert", help: "refuse clients without a certificate that chains to --ca (mutual TLS)" },
    { name: "request-client-cert", help: "ask for a client certificate, verify it when sent, accept clients without one" },
    { name: "echo", help: "send each client's data back to it" },
    { name: "http", help: "answer HTTP/1.1 requests with the identity the client proved, as JSON (like s_server -www); ALPN http/1.1 unless --alpn" },
    ...ALGORITHM_FLAGS,
    ...SESSION_FLAGS,
    { name: "post-handshake-auth", help: "ask a client that sent no certificate for one after the handshake (RFC 8446 §4.6.2); needs --ca" },
    ...SERVER_RESUMPTION_FLAGS,
    ...PSK_FLAGS,
    { name: "json", help: "print each connection's handshake result (or refusal) as one JSON object per line on stdout" },
  ],
};

const at = (remote: RemoteEndpoint): string => `${remote.address}:${remote.port}`;

/** Echoes (or prints) one connection's data until the client's close_notify, then closes our side. */
async function serveConnection(connection: SecureConnection, echo: boolean, stdout: Writable): Promise<void> {
  for (let chunk = await connection.read(); chunk !== null; chunk = await connection.read()) {
    if (echo) await connection.write(chunk);
    else if (!stdout.write(chunk)) await new Promise((resolve) => stdout.once("drain", resolve));
  }
  await connection.close();
}

/** `--post-handshake-auth`: ask a client that authenticated with no certificate for one now (RFC 8446 §4.6.2). */
function requestCertificateAfterHandshake(connection: SecureConnection, who: string, io: CommandIo): void {
  connection.requestClientCertificate().then(
    (identity) => io.stderr(`mutls server: ${who} post-handshake authentication: client ${describeIdentity(identity)}`),
    (e: unknown) => io.stderr(`mutls server: ${who} post-handshake authentication failed: ${e instanceof TLSError ? describeError(e) : e instanceof Error ? e.message : String(e)}`),
  );
}

function clientAuthOptions(args: ParsedArgs): Pick<AcceptOptions, "requestCert" | "config"> {
  const require = args.switches.has("require-client-cert");
  const request = args.switches.has("request-client-cert");
  if (require && request) throw new UsageError("choose one of --require-client-cert and --request-client-cert");
  if ((require || request) && !args.values.has("ca")) throw new UsageError(`--${require ? "require" : "request"}-client-cert needs --ca to verify client certificates against`);
  // "request" still verifies a certificate the client chooses to send; it only accepts none.
  return { config: { clientAuth: require ? "require" : request ? "request" : "none" } };
}

/** Who the client proved to be: its certificate, its PSK identity, or both (RFC 8773). */
function describeClient(connection: SecureConnection): string {
  const psk = connection.handshake.pskIdentity;
  if (psk === null) return describeIdentity(connection.peer);
  return connection.peer === null ? `PSK identity "${psk}"` : `${describeIdentity(connection.peer)} and PSK identity "${psk}" (RFC 8773)`;
}

/** Binds, turning the address problems a user can fix into one line naming --listen. */
async function listenOn(server: MtlsServer, listen: string, host: string, port: number): Promise<RemoteEndpoint> {
  try {
    return await server.listen(port, host);
  } catch (e) {
    const code = (e as { code?: string } | null)?.code;
    if (code === "EADDRINUSE") throw new UsageError(`--listen ${listen}: the address is already in use (another process listens there)`);
    if (code === "EACCES") throw new UsageError(`--listen ${listen}: permission denied (ports below 1024 need privileges)`);
    if (code === "EADDRNOTAVAIL") throw new UsageError(`--listen ${listen}: no interface of this machine has that address`);
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") throw new UsageError(`--listen ${listen}: cannot resolve host ${host}`);
    throw e;
  }
}

export async function serverCommand(argv: readonly string[], io: CommandIo, stop: Promise<void>): Promise<number> {
  const args = parseFlags(argv, SERVER_SPEC);
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]} (mutls server --help)`);
  const listen = args.values.get("listen");
  if (listen === undefined) throw new UsageError("--listen HOST:PORT is required (mutls server --help)");
  const { host, port } = parseHostPort(listen, "--listen");
  const files = credentialFlags(args);
  const externalPsk = externalPskOption(args);
  if (files.cert === undefined && !externalPsk) throw new UsageError("--cert and --key are required (or --psk-identity/--psk)");
  if (files.cert === undefined && externalPsk?.withCertificates) throw new UsageError("--psk-with-certs needs --cert and --key: the server proves itself by certificate too");
  const auth = clientAuthOptions(args);
  const echo = args.switches.has("echo");
  const http = args.switches.has("http");
  const json = args.switches.has("json");
  if (echo && http) throw new UsageError("choose one of --echo and --http");
  const postHandshakeAuth = args.switches.has("post-handshake-auth");
  if (postHandshakeAuth && !args.values.has("ca")) throw new UsageError("--post-handshake-auth needs --ca to verify the client's certificate against");
  const exportRequest = parseExport(args);
  const alpn = commaList(args.values.get("alpn")) ?? (http ? ["http/1.1"] : undefined);
  const config = {
    ...auth.config,
    keyLog: keyLogOption(args),
    recordSizeLimit: recordSizeLimitOption(args),
    tickets: ticketsOption(args),
    externalPsks: externalPsk ? [externalPsk] : undefined,
    maxEarlyData: args.switches.has("early-data") ? SERVER_EARLY_DATA_BYTES : undefined,
    groups: parseGroups(args.values.get("groups")),
    cipherSuites: parseCipherSuites(args.values.get("ciphers")),
  };

  let server: MtlsServer;
  try {
    server = createMtlsServer(
      {
        cert: files.cert,
        key: files.key,
        ca: files.ca,
        ALPNProtocols: alpn,
        config,
        onHandshakeError: (e, remote) => {
          io.stderr(`mutls server: ${at(remote)} refused: ${describeError(e)}`);
          if (json) io.stdout.write(JSON.stringify({ ok: false, role: "server", remote: at(remote), error: errorJson(e) }) + "\n");
        },
      },
      (connection, remote) => {
        io.stderr(`mutls server: ${at(remote)} accepted: client ${describeClient(connection)}; ${describeHandshake(connection.handshake)}${connection.handshake.resumed ? ", resumed" : ""}${connection.handshake.earlyData === "accepted" ? ", 0-RTT data accepted" : ""}`);
        if (json) io.stdout.write(JSON.stringify({ ok: true, role: "server", remote: at(remote), ...handshakeJson(connection.handshake), peer: identityJson(connection.peer) }) + "\n");
        if (exportRequest) io.stderr(`mutls server: ${at(remote)} ${describeExport(connection, exportRequest)}`);
        if (postHandshakeAuth && connection.peer === null) requestCertificateAfterHandshake(connection, at(remote), io);
        const serving = http ? serveHttpIdentity(connection).then((n) => io.stderr(`mutls server: ${at(remote)} answered ${n} HTTP request(s)`)) : serveConnection(connection, echo, io.stdout);
        serving.then(
          () => io.stderr(`mutls server: ${at(remote)} closed cleanly`),
          (e: unknown) => io.stderr(`mutls server: ${at(remote)} failed: ${e instanceof TLSError ? describeError(e) : String(e)}`),
        );
      },
    );
  } catch (e) {
    // Options the engine refuses (checked once, here) are start-up errors too.
    if (e instanceof TypeError || e instanceof TLSError) throw new UsageError(e.message);
    throw e;
  }
  const bound = await listenOn(server, listen, host, port);
  io.stderr(`mutls server: listening on ${at(bound)}`);
  const reloader = reloadCredentialsOnChange(args, files, server, io.stderr);
  await stop;
  reloader.stop();
  await server.close();
  return 0;
}
