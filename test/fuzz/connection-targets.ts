/**
 * Stateful fuzz targets: the whole connection in both roles, brought to a state by a valid prefix
 * of a real (pinned, hence replayable) mutual handshake, then fed the input. Properties (RFC 8446 §6):
 * - receive() throws only TLSError; a local one carries an alert for bad input (never internal_error);
 * - we send exactly that alert, once, fatal; after the peer's alert we send none;
 * - afterwards the connection rethrows the same error for valid bytes and sends nothing more;
 * - output stays bounded whatever arrives.
 */
import { TLSError } from "../../src/index.js";
import { ContentType, HandshakeType, type KeyLog, Tap, type TapRecord, serverHelloSuite } from "../helpers/scripted-peer.js";
import { concat, splitHandshakes, splitRecords } from "../helpers/framing.js";
import { type Golden, golden, pinnedClient, pinnedPskServer, pinnedServer, pskClientHellos } from "../property/golden.js";
import { type FuzzTarget, INPUT_ALERTS, violation } from "./target.js";

interface Conn {
  receive(b: Uint8Array): void;
  takeOutput(): Uint8Array | null;
  readonly error: TLSError | null;
}

/** The input's own first byte picks a chunking, so a saved input replays identically. */
function chunksOf(input: Uint8Array): Uint8Array[] {
  if (input.length < 2 || input.length % 3 !== 0) return [input];
  const size = 1 + (input[0] % 97);
  const out: Uint8Array[] = [];
  for (let at = 0; at < input.length; at += size) out.push(input.subarray(at, at + size));
  return out;
}

/** An encrypted alert: 2 bytes, the inner content type and a 16-byte tag, no padding (what we send). */
const SEALED_ALERT_LENGTH = 5 + 2 + 1 + 16;

/**
 * The alerts in `sender`'s output (level/description pairs). The tap follows the sender's keys
 * but not a KeyUpdate of its own (§4.6.3, our answer to update_requested): after one, the only
 * thing the sender may still emit is its sealed alert, recorded as "sealed".
 */
function alertsOnWire(sender: "client" | "server", log: KeyLog, wire: Uint8Array, input: Uint8Array): string[] {
  // The suite the ServerHello named (a mutated ClientHello or ServerHello may move it off the
  // golden one): in a server's own output, or in what a client was fed.
  const tap = new Tap(sender, log, serverHelloSuite(sender === "server" ? wire : input) ?? undefined);
  const alerts: string[] = [];
  const records = splitRecords(wire).records;
  for (let i = 0; i < records.length; i++) {
    for (const r of tap.decode(records[i])) {
      if (r.type === ContentType.alert) alerts.push(`${r.content[0]}/${r.content[1]}`);
      const updated = r.type === ContentType.handshake && splitHandshakes(r.content).messages.some((m) => m[0] === HandshakeType.key_update);
      if (!updated) continue;
      const rest = records.slice(i + 1);
      if (rest.some((x) => x.length !== SEALED_ALERT_LENGTH)) violation(`after its KeyUpdate the ${sender} sent records other than one alert`);
      return [...alerts, ...rest.map(() => "sealed")];
    }
  }
  return alerts;
}

function feedAndCheck(conn: Conn, sender: "client" | "server", log: KeyLog, prefix: readonly Uint8Array[], chunks: readonly Uint8Array[], valid: Uint8Array, outputBound: number): void {
  // The prefix's own output is kept: the tap follows the sender's keys from its first byte.
  const output: Uint8Array[] = [];
  for (const p of prefix) conn.receive(p);
  const answer = conn.takeOutput();
  if (answer) output.push(answer.slice());
  let error: unknown = null;
  for (const chunk of chunks) {
    try {
      conn.receive(chunk);
    } catch (e) {
      error = e;
      break;
    } finally {
      const out = conn.takeOutput();
      if (out) output.push(out.slice());
    }
  }
  const wire = concat(output);
  if (wire.length > outputBound + (answer?.length ?? 0)) violation(`${wire.length} bytes of output exceed the bound ${outputBound}`);
  if (error === null) {
    if (conn.error !== null) violation("connection.error is set but receive() did not throw");
    return;
  }
  if (!(error instanceof TLSError)) violation(`receive threw ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}, not a TLSError`);
  if (conn.error !== error) violation("connection.error is not the error receive() threw");
  const alerts = alertsOnWire(sender, log, wire, concat([...prefix, ...chunks]));
  if (error.origin === "local") {
    if (!INPUT_ALERTS.has(error.alertName)) violation(`local ${error.alertName}: ${error.message}`);
    const sent = alerts.join(",");
    if (sent !== `2/${error.alert}` && sent !== "sealed") violation(`sent alerts [${sent}] for a local ${error.alertName} (expected exactly one fatal ${error.alert})`);
  } else if (alerts.length !== 0) {
    violation("answered the peer's fatal alert with an alert");
  }
  // §6.2: the connection is closed: it rethrows the same error and sends nothing more.
  let again: unknown = null;
  try {
    conn.receive(valid);
  } catch (e) {
    again = e;
  }
  if (again !== error) violation(`after a fatal ${error.alertName}, receive() ${again === null ? "accepted more input" : "threw a different error"}`);
  if (conn.takeOutput() !== null) violation("sent output after a fatal alert");
}

