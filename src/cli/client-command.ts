/**
 * `mutls client HOST:PORT`, like `openssl s_client`: a handshake summary on stderr, stdin to the
 * connection and the connection to stdout. At the end of stdin it sends close_notify and waits for
 * the peer's (RFC 8446 §6.1); exits 0 on a clean close, 1 with the alert on stderr otherwise.
 */
import type { Readable, Writable } from "node:stream";
import { TLSError, type SecureConnection } from "../index.js";
import { connectTcp } from "../node/index.js";
import { UsageError, commaList, parseArgs, parseCipherSuites, parseGroups, parseHostPort, readFileOption } from "./args.js";
import { describeError, describeHandshake, describeIdentity } from "./describe.js";
import { CLIENT_RESUMPTION_OPTIONS, PSK_OPTIONS, PSK_SWITCHES, earlyDataOption, externalPskOption, refuseCertificateWithoutCa, sessionStoreOption } from "./resumption-flags.js";
import { KEY_UPDATE_LINE, SESSION_VALUE_OPTIONS, describeExport, keyLogOption, parseExport, recordSizeLimitOption } from "./session-flags.js";

export const CLIENT_USAGE =
  "mutls client HOST:PORT [--cert F --key F] [--ca F] [--servername NAME] [--alpn P,..] [--groups G,..] [--ciphers S,..] [--export LABEL:LEN] [--keylog F] [--record-size-limit N] [--post-handshake-auth] [--sess-out F] [--sess-in F] [--early-data F] [--psk-identity ID --psk HEX [--psk-with-certs]]";

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

export async function clientCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, ["cert", "key", "ca", "servername", "alpn", "groups", "ciphers", ...SESSION_VALUE_OPTIONS, ...CLIENT_RESUMPTION_OPTIONS, ...PSK_OPTIONS], ["post-handshake-auth", ...PSK_SWITCHES]);
  if (args.positional.length !== 1) throw new UsageError(`usage: ${CLIENT_USAGE}`);
  const { host, port } = parseHostPort(args.positional[0], "the server address");
  const cert = readFileOption(args, "cert");
  const key = readFileOption(args, "key");
  if ((cert === undefined) !== (key === undefined)) throw new UsageError("--cert and --key go together");
  const ca = readFileOption(args, "ca");
  const externalPsk = externalPskOption(args);
  if (ca === undefined && !externalPsk) throw new UsageError("--ca is required: mutls has no built-in root store (or authenticate with --psk-identity/--psk)");
  if (ca === undefined && externalPsk?.withCertificates) throw new UsageError("--psk-with-certs needs --ca: the server proves itself by certificate too");
  const exportRequest = parseExport(args);
  const sessionConfig = {
    keyLog: keyLogOption(args),
    recordSizeLimit: recordSizeLimitOption(args),
    postHandshakeAuth: args.switches.has("post-handshake-auth"),
    sessionStore: sessionStoreOption(args),
    externalPsk,
    earlyData: earlyDataOption(args),
    verifyPeer: externalPsk && ca === undefined ? refuseCertificateWithoutCa : undefined,
  };

  let connection: SecureConnection;
  try {
    connection = await connectTcp({
      host,
      port,
      ca,
      cert,
      key,
      servername: args.values.get("servername") ?? host,
      ALPNProtocols: commaList(args.values.get("alpn")),
      config: { groups: parseGroups(args.values.get("groups")), cipherSuites: parseCipherSuites(args.values.get("ciphers")), ...sessionConfig },
    });
  } catch (e) {
    if (e instanceof TLSError) io.stderr(`mutls client: handshake with ${host}:${port} failed: ${describeError(e)}`);
    else if (e instanceof TypeError) throw new UsageError(e.message);
    else io.stderr(`mutls client: cannot connect to ${host}:${port}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }

  io.stderr(`mutls client: connected to ${host}:${port}: ${describeHandshake(connection.handshake)}`);
  const psk = connection.handshake.pskIdentity;
  if (psk !== null && connection.peer !== undefined) io.stderr(`mutls client: server ${describeIdentity(connection.peer)}, verified against --ca, and PSK identity "${psk}" (RFC 8773)`);
  else if (psk !== null) io.stderr(`mutls client: server authenticated by PSK identity "${psk}"`);
  else io.stderr(`mutls client: server ${describeIdentity(connection.peer)}, verified against --ca`);
  io.stderr(`mutls client: client certificate ${cert ? "sent" : "not sent"}`);
  if (sessionConfig.sessionStore) io.stderr(`mutls client: resumed: ${connection.handshake.resumed ? "yes" : "no"}`);
  if (sessionConfig.earlyData) {
    const outcome = connection.handshake.earlyData;
    io.stderr(`mutls client: early data: ${outcome}${outcome === "accepted" ? "" : " (sent again after the handshake)"}`);
    // §4.2.10: data the server did not take as 0-RTT is not lost: it goes as ordinary data now.
    if (outcome !== "accepted") await connection.write(sessionConfig.earlyData);
  }
  if (exportRequest) io.stderr(`mutls client: ${describeExport(connection, exportRequest)}`);

  // Sending ends with our close_notify; receiving ends with the peer's. When the peer closes
  // first, stdin no longer matters: we answer with our close_notify and stop.
  const sending = copyStdinToConnection(io.stdin, connection);
  sending.catch(() => undefined);
  try {
    await copyConnectionToStdout(connection, io.stdout);
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
