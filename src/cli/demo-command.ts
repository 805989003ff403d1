/**
 * `mutls demo`: with no set-up, a mutls server on 127.0.0.1 and a mutls client run a mutually
 * authenticated TLS 1.3 handshake over real TCP, exchange a message each way, close with
 * close_notify, and print the handshake message by message: who sent what, and what it proved.
 */
import { HandshakeType, handshakeTypeName } from "../handshake/codec/constants.js";
import { type HandshakeResult, type SecureConnection, TLSError, VERSION } from "../index.js";
import { connectTcp, createMtlsServer } from "../node/index.js";
import { mintDemoCredentials } from "../ca/index.js";
import { describeError, describeIdentity } from "./describe.js";

export interface DemoCredentials {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** The name in the server certificate's SAN, which the client asks for. */
  readonly serverName: string;
}

/**
 * Where the demo's CA and certificates come from: minted afresh on every run by the built-in
 * development CA (src/ca), valid for a day, so no key material ships with the package.
 */
export async function demoCredentials(): Promise<DemoCredentials> {
  const minted = mintDemoCredentials();
  return {
    caCert: minted.caPem,
    serverCert: minted.server.certificateChain,
    serverKey: minted.server.privateKey,
    clientCert: minted.client.certificateChain,
    clientKey: minted.client.privateKey,
    serverName: "localhost",
  };
}

type Side = "client" | "server";

interface TraceEvent {
  readonly from: Side;
  readonly type: number;
  readonly length: number;
  /** How many messages of this type this side sent before (ClientHello twice after an HRR). */
  readonly repeat: number;
}

const ALPN = "mutls-demo/1";
const other = (side: Side): Side => (side === "client" ? "server" : "client");

/** One sentence per message: what it carries and what it proves (RFC 8446 §2, §4). */
function explain(event: TraceEvent, seenByClient: HandshakeResult, seenByServer: HandshakeResult): string {
  const proverIdentity = event.from === "server" ? seenByClient.peerIdentity : seenByServer.peerIdentity;
  const scheme = event.from === "server" ? seenByClient.peerSignatureScheme : seenByServer.peerSignatureScheme;
  switch (event.type) {
    case HandshakeType.client_hello:
      return event.repeat === 0
        ? `offers TLS 1.3, cipher suites, a key share, SNI ${seenByServer.serverName ?? "none"}, ALPN ${ALPN}`
        : `offers a new key share for ${seenByClient.group}, as the server asked`;
    case HandshakeType.server_hello:
      if (seenByClient.helloRetry && event.repeat === 0) return `HelloRetryRequest: asks for a key share for ${seenByClient.group}`;
      return `picks ${seenByClient.cipherSuite} and ${seenByClient.group}; both sides derive handshake keys, so everything below is encrypted`;
    case HandshakeType.encrypted_extensions:
      return `ALPN ${seenByClient.alpnProtocol ?? "none"}`;
    case HandshakeType.certificate_request:
      return "asks the client to prove who it is with a certificate";
    case HandshakeType.certificate:
      return `chain for ${describeIdentity(proverIdentity)}; the ${other(event.from)} checked it chains to the demo CA`;
    case HandshakeType.certificate_verify:
      return `${scheme ?? "a signature"} over the transcript: proves the ${event.from} holds that certificate's private key`;
    case HandshakeType.finished:
      return `MAC over the whole handshake: proves the ${event.from} saw the same messages${event.from === "client" ? "; the handshake is complete" : ""}`;
    case HandshakeType.new_session_ticket:
      return "a ticket for a later resumption";
    default:
      return "";
  }
}

function traceLine(event: TraceEvent, seenByClient: HandshakeResult, seenByServer: HandshakeResult): string {
  const arrow = event.from === "client" ? "client -> server" : "server -> client";
  const isRetry = event.type === HandshakeType.server_hello && seenByClient.helloRetry && event.repeat === 0;
  const name = isRetry ? "HelloRetryRequest" : messageTitle(event.type);
  return `  ${arrow}  ${name} (${event.length} bytes)\n                    ${explain(event, seenByClient, seenByServer)}\n`;
}

