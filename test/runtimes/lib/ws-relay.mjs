/**
 * A WebSocket-to-TCP relay, the piece a browser needs to reach a TLS server: it carries the raw
 * TLS bytes of each binary message to a TCP socket and back, and never looks inside them.
 * Written against RFC 6455 directly (Node 20 has a WebSocket client but no server); it supports
 * what a browser sends: masked frames, fragmentation, ping, close.
 */
import { createHash } from "node:crypto";
import * as net from "node:net";

// RFC 6455 §1.3: the GUID appended to Sec-WebSocket-Key before hashing.
const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const OP_CONTINUATION = 0x0, OP_TEXT = 0x1, OP_BINARY = 0x2, OP_CLOSE = 0x8, OP_PING = 0x9, OP_PONG = 0xa;
/** Largest message the relay accepts; a TLS record is at most 2^14 + 256 + 5 bytes. */
const MAX_MESSAGE = 1 << 20;

/** RFC 6455 §5.2: a server sends unmasked frames. */
export function encodeFrame(opcode, payload) {
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x80 | opcode, length])
    : length < 65536 ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
    : (() => { const h = Buffer.alloc(10); h[0] = 0x80 | opcode; h[1] = 127; h.writeBigUInt64BE(BigInt(length), 2); return h; })();
  return Buffer.concat([header, payload]);
}

/**
 * Parses the client's frames from a growing buffer. Calls onFrame(fin, opcode, payload) per frame
 * and returns the unconsumed rest. Throws on frames RFC 6455 §5.1 forbids from a client.
 */
export function parseClientFrames(buffer, onFrame) {
  let offset = 0;
  for (;;) {
    if (buffer.length - offset < 2) break;
    const fin = (buffer[offset] & 0x80) !== 0;
    const opcode = buffer[offset] & 0x0f;
    const masked = (buffer[offset + 1] & 0x80) !== 0;
    if (!masked) throw new Error("RFC 6455 §5.1: client frames must be masked");
    let length = buffer[offset + 1] & 0x7f;
    let headerLength = 2;
    if (length === 126) {
      if (buffer.length - offset < 4) break;
      length = buffer.readUInt16BE(offset + 2);
      headerLength = 4;
    } else if (length === 127) {
      if (buffer.length - offset < 10) break;
      const big = buffer.readBigUInt64BE(offset + 2);
      if (big > BigInt(MAX_MESSAGE)) throw new Error("frame too large");
      length = Number(big);
      headerLength = 10;
    }
    if (length > MAX_MESSAGE) throw new Error("frame too large");
    const total = headerLength + 4 + length;
    if (buffer.length - offset < total) break;
    const mask = buffer.subarray(offset + headerLength, offset + headerLength + 4);
    const payload = Buffer.from(buffer.subarray(offset + headerLength + 4, offset + total));
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    onFrame(fin, opcode, payload);
    offset += total;
  }
  return buffer.subarray(offset);
}

/**
 * Handles an HTTP `upgrade` event: completes the RFC 6455 §4.2.2 handshake, then dials
 * `target` ({host, port}) and copies bytes both ways. `stats` counts what went through.
 */
export function relayUpgrade(request, socket, head, target, stats = { toTarget: 0, toBrowser: 0 }) {
  const key = request.headers["sec-websocket-key"];
  if (request.headers.upgrade?.toLowerCase() !== "websocket" || typeof key !== "string") {
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    return;
  }
  const accept = createHash("sha1").update(key + ACCEPT_GUID).digest("base64");
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  socket.setNoDelay(true);
  const upstream = net.connect(target.port, target.host);
  upstream.setNoDelay(true);
  let pending = Buffer.alloc(0);
  let fragments = [];
  let closed = false;
  const closeBoth = () => {
    if (closed) return;
    closed = true;
    if (!socket.destroyed) socket.end(encodeFrame(OP_CLOSE, Buffer.from([0x03, 0xe8])));
    upstream.end();
  };
  const onFrame = (fin, opcode, payload) => {
    if (opcode === OP_PING) return socket.write(encodeFrame(OP_PONG, payload));
    if (opcode === OP_PONG) return;
    if (opcode === OP_CLOSE) return closeBoth();
    if (opcode === OP_TEXT) throw new Error("the relay carries binary TLS bytes only");
    if (opcode !== OP_BINARY && opcode !== OP_CONTINUATION) throw new Error(`unknown opcode ${opcode}`);
    fragments.push(payload);
    if (!fin) return;
    const message = Buffer.concat(fragments);
    fragments = [];
    stats.toTarget += message.length;
    upstream.write(message);
  };
  const onBrowserBytes = (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    try {
      pending = parseClientFrames(pending, onFrame);
    } catch {
      socket.destroy();
      upstream.destroy();
    }
  };
  if (head && head.length > 0) onBrowserBytes(head);
  socket.on("data", onBrowserBytes);
  upstream.on("data", (chunk) => {
    stats.toBrowser += chunk.length;
    if (!socket.destroyed) socket.write(encodeFrame(OP_BINARY, chunk));
  });
  upstream.on("end", closeBoth);
  socket.on("end", closeBoth);
  upstream.on("error", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
  socket.on("close", () => upstream.destroy());
  upstream.on("close", closeBoth);
}
