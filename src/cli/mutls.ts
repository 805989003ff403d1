#!/usr/bin/env node
/**
 * The `mutls` command (Node only). For now: `--version`, `help`, and `demo`, a mutual TLS 1.3
 * handshake between a mutls client and a mutls server in one process, over an in-memory pipe.
 */
import { ClientConnection, ServerConnection, TLSError, VERSION } from "../index.js";
import {
  DEMO_CA_CERT,
  DEMO_CLIENT_CERT,
  DEMO_CLIENT_KEY,
  DEMO_SERVER_CERT,
  DEMO_SERVER_KEY,
  DEMO_SERVER_NAME,
} from "./demo-credentials.js";

const USAGE = `mutls ${VERSION}: TLS 1.3 with mutual authentication, in pure TypeScript

usage:
  mutls demo        a mutual TLS handshake between a mutls client and a mutls server,
                    in memory, with built-in demo credentials
  mutls --version   print the version
  mutls help        print this help
`;

type Connection = ClientConnection | ServerConnection;
type Result = NonNullable<Connection["result"]>;
type Identity = NonNullable<Result["peerIdentity"]>;

/** Upper bound on pump rounds; a handshake takes about four. */
const MAX_ROUNDS = 50;

type Side = "client" | "server";

/** A TLS failure and the side whose `receive` threw it. */
class DemoFailure extends Error {
  constructor(
    readonly side: Side,
    readonly tlsError: TLSError,
  ) {
    super(tlsError.message);
  }
}

/**
 * Moves bytes both ways until neither side has anything to send. Keeps going after a TLSError so
 * the alert reaches the peer, then returns the first one.
 */
async function pump(client: Connection, server: Connection): Promise<DemoFailure | null> {
  let firstFailure: DemoFailure | null = null;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let moved = false;
    for (const [from, to, toSide] of [
      [client, server, "server"],
      [server, client, "client"],
    ] as const) {
      while (from.pending !== null) await from.pending.catch(() => undefined);
      const bytes = from.takeOutput();
      if (bytes === null || bytes.length === 0) continue;
      moved = true;
      if (to.error !== null) continue; // a failed connection takes nothing more
      try {
        to.receive(bytes.slice());
      } catch (e) {
        if (!(e instanceof TLSError)) throw e;
        firstFailure ??= new DemoFailure(toSide, e);
      }
    }
    if (!moved) return firstFailure;
  }
  throw new Error(`the connections were still talking after ${MAX_ROUNDS} rounds`);
}

function readText(conn: Connection): string {
  const decoder = new TextDecoder();
  let text = "";
  for (let chunk = conn.read(); chunk !== null; chunk = conn.read()) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(18)}${value}\n`;
}

function describeIdentity(identity: Identity | null, chainLength: number): string {
  if (identity === null) return row("certificate", "none");
  let text = row("subject", identity.subject);
  const names: [string, readonly string[]][] = [
    ["DNS names", identity.dnsNames],
    ["IP addresses", identity.ipAddresses],
    ["URIs", identity.uris],
    ["emails", identity.emails],
  ];
  for (const [label, values] of names) if (values.length > 0) text += row(label, values.join(", "));
  return text + row("chain", `${chainLength} certificate${chainLength === 1 ? "" : "s"}, verified`);
}

/** Runs the demo, writing its report to `out`. Throws DemoFailure when TLS fails. */
async function demo(out: (text: string) => void): Promise<void> {
  const alpnProtocols = ["mutls-demo/1"];
  const server = new ServerConnection({
    certificateChain: DEMO_SERVER_CERT,
    privateKey: DEMO_SERVER_KEY,
    clientAuth: "require",
    trustAnchors: DEMO_CA_CERT,
    alpnProtocols,
  });
  const client = new ClientConnection({
    serverName: DEMO_SERVER_NAME,
    trustAnchors: DEMO_CA_CERT,
    certificateChain: DEMO_CLIENT_CERT,
    privateKey: DEMO_CLIENT_KEY,
    alpnProtocols,
  });
  const check = async (): Promise<void> => {
    const failure = await pump(client, server);
    if (failure !== null) throw failure;
  };

  await check();
  if (!client.handshakeComplete || !server.handshakeComplete || !client.result || !server.result) {
    throw new Error("the handshake stalled without an error");
  }
  const seenByClient = client.result;
  const seenByServer = server.result;

  out(`mutls ${VERSION} demo: a mutls client and a mutls server, mutually authenticated, in memory\n\n`);
  out("negotiated\n");
  out(row("version", seenByClient.version));
  out(row("cipher suite", seenByClient.cipherSuite));
  out(row("group", `${seenByClient.group} (${seenByClient.helloRetry ? "after a HelloRetryRequest" : "no HelloRetryRequest"})`));
  out(row("ALPN", seenByClient.alpnProtocol ?? "none"));
  out(`\nthe server, as the client verified it (it asked for ${DEMO_SERVER_NAME})\n`);
  out(describeIdentity(seenByClient.peerIdentity, seenByClient.peerCertificates.length));
  out("\nthe client, as the server verified it\n");
  out(describeIdentity(seenByServer.peerIdentity, seenByServer.peerCertificates.length));

  const encoder = new TextEncoder();
  out("\napplication data\n");
  client.write(encoder.encode("hello from the client"));
  await check();
  out(row("client -> server", JSON.stringify(readText(server))));
  server.write(encoder.encode("hello from the server"));
  await check();
  out(row("server -> client", JSON.stringify(readText(client))));

  // RFC 8446 §6.1: each side sends close_notify; the server answers the client's.
  client.close();
  await check();
  if (server.peerClosed) server.close();
  await check();
  out(
    `\nclosed: ${client.peerClosed && server.peerClosed ? "both sides sent close_notify" : "close_notify was not exchanged"}\n`,
  );
  if (!client.peerClosed || !server.peerClosed) throw new Error("close_notify was not exchanged");
}

async function main(args: readonly string[]): Promise<number> {
  const [command] = args;
  switch (command) {
    case "--version":
    case "-v":
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return 0;
    case "demo":
      try {
        await demo((text) => process.stdout.write(text));
        return 0;
      } catch (e) {
        if (e instanceof DemoFailure) {
          const { alertName, origin } = e.tlsError;
          const how = origin === "local" ? "refused the handshake" : "received a fatal alert";
          process.stderr.write(`mutls demo: the ${e.side} ${how}: ${alertName}: ${e.message}\n`);
        } else if (e instanceof TLSError) {
          process.stderr.write(`mutls demo: ${e.alertName}: ${e.message}\n`);
        } else {
          process.stderr.write(`mutls demo: ${e instanceof Error ? e.message : String(e)}\n`);
        }
        return 1;
      }
    default:
      process.stderr.write(`mutls: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

void main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`mutls: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
