// PostgreSQL with a client certificate: the SSLRequest in the clear, then TLS 1.3 by mutls on the
// same socket, then the startup message and one query (protocol 3.0). With `hostssl ... cert` in
// pg_hba.conf the server logs the client in as the certificate's CN: no password crosses the wire.
import * as net from "node:net";
import { once } from "node:events";
import { connect } from "mutls";
import { netTransport } from "mutls/node";

const SSL_REQUEST_CODE = 80877103; // 1234 << 16 | 5679 (PostgreSQL protocol, "SSLRequest")
const PROTOCOL_3_0 = 196608; // 3 << 16

/** Connects, authenticates by certificate, runs `sql` (one statement) and returns its rows as text. */
export async function queryWithClientCertificate({ host, port, user, database, ca, cert, key, servername, sql }) {
  const socket = net.connect({ host, port, allowHalfOpen: true });
  await once(socket, "connect");
  socket.write(int32s(8, SSL_REQUEST_CODE));
  const [answer] = await once(socket, "data"); // one byte: 'S' to go on with TLS, 'N' for no TLS
  if (answer.length !== 1 || answer[0] !== 0x53) throw new Error(`the server refused TLS (answered ${JSON.stringify(answer.toString("latin1"))})`);

  const tls = await connect(netTransport(socket), { ca, cert, key, servername });
  const messages = messageReader(tls);
  try {
    const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
    await tls.write(Buffer.concat([int32s(8 + params.length, PROTOCOL_3_0), params]));
    await untilReady(messages);
    const text = Buffer.from(`${sql}\0`);
    await tls.write(Buffer.concat([Buffer.from("Q"), int32s(4 + text.length), text]));
    const rows = await untilReady(messages);
    await tls.write(Buffer.concat([Buffer.from("X"), int32s(4)])); // Terminate
    return rows;
  } finally {
    await tls.close();
  }
}

const int32s = (...values) => {
  const out = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => out.writeInt32BE(v, 4 * i));
  return out;
};

/** Reads backend messages (a type byte, then a length that counts itself) until ReadyForQuery. */
async function untilReady(messages) {
  const rows = [];
  for (;;) {
    const { type, body } = await messages.next();
    if (type === "R" && body.readInt32BE(0) !== 0) throw new Error(`the server asks for authentication method ${body.readInt32BE(0)}, not the certificate`);
    if (type === "E") throw new Error(`PostgreSQL: ${errorMessage(body)}`);
    if (type === "D") rows.push(dataRow(body));
    if (type === "Z") return rows;
  }
}

function dataRow(body) {
  const row = [];
  for (let i = 0, at = 2; i < body.readInt16BE(0); i++) {
    const length = body.readInt32BE(at);
    row.push(length < 0 ? null : body.toString("utf8", at + 4, at + 4 + length));
    at += 4 + Math.max(length, 0);
  }
  return row;
}

function errorMessage(body) {
  const fields = body.toString("utf8").split("\0");
  return fields.find((f) => f.startsWith("M"))?.slice(1) ?? "unknown error";
}

function messageReader(tls) {
  let pending = Buffer.alloc(0);
  return {
    async next() {
      while (pending.length < 5 || pending.length < 1 + pending.readInt32BE(1)) {
        const chunk = await tls.read();
        if (chunk === null) throw new Error("the server closed the connection");
        pending = Buffer.concat([pending, chunk]);
      }
      const end = 1 + pending.readInt32BE(1);
      const message = { type: String.fromCharCode(pending[0]), body: pending.subarray(5, end) };
      pending = pending.subarray(end);
      return message;
    },
  };
}
