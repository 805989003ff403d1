/**
 * docs/recipes/device.mjs as written, in a bare VM (Moddable XS): the device's sendReading()
 * talks to a gateway (mutls, requiring a client certificate) over memoryTransportPair(). The
 * gateway's transport is watched on the wire: every protected record it sends is parsed from its
 * 5-byte header (RFC 8446 §5.1), so the report shows whether the 512-byte limit the device asked
 * for (RFC 8449) held, independently of what either engine says.
 */
import { RECORD_SIZE_LIMIT, sendReading } from "../../../docs/recipes/device.mjs";
import { accept, memoryTransportPair } from "mutls";

/* global __config, __report */
const cfg = __config;
const ANSWER_BYTES = 3000;
const APPLICATION_DATA = 23;

/** Wraps a transport and records the type and length of every record written through it. */
function watchRecords(inner, records) {
  let pending = [];
  return {
    read: () => inner.read(),
    close: () => inner.close(),
    closeWrite: () => inner.closeWrite(),
    write(chunk) {
      pending = pending.concat(Array.from(chunk));
      while (pending.length >= 5 && pending.length >= 5 + ((pending[3] << 8) | pending[4])) {
        const length = (pending[3] << 8) | pending[4];
        records.push({ type: pending[0], length });
        pending = pending.slice(5 + length);
      }
      return inner.write(chunk);
    },
  };
}

async function gateway(transport) {
  const tls = await accept(transport, { ca: cfg.ca, cert: cfg.serverCert, key: cfg.serverKey, requestCert: true, rejectUnauthorized: true });
  let reading = "";
  for (let i = 0; i < 100; i++) {
    const chunk = await tls.read();
    if (chunk === null) break;
    reading += String.fromCharCode(...chunk);
  }
  const answer = `ack ${reading.trim()} from ${tls.peer.uris.join(",")} `.padEnd(ANSWER_BYTES, ".");
  await tls.write(Uint8Array.from(answer, (c) => c.charCodeAt(0)));
  await tls.close();
  return answer;
}

async function run() {
  const [deviceSide, gatewaySide] = memoryTransportPair();
  const records = [];
  const served = gateway(watchRecords(gatewaySide, records));
  const answer = await sendReading(deviceSide, { ca: cfg.ca, cert: cfg.cert, key: cfg.key, servername: cfg.servername }, cfg.message);
  const sent = await served;
  const protectedLengths = records.filter((r) => r.type === APPLICATION_DATA).map((r) => r.length);
  return {
    limit: RECORD_SIZE_LIMIT,
    answerMatches: answer === sent,
    answerLength: answer.length,
    answerHead: answer.slice(0, 120),
    protectedRecords: protectedLengths.length,
    largestProtectedRecord: Math.max(...protectedLengths),
  };
}

run().then(
  (result) => __report(JSON.stringify(result)),
  (error) => __report(JSON.stringify({ error: String(error && error.stack ? error.message + "\n" + error.stack : error) })),
);
