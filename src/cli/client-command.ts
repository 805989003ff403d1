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

export const CLIENT_USAGE =
  "mutls client HOST:PORT [--cert F --key F] [--ca F] [--servername NAME] [--alpn P,..] [--groups G,..] [--ciphers S,..]";

export interface CommandIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: (line: string) => void;
}

async function copyStdinToConnection(stdin: Readable, connection: SecureConnection): Promise<void> {
  for await (const chunk of stdin) {
    await connection.write(chunk instanceof Uint8Array ? chunk : new TextEncoder().encode(String(chunk)));
  }
  await connection.closeWrite();
}

async function copyConnectionToStdout(connection: SecureConnection, stdout: Writable): Promise<void> {
  for (let chunk = await connection.read(); chunk !== null; chunk = await connection.read()) {
    if (!stdout.write(chunk)) await new Promise((resolve) => stdout.once("drain", resolve));
  }
}

export async function clientCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, ["cert", "key", "ca", "servername", "alpn", "groups", "ciphers"], []);
  if (args.positional.length !== 1) throw new UsageError(`usage: ${CLIENT_USAGE}`);
  const { host, port } = parseHostPort(args.positional[0], "the server address");
  const cert = readFileOption(args, "cert");
  const key = readFileOption(args, "key");
  if ((cert === undefined) !== (key === undefined)) throw new UsageError("--cert and --key go together");
  const ca = readFileOption(args, "ca");
  if (ca === undefined) throw new UsageError("--ca is required: mutls has no built-in root store");

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
      config: { groups: parseGroups(args.values.get("groups")), cipherSuites: parseCipherSuites(args.values.get("ciphers")) },
    });
  } catch (e) {
    if (e instanceof TLSError) io.stderr(`mutls client: handshake with ${host}:${port} failed: ${describeError(e)}`);
    else if (e instanceof TypeError) throw new UsageError(e.message);
    else io.stderr(`mutls client: cannot connect to ${host}:${port}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }

  io.stderr(`mutls client: connected to ${host}:${port}: ${describeHandshake(connection.handshake)}`);
  io.stderr(`mutls client: server ${describeIdentity(connection.peer)}, verified against --ca`);
  io.stderr(`mutls client: client certificate ${cert ? "sent" : "not sent"}`);

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
