/** Shared set-up for the negative tests: a real client and server, and checks on the alert each sends. */
import { expect } from "vitest";
import { AlertDescription, ClientConnection, ServerConnection, TLSError, type AlertName } from "../../src/index.js";
import { mutualCredentials } from "../helpers/fixtures.js";
import { type ClientConfig, type ServerConfig, clientConfig, serverConfig } from "../helpers/pair.js";
import { type Exchanged, type HandshakeEdit, KeyLog, type SuiteName, Tap, alertsIn, exchange } from "../helpers/scripted-peer.js";

export interface Pair {
  client: ClientConnection;
  server: ServerConnection;
  clientLog: KeyLog;
  serverLog: KeyLog;
  suite: SuiteName;
}

const credentials = mutualCredentials("p256");

/** A client and a server that complete a mutual handshake unless a test interferes. */
export function makePair(
  opts: { suite?: SuiteName; client?: Partial<ClientConfig>; server?: Partial<ServerConfig> } = {},
): Pair {
  const suite = opts.suite ?? "TLS_AES_128_GCM_SHA256";
  const { client, log: clientLog } = makeClient({ cipherSuites: [suite], ...opts.client });
  const { server, log: serverLog } = makeServer({ cipherSuites: [suite], ...opts.server });
  return { client, server, clientLog, serverLog, suite };
}

/** A ClientConnection alone (p256 credential, test CA), its secrets going to `log`. */
export function makeClient(overrides: Partial<ClientConfig> = {}, log = new KeyLog()): { client: ClientConnection; log: KeyLog } {
  const client = new ClientConnection(clientConfig(credentials, { client: { keyLog: log.sink, ...overrides } }));
  return { client, log };
}

/** A ServerConnection alone that requires a client certificate, for feeding it hand-made client bytes. */
export function makeServer(overrides: Partial<ServerConfig> = {}, log = new KeyLog()): { server: ServerConnection; log: KeyLog } {
  const server = new ServerConnection(serverConfig(credentials, { server: { keyLog: log.sink, ...overrides } }));
  return { server, log };
}

/** The error must be ours (origin local) and carry exactly this alert. */
/** Feeds `bytes` to `conn`, returning the TLSError it throws (or null). */
export function feed(conn: { receive(b: Uint8Array): void }, bytes: Uint8Array): TLSError | null {
  try {
    conn.receive(bytes);
    return null;
  } catch (e) {
    if (!(e instanceof TLSError)) throw e;
    return e;
  }
}

export function expectLocal(error: unknown, alert: AlertName): TLSError {
  expect(error, "expected a TLSError").toBeInstanceOf(TLSError);
  const e = error as TLSError;
  expect({ alert: e.alertName, origin: e.origin }, e.message).toEqual({ alert, origin: "local" });
  expect(e.message.length).toBeGreaterThan(10);
  return e;
}

/** The error must be the peer's alert, received. */
export function expectRemote(error: unknown, alert: AlertName): TLSError {
  expect(error, "expected a TLSError").toBeInstanceOf(TLSError);
  const e = error as TLSError;
  expect({ alert: e.alertName, origin: e.origin }, e.message).toEqual({ alert, origin: "remote" });
  return e;
}

/**
 * The side that failed sent exactly one alert, fatal (§6: level 2), with this description, and
 * nothing after it. It is read from the bytes on the wire, decrypted with the sender's keys.
 */
export function expectAlertOnWire(sender: "client" | "server", keyLog: KeyLog, wire: Uint8Array, alert: AlertName, suite?: SuiteName): void {
  const alerts = alertsIn(sender, keyLog, wire, suite);
  expect(alerts.map((a) => ({ level: a.level, description: a.description }))).toEqual([{ level: 2, description: AlertDescription[alert] }]);
}

/**
 * Checks a failed exchange from both ends: `failing` raised `alert` locally and sent it once,
 * and the other side received it as a remote error with the same code.
 */
export function expectFailure(p: Pair, x: Exchanged, failing: "client" | "server", alert: AlertName): void {
  const local = failing === "client" ? x.clientError : x.serverError;
  const remote = failing === "client" ? x.serverError : x.clientError;
  expectLocal(local, alert);
  expectAlertOnWire(failing, failing === "client" ? p.clientLog : p.serverLog, failing === "client" ? x.clientWire : x.serverWire, alert, p.suite);
  expectRemote(remote, alert);
}

export type Side = "client" | "server";

/** Runs a handshake in which `sender`'s handshake messages pass through `edit`. */
export function runEdited(p: Pair, sender: Side, edit: HandshakeEdit): Exchanged {
  const tap = new Tap(sender, sender === "client" ? p.clientLog : p.serverLog, p.suite);
  const hook = (b: Uint8Array) => tap.rewrite(b, edit);
  return exchange(p.client, p.server, sender === "client" ? { toServer: hook } : { toClient: hook });
}

/** The receiver of `sender`'s edited messages must fail with `alert`. */
export function expectEditRejected(sender: Side, edit: HandshakeEdit, alert: AlertName, pair = makePair()): void {
  const x = runEdited(pair, sender, edit);
  expectFailure(pair, x, sender === "client" ? "server" : "client", alert);
}