/** "certificate_verify" -> "CertificateVerify" */
function messageTitle(type: number): string {
  return handshakeTypeName(type)
    .split("_")
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join("");
}

function recorder(from: Side, events: TraceEvent[]): (direction: "sent" | "received", message: Uint8Array) => void {
  return (direction, message) => {
    if (direction !== "sent") return;
    const repeat = events.filter((e) => e.from === from && e.type === message[0]).length;
    events.push({ from, type: message[0], length: message.length, repeat });
  };
}

/** A failure in the demo, with the side that reported it. */
export class DemoFailure extends Error {
  constructor(
    readonly side: Side,
    readonly tlsError: TLSError,
  ) {
    super(`the ${side} ${tlsError.origin === "local" ? "refused the handshake" : "received a fatal alert"}: ${describeError(tlsError)}`);
  }
}

async function readText(connection: SecureConnection): Promise<string> {
  const chunk = await connection.read();
  return chunk === null ? "" : new TextDecoder().decode(chunk);
}

/** Runs the demo, writing its report through `out`. Throws DemoFailure when TLS fails. */
export async function runDemo(out: (text: string) => void): Promise<void> {
  const credentials = await demoCredentials();
  const events: TraceEvent[] = [];
  const encoder = new TextEncoder();
  let serverSide: { connection: SecureConnection | null; error: TLSError | null } = { connection: null, error: null };
  let serverReady: () => void = () => undefined;
  const serverDone = new Promise<void>((resolve) => (serverReady = resolve));

  const server = createMtlsServer(
    {
      ca: credentials.caCert,
      cert: credentials.serverCert,
      key: credentials.serverKey,
      requestCert: true, // and rejectUnauthorized (the default): the client must prove who it is
      ALPNProtocols: [ALPN],
      config: { onHandshakeMessage: recorder("server", events) },
      onHandshakeError: (error) => {
        serverSide = { connection: null, error };
        serverReady();
      },
    },
    (connection) => {
      serverSide = { connection, error: null };
      serverReady();
    },
  );
  try {
    const { address, port } = await server.listen(0, "127.0.0.1");
    out(`mutls ${VERSION} demo: a mutls client and a mutls server, mutually authenticated over TCP ${address}:${port}\n\n`);

    let client: SecureConnection;
    try {
      client = await connectTcp({
        host: address,
        port,
        servername: credentials.serverName,
        ca: credentials.caCert,
        cert: credentials.clientCert,
        key: credentials.clientKey,
        ALPNProtocols: [ALPN],
        config: { onHandshakeMessage: recorder("client", events) },
      });
    } catch (e) {
      await serverDone;
      if (serverSide.error) throw new DemoFailure("server", serverSide.error);
      if (e instanceof TLSError) throw new DemoFailure("client", e);
      throw e;
    }
    // TLS 1.3: the client is done after its Finished; the server then judges the client's certificate.
    await serverDone;
    const accepted = serverSide.connection;
    if (accepted === null) throw new DemoFailure("server", serverSide.error as TLSError);

    out("handshake, message by message\n");
    for (const event of events) out(traceLine(event, client.handshake, accepted.handshake));

    out("\nwho proved what\n");
    out(`  the server proved  ${describeIdentity(client.peer)} (asked for ${credentials.serverName})\n`);
    out(`  the client proved  ${describeIdentity(accepted.peer)}\n`);

    out("\napplication data over the encrypted connection\n");
    await client.write(encoder.encode("hello from the client"));
    out(`  client -> server  ${JSON.stringify(await readText(accepted))}\n`);
    await accepted.write(encoder.encode("hello from the server"));
    out(`  server -> client  ${JSON.stringify(await readText(client))}\n`);

    // RFC 8446 §6.1: the client sends close_notify; the server reads the end and answers with its own.
    await client.closeWrite();
    const serverSawEnd = (await accepted.read()) === null;
    await accepted.close();
    const clientSawEnd = (await client.read()) === null;
    await client.close();
    if (!serverSawEnd || !clientSawEnd) throw new Error("close_notify was not exchanged");
    out("\nclosed: both sides sent close_notify\n");
  } catch (e) {
    if (e instanceof TLSError) throw new DemoFailure("client", e);
    throw e;
  } finally {
    await server.close();
  }
}
