// A browser page reaching a TCP service that requires client certificates, through `mutls relay`.
// TLS runs in the page: the relay only forwards ciphertext between the WebSocket and the TCP port.
import { connect, webSocketTransport } from "mutls";

/**
 * Opens a mutual TLS connection through the relay at `relayUrl` (ws://RELAY/HOST:PORT, a target
 * the relay allows with --to), sends `message`, and returns the first answer with the server's identity.
 */
export async function askThroughRelay({ relayUrl, ca, cert, key, servername, message }) {
  const ws = new WebSocket(relayUrl);
  const tls = await connect(webSocketTransport(ws), { ca, cert, key, servername });
  try {
    await tls.write(new TextEncoder().encode(message));
    const answer = await tls.read();
    return { server: tls.peer?.subject, answer: new TextDecoder().decode(answer ?? undefined) };
  } finally {
    await tls.close();
  }
}
