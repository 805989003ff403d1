/**
 * A bare VM (QuickJS, Moddable XS): the bundle runs with no Node and no Web APIs (no Web Streams,
 * no timers; QuickJS has no TextEncoder either), only ES2020 plus the one thing the pure crypto
 * provider documents it needs, `crypto.getRandomValues`, which the host supplies from its own
 * entropy (as an embedded device would from its RNG). Client and server are both mutls, connected
 * through memoryTransportPair() with connect()/accept(), using SecureConnection.read()/write()
 * since there are no streams. The host passes `__config` and reads the report through
 * `__report(json)`.
 */
import { accept, connect, memoryTransportPair } from "../../../dist/index.js";

/* global __config, __report */
const cfg = __config;

/** ASCII only: QuickJS has no TextEncoder. */
const ascii = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const fromAscii = (bytes) => String.fromCharCode(...bytes);
const toHex = (bytes) => (bytes ? Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") : null);

/** The server: echo every chunk until the client's close_notify, then close. */
async function serveEcho(secure) {
  for (let i = 0; i < 1000; i++) {
    const data = await secure.read();
    if (data === null) break;
    await secure.write(data.slice());
  }
  await secure.close();
}

async function run() {
  const [clientSide, serverSide] = memoryTransportPair();
  const accepted = accept(serverSide, {
    ca: cfg.ca,
    cert: cfg.serverCert,
    key: cfg.serverKey,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const client = await connect(clientSide, {
    ca: cfg.ca,
    cert: cfg.cert,
    key: cfg.key,
    servername: cfg.servername,
  });
  const server = await accepted;
  const serving = serveEcho(server);

  const message = ascii(cfg.message);
  await client.write(message);
  const echoed = [];
  for (let i = 0; i < 1000 && echoed.length < message.length; i++) {
    const data = await client.read();
    if (data === null) break;
    echoed.push(...data);
  }
  await client.closeWrite();
  const end = await client.read();
  await client.close();
  await serving;
  return {
    api: "memoryTransportPair + connect/accept",
    cipherSuite: client.handshake.cipherSuite,
    group: client.handshake.group,
    serverDnsNames: client.peer?.dnsNames ?? [],
    serverLeafHex: toHex(client.handshake.peerCertificates[0]),
    clientUris: server.peer?.uris ?? [],
    clientLeafHex: toHex(server.handshake.peerCertificates[0]),
    echoed: fromAscii(echoed),
    sawCleanEnd: end === null,
    // The provider the handshake result names, where it names one (the default, no config.provider here).
    provider: client.handshake.provider ?? null,
  };
}

run().then(
  (result) => __report(JSON.stringify(result)),
  (error) => __report(JSON.stringify({ error: String(error && error.stack ? error.message + "\n" + error.stack : error) })),
);