/** A flight's records with one handshake message replaced, re-encrypted under the sender's keys. */
function withMessageReplaced(records: readonly TapRecord[], sender: "client" | "server", log: KeyLog, index: number, replacement: Uint8Array): Uint8Array {
  let n = 0;
  const out = records.map((r) => {
    if (r.type !== ContentType.handshake) return r;
    const messages = splitHandshakes(r.content).messages.map((m) => (n++ === index ? replacement : m));
    return { ...r, content: concat(messages) };
  });
  return new Tap(sender, log).encode(out);
}

/**
 * Application-phase records each side sends after the pinned handshake: data, a KeyUpdate that
 * asks for one back (§4.6.3) followed by data under the next key, and close_notify. The keys are
 * pinned, so these replay as valid input for a fresh connection after the same prefix.
 */
function applicationRecords(g: Golden): { fromClient: Uint8Array[]; fromServer: Uint8Array[] } {
  const script = (conn: { write(b: Uint8Array): void; keyUpdate(request?: boolean): void; close(): void; takeOutput(): Uint8Array | null }): Uint8Array[] => {
    const out: Uint8Array[] = [];
    const take = () => out.push(conn.takeOutput()?.slice() ?? new Uint8Array(0));
    conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
    take();
    conn.keyUpdate(true);
    conn.write(new Uint8Array(300).fill(0x61));
    take();
    conn.close();
    take();
    return [concat(out), ...out];
  };
  const { client } = pinnedClient();
  client.takeOutput();
  client.receive(g.serverFlight);
  client.takeOutput();
  const { server } = pinnedServer();
  server.receive(g.clientHello);
  server.takeOutput();
  server.receive(g.clientFlight);
  server.takeOutput();
  return { fromClient: script(client), fromServer: script(server) };
}

export function connectionTargets(extraClientHellos: readonly Uint8Array[] = [], extraServerFlights: readonly Uint8Array[] = []): FuzzTarget[] {
  const g: Golden = golden();
  const bound = 4 * Math.max(g.serverFlight.length, g.clientFlight.length) + 1024;
  const server = (prefix: Uint8Array[], valid: Uint8Array) => (input: Uint8Array) => {
    const { server, log } = pinnedServer();
    feedAndCheck(server, "server", log, prefix, chunksOf(input), valid, bound);
  };
  const client = (prefix: Uint8Array[], valid: Uint8Array) => (input: Uint8Array) => {
    const { client, log } = pinnedClient();
    client.takeOutput();
    feedAndCheck(client, "client", log, prefix, chunksOf(input), valid, bound);
  };
  const clientMessages = g.clientMessages.slice(1);
  const app = applicationRecords(g);
  const reencrypted = (messages: readonly Uint8Array[]) => messages.map((m, i) => Uint8Array.of(i, ...m));
  return [
    // The server's first read: a (mutated) ClientHello record, ours, Node's or RFC 8448's.
    { name: "server-client-hello", seeds: [g.clientHello, ...extraClientHellos], run: server([], g.clientHello) },
    // A server holding external PSKs (one alone, one only with certificates, RFC 8773): mutated
    // ClientHellos that offer them, so binders, PSK selection and tls_cert_with_extern_psk meet garbage.
    (() => {
      const hellos = pskClientHellos();
      return {
        name: "server-psk-client-hello",
        seeds: hellos,
        run(input: Uint8Array) {
          const { server: s, log } = pinnedPskServer();
          feedAndCheck(s, "server", log, [], chunksOf(input), hellos[1], bound);
        },
      };
    })(),
    // Valid ClientHello, then garbage or a mutated second flight on the wire.
    { name: "server-after-client-hello", seeds: [g.clientFlight], run: server([g.clientHello], g.clientFlight) },
    // Valid ClientHello, then the client's flight with one message (byte 0 picks it) mutated and re-encrypted.
    {
      name: "server-client-flight-message",
      seeds: reencrypted(clientMessages),
      run(input) {
        if (input.length === 0) return;
        const bytes = withMessageReplaced(g.clientRecords, "client", g.clientLog, input[0] % clientMessages.length, input.subarray(1));
        server([g.clientHello], g.clientFlight)(bytes);
      },
    },
    // After the whole handshake: application-phase records (KeyUpdate, alerts, data).
    { name: "server-after-handshake", seeds: app.fromClient, run: server([g.clientHello, g.clientFlight], g.clientFlight) },
    // The client's first read: a (mutated) server flight, ours or Node's.
    { name: "client-server-flight", seeds: [g.serverFlight, ...extraServerFlights], run: client([], g.serverFlight) },
    {
      name: "client-server-flight-message",
      seeds: reencrypted(g.serverMessages),
      run(input) {
        if (input.length === 0) return;
        const bytes = withMessageReplaced(g.serverRecords, "server", g.serverLog, input[0] % g.serverMessages.length, input.subarray(1));
        client([], g.serverFlight)(bytes);
      },
    },
    { name: "client-after-handshake", seeds: app.fromServer, run: client([g.serverFlight], g.serverFlight) },
  ];
}
