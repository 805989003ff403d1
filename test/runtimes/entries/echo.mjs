/**
 * Both halves of the runtime checks in a Web-API runtime (Deno, Bun, workerd, Chromium), using the
 * built package's public API and nothing else:
 * - mutualEcho: connect(webStreamsTransport(...)) or connect(webSocketTransport(...)), a mutual
 *   handshake with the runner's mTLS echo server, one message and its echo, close_notify both ways;
 * - serveOneEcho: accept(webStreamsTransport(...)) requiring a client certificate, echoing until
 *   the client's close_notify.
 * Each reports what it saw so the runner can hold it against what OpenSSL saw on the other side,
 * and the provider it ran on (provider.mjs: `cfg.provider` "webcrypto" pins webCryptoProvider()).
 */
import { pinnedProvider } from "./provider.mjs";

/** Upper bound on reads while waiting for the echo. */
const MAX_READS = 1000;

/**
 * @param mutls the built package's namespace
 * @param wire { streams: {readable, writable} } or { webSocket: an open WebSocket, binaryType "arraybuffer" }
 * @param cfg { ca, cert, key, servername, message }
 */
export async function mutualEcho(mutls, wire, cfg) {
  if (typeof mutls.connect !== "function") throw new Error("the built package exports no connect()");
  const pinned = await pinnedProvider(mutls, cfg);
  const transport = wire.webSocket ? mutls.webSocketTransport(wire.webSocket) : mutls.webStreamsTransport(wire.streams);
  const secure = await mutls.connect(transport, {
    ca: cfg.ca,
    cert: cfg.cert,
    key: cfg.key,
    servername: cfg.servername,
    rejectUnauthorized: true,
    ...(pinned.config ? { config: pinned.config } : {}),
  });
  const handshakeCalls = pinned.snapshot();
  const message = new TextEncoder().encode(cfg.message);
  const writer = secure.writable.getWriter();
  const reader = secure.readable.getReader();
  await writer.write(message);
  const echoed = await readBytes(reader, message.length);
  // RFC 8446 §6.1: closing our write side sends close_notify; the echo server answers with its own,
  // which ends our readable cleanly (a transport end without it would error the stream instead).
  await writer.close();
  const { done } = await reader.read();
  await secure.close();
  return {
    api: wire.webSocket ? "connect(webSocketTransport)" : "connect(webStreamsTransport)",
    cipherSuite: secure.handshake.cipherSuite,
    group: secure.handshake.group,
    peerSignatureScheme: secure.handshake.peerSignatureScheme,
    serverDnsNames: secure.peer?.dnsNames ?? [],
    serverLeafHex: toHex(secure.handshake.peerCertificates[0]),
    echoed: new TextDecoder().decode(echoed),
    sawCleanEnd: done,
    provider: pinned.describe(secure, handshakeCalls),
  };
}

/**
 * @param streams the accepted socket as {readable, writable}
 * @param cfg { ca, serverCert, serverKey }
 */
export async function serveOneEcho(mutls, streams, cfg) {
  if (typeof mutls.accept !== "function") throw new Error("the built package exports no accept()");
  const pinned = await pinnedProvider(mutls, cfg);
  const secure = await mutls.accept(mutls.webStreamsTransport(streams), {
    ca: cfg.ca,
    cert: cfg.serverCert,
    key: cfg.serverKey,
    requestCert: true,
    rejectUnauthorized: true,
    ...(pinned.config ? { config: pinned.config } : {}),
  });
  const handshakeCalls = pinned.snapshot();
  // The readable ends at the client's close_notify; pipeTo then closes the writable, which sends
  // ours (RFC 8446 §6.1).
  await secure.readable.pipeTo(secure.writable);
  await secure.close();
  return {
    api: "accept(webStreamsTransport)",
    clientUris: secure.peer?.uris ?? [],
    cipherSuite: secure.handshake.cipherSuite,
    group: secure.handshake.group,
    peerSignatureScheme: secure.handshake.peerSignatureScheme,
    clientLeafHex: toHex(secure.handshake.peerCertificates[0]),
    provider: pinned.describe(secure, handshakeCalls),
  };
}

async function readBytes(reader, length) {
  const chunks = [];
  let total = 0;
  for (let i = 0; i < MAX_READS && total < length; i++) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value.slice());
    total += value.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function toHex(bytes) {
  if (!bytes) return null;
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}
