/**
 * A deterministic mutual handshake (pinned randomness and ephemeral keys; Ed25519
 * signatures), captured once. Replaying the same pins makes a fresh connection accept the
 * captured bytes, so a property can start from a valid prefix and mutate what follows.
 */
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { createPinnedProvider, pureProvider } from "../../src/crypto/pure.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { ContentType, KeyLog, Tap, type TapRecord, exchange } from "../helpers/scripted-peer.js";
import { concat, splitHandshakes } from "../helpers/framing.js";

const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
/** Spare values, so a mutated peer that triggers a HelloRetryRequest cookie does not exhaust the pins. */
const spare = Array.from({ length: 8 }, (_, i) => fill(32, 0xe0 + i));

// Ed25519 signatures are deterministic (RFC 8032); ECDSA here is hedged with fresh randomness.
const serverCred = serverCredential("ed25519");
const clientCred = clientCredential("ed25519");
const NOW = () => new Date("2026-06-01T00:00:00Z");

export function pinnedClient(log = new KeyLog()): { client: ClientConnection; log: KeyLog } {
  const provider = createPinnedProvider(pureProvider, { random: [fill(32, 0xc1), fill(32, 0xc2), ...spare], keyShares: { x25519: [fill(32, 0x11)] } });
  const client = new ClientConnection({
    serverName: "localhost",
    trustAnchors: CA_PEM,
    certificateChain: clientCred.certPem,
    privateKey: clientCred.keyPem,
    cipherSuites: ["TLS_AES_128_GCM_SHA256"],
    groups: ["x25519", "secp256r1"],
    alpnProtocols: ["h2", "http/1.1"],
    provider,
    now: NOW,
    keyLog: log.sink,
  });
  return { client, log };
}

export function pinnedServer(log = new KeyLog()): { server: ServerConnection; log: KeyLog } {
  const provider = createPinnedProvider(pureProvider, { random: [fill(32, 0x5e), ...spare], keyShares: { x25519: [fill(32, 0x22)] } });
  const server = new ServerConnection({
    certificateChain: serverCred.certPem,
    privateKey: serverCred.keyPem,
    clientAuth: "require",
    trustAnchors: CA_PEM,
    cipherSuites: ["TLS_AES_128_GCM_SHA256"],
    alpnProtocols: ["h2"],
    provider,
    now: NOW,
    keyLog: log.sink,
  });
  return { server, log };
}

/** External PSKs the PSK server knows: one alone, one only with certificates (RFC 8773). */
export const FUZZ_PSKS = [
  { identity: "device-9", key: fill(32, 0x44) },
  { identity: "gateway-7", key: fill(32, 0x77), withCertificates: true },
] as const;

/** A server with external PSKs as well as its certificate, for ClientHellos that offer them. */
export function pinnedPskServer(log = new KeyLog()): { server: ServerConnection; log: KeyLog } {
  const provider = createPinnedProvider(pureProvider, { random: [fill(32, 0x5f), ...spare], keyShares: { x25519: [fill(32, 0x23)] } });
  const server = new ServerConnection({
    certificateChain: serverCred.certPem,
    privateKey: serverCred.keyPem,
    clientAuth: "require",
    trustAnchors: CA_PEM,
    externalPsks: FUZZ_PSKS,
    provider,
    now: NOW,
    keyLog: log.sink,
  });
  return { server, log };
}

/** ClientHello records offering each of FUZZ_PSKS as its client would (the second with tls_cert_with_extern_psk). */
export function pskClientHellos(): Uint8Array[] {
  return FUZZ_PSKS.map((psk, i) => {
    const provider = createPinnedProvider(pureProvider, { random: [fill(32, 0xa1 + i), fill(32, 0xb1 + i), ...spare], keyShares: { x25519: [fill(32, 0x31 + i)] } });
    const client = new ClientConnection({
      serverName: "localhost",
      trustAnchors: CA_PEM,
      certificateChain: clientCred.certPem,
      privateKey: clientCred.keyPem,
      externalPsk: psk,
      provider,
      now: NOW,
    });
    return client.takeOutput()!.slice();
  });
}

export interface Golden {
  /** The client's first output (ClientHello record). */
  clientHello: Uint8Array;
  /** The server's answer: ServerHello, change_cipher_spec, encrypted flight. */
  serverFlight: Uint8Array;
  /** The client's second flight: change_cipher_spec, Certificate, CertificateVerify, Finished. */
  clientFlight: Uint8Array;
  clientLog: KeyLog;
  serverLog: KeyLog;
  /** Every handshake message, framed, by sender. */
  serverMessages: Uint8Array[];
  clientMessages: Uint8Array[];
  /** Decrypted records of each flight, for re-encryption after a mutation. */
  serverRecords: TapRecord[];
  clientRecords: TapRecord[];
}

function messagesOf(records: readonly TapRecord[]): Uint8Array[] {
  return records.filter((r) => r.type === ContentType.handshake).flatMap((r) => splitHandshakes(r.content).messages.map((m) => m.slice()));
}

function capture(): Golden {
  const { client, log: clientLog } = pinnedClient();
  const { server, log: serverLog } = pinnedServer();
  const clientHello = client.takeOutput()!.slice();
  server.receive(clientHello);
  const serverFlight = server.takeOutput()!.slice();
  client.receive(serverFlight);
  const clientFlight = client.takeOutput()!.slice();
  server.receive(clientFlight);
  if (!client.handshakeComplete || !server.handshakeComplete) throw new Error("golden handshake did not complete");
  exchange(client, server); // drain anything left (nothing is expected)
  const serverRecords = new Tap("server", serverLog).decode(serverFlight);
  const clientRecords = new Tap("client", clientLog).decode(concat([clientHello, clientFlight]));
  return {
    clientHello,
    serverFlight,
    clientFlight,
    clientLog,
    serverLog,
    serverMessages: messagesOf(serverRecords),
    clientMessages: messagesOf(clientRecords),
    serverRecords,
    clientRecords: clientRecords.slice(1),
  };
}

let cached: Golden | null = null;

/** The captured handshake; it throws if two captures differ (the pins would not replay). */
export function golden(): Golden {
  if (cached) return cached;
  const a = capture();
  const b = capture();
  for (const k of ["clientHello", "serverFlight", "clientFlight"] as const) {
    if (Buffer.compare(a[k], b[k]) !== 0) throw new Error(`golden handshake is not deterministic: ${k} differs`);
  }
  cached = a;
  return a;
}
