// A device on Moddable XS or QuickJS (ESP32 or Raspberry Pi Pico class): mutual TLS with small
// records. The device asks its peer for records of at most 512 content bytes (RFC 8449
// record_size_limit, 513 on the wire with the content type byte), so its record buffers are
// sized for 512 bytes instead of 16 KiB.
// No Node or Web APIs are used: the firmware hands in a Transport over its own socket
// ({ read, write, closeWrite, close }), and crypto.getRandomValues from the device's RNG.
import { connect } from "mutls";

export const RECORD_SIZE_LIMIT = 512;

/** ASCII only: QuickJS has no TextEncoder. */
const ascii = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Sends one reading over mutual TLS and returns the gateway's whole answer (up to its close_notify). */
export async function sendReading(transport, { ca, cert, key, servername }, reading) {
  const tls = await connect(transport, { ca, cert, key, servername, config: { recordSizeLimit: RECORD_SIZE_LIMIT } });
  await tls.write(ascii(`${reading}\n`));
  await tls.closeWrite(); // our close_notify: the reading is complete
  let answer = "";
  for (let chunk = await tls.read(); chunk !== null; chunk = await tls.read()) answer += String.fromCharCode(...chunk);
  await tls.close();
  return answer;
}
