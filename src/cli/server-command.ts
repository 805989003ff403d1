/**
 * `mutls server --listen HOST:PORT`, like `openssl s_server`: one stderr line per connection with
 * the client's identity or why it was refused; `--echo` sends application data back, otherwise it
 * goes to stdout. Runs until SIGINT or SIGTERM.
 */
import type { Writable } from "node:stream";
import { TLSError, type AcceptOptions, type SecureConnection } from "../index.js";
import { createMtlsServer, type RemoteEndpoint } from "../node/index.js";
import { UsageError, commaList, parseArgs, parseCipherSuites, parseGroups, parseHostPort, readFileOption } from "./args.js";
import type { CommandIo } from "./client-command.js";
import { describeError, describeHandshake, describeIdentity } from "./describe.js";
import { PSK_OPTIONS, PSK_SWITCHES, SERVER_EARLY_DATA_BYTES, SERVER_RESUMPTION_OPTIONS, externalPskOption, ticketsOption } from "./resumption-flags.js";
import { SESSION_VALUE_OPTIONS, describeExport, keyLogOption, parseExport, recordSizeLimitOption } from "./session-flags.js";

export const SERVER_USAGE =
  "mutls server --listen HOST:PORT --cert F --key F [--ca F] [--require-client-cert | --request-client-cert] [--echo] [--alpn P,..] [--groups G,..] [--ciphers S,..] [--export LABEL:LEN] [--keylog F] [--record-size-limit N] [--post-handshake-auth] [--tickets N] [--early-data] [--psk-identity ID --psk HEX [--psk-with-certs]]";

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

function clientAuthOptions(args: ReturnType<typeof parseArgs>): Pick<AcceptOptions, "requestCert" | "config"> {
  const require = args.switches.has("require-client-cert");
  const request = args.switches.has("request-client-cert");
  if (require && request) throw new UsageError("choose one of --require-client-cert and --request-client-cert");
  if ((require || request) && !args.values.has("ca")) throw new UsageError("client certificates need --ca to verify them against");
  // "request" still verifies a certificate the client chooses to send; it only accepts none.
  return { config: { clientAuth: require ? "require" : request ? "request" : "none" } };
}

/** Who the client proved to be: its certificate, its PSK identity, or both (RFC 8773). */
function describeClient(connection: SecureConnection): string {
  const psk = connection.handshake.pskIdentity;
  if (psk === null) return describeIdentity(connection.peer);
  return connection.peer === undefined ? `PSK identity "${psk}"` : `${describeIdentity(connection.peer)} and PSK identity "${psk}" (RFC 8773)`;
}

export async function serverCommand(argv: readonly string[], io: CommandIo, stop: Promise<void>): Promise<number> {
  const args = parseArgs(
    argv,
    ["listen", "cert", "key", "ca", "alpn", "groups", "ciphers", ...SESSION_VALUE_OPTIONS, ...SERVER_RESUMPTION_OPTIONS, ...PSK_OPTIONS],
    ["require-client-cert", "request-client-cert", "echo", "early-data", "post-handshake-auth", ...PSK_SWITCHES],
  );
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}; usage: ${SERVER_USAGE}`);
  const listen = args.values.get("listen");
  if (listen === undefined) throw new UsageError(`--listen is required; usage: ${SERVER_USAGE}`);
  const { host, port } = parseHostPort(listen, "--listen");
  const cert = readFileOption(args, "cert");
  const key = readFileOption(args, "key");
  const externalPsk = externalPskOption(args);
  if ((cert === undefined) !== (key === undefined)) throw new UsageError("--cert and --key go together");
  if (cert === undefined && !externalPsk) throw new UsageError("--cert and --key are required (or --psk-identity/--psk)");
  if (cert === undefined && externalPsk?.withCertificates) throw new UsageError("--psk-with-certs needs --cert and --key: the server proves itself by certificate too");
  const auth = clientAuthOptions(args);
  const echo = args.switches.has("echo");
  const postHandshakeAuth = args.switches.has("post-handshake-auth");
  if (postHandshakeAuth && !args.values.has("ca")) throw new UsageError("--post-handshake-auth needs --ca to verify the client's certificate against");
  const exportRequest = parseExport(args);
  const sessionConfig = { keyLog: keyLogOption(args), recordSizeLimit: recordSizeLimitOption(args) };

  const server = createMtlsServer(
    {
      cert,
      key,
      ca: readFileOption(args, "ca"),
      ALPNProtocols: commaList(args.values.get("alpn")),
      config: {
        ...auth.config,
        ...sessionConfig,
        tickets: ticketsOption(args),
        externalPsks: externalPsk ? [externalPsk] : undefined,
        maxEarlyData: args.switches.has("early-data") ? SERVER_EARLY_DATA_BYTES : undefined,
        groups: parseGroups(args.values.get("groups")),
        cipherSuites: parseCipherSuites(args.values.get("ciphers")),
      },
      onHandshakeError: (e, remote) => io.stderr(`mutls server: ${at(remote)} refused: ${describeError(e)}`),
    },
    (connection, remote) => {
      io.stderr(`mutls server: ${at(remote)} accepted: client ${describeClient(connection)}; ${describeHandshake(connection.handshake)}${connection.handshake.resumed ? ", resumed" : ""}${connection.handshake.earlyData === "accepted" ? ", 0-RTT data accepted" : ""}`);
      if (exportRequest) io.stderr(`mutls server: ${at(remote)} ${describeExport(connection, exportRequest)}`);
      if (postHandshakeAuth && connection.peer === undefined) requestCertificateAfterHandshake(connection, at(remote), io);
      serveConnection(connection, echo, io.stdout).then(
        () => io.stderr(`mutls server: ${at(remote)} closed cleanly`),
        (e: unknown) => io.stderr(`mutls server: ${at(remote)} failed: ${e instanceof TLSError ? describeError(e) : String(e)}`),
      );
    },
  );
  const bound = await server.listen(port, host);
  io.stderr(`mutls server: listening on ${at(bound)}`);
  await stop;
  await server.close();
  return 0;
}
