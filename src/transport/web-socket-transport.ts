import { ReceiveQueue } from "./receive-queue.js";
import type { Transport } from "./transport.js";

/** The event a WebSocket hands to "message" listeners; `data` is an ArrayBuffer with binaryType "arraybuffer". */
export interface WebSocketMessageLike {
  readonly data: unknown;
}

/** The subset of the browser `WebSocket` the adapter uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "close" | "error", listener: () => void): void;
  addEventListener(type: "message", listener: (event: WebSocketMessageLike) => void): void;
}

// WebSocket readyState values (WHATWG HTML §9.3).
const CONNECTING = 0;
const OPEN = 1;

/** Above this many unsent bytes, `write` waits for the socket to drain. */
const SEND_HIGH_WATER_MARK = 256 * 1024;
/** How often to look at `bufferedAmount` while waiting (browsers emit no drain event). */
const DRAIN_POLL_MS = 10;

type Sleep = (ms: number) => Promise<void>;

function globalSleep(): Sleep | null {
  const g = globalThis as { setTimeout?: (callback: () => void, ms: number) => unknown };
  const setTimer = g.setTimeout;
  if (typeof setTimer !== "function") return null;
  return (ms) => new Promise<void>((resolve) => setTimer(resolve, ms));
}

/**
 * Adapts a browser-style WebSocket that carries raw TLS bytes, one or more records per binary
 * message, to a WebSocket-to-TCP relay. The relay sees only ciphertext.
 *
 * A WebSocket cannot pause its sender, so received messages are queued until read. Sending waits
 * while `bufferedAmount` exceeds 256 KiB, polling where the runtime has `setTimeout`. A WebSocket
 * has no half-close, so `closeWrite` is absent: close_notify is sent and the socket stays open
 * until `close()`.
 */
export function webSocketTransport(ws: WebSocketLike): Transport {
  ws.binaryType = "arraybuffer";
  const sleep = globalSleep();
  const received = new ReceiveQueue();
  const opened = new Promise<void>((resolve, reject) => {
    if (ws.readyState === OPEN) resolve();
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("close", () => reject(new Error("the WebSocket closed before it opened")));
  });
  opened.catch(() => undefined); // observed by write()

  ws.addEventListener("message", (event) => {
    const data = event.data;
    if (data instanceof ArrayBuffer) received.push(new Uint8Array(data));
    else if (data instanceof Uint8Array) received.push(data.slice());
    else received.fail(new Error("the WebSocket delivered a text message; the relay must send binary messages"));
  });
  ws.addEventListener("error", () => received.fail(new Error("the WebSocket reported an error")));
  ws.addEventListener("close", () => received.end());

  return {
    read() {
      return received.next();
    },
    async write(chunk) {
      if (ws.readyState === CONNECTING) await opened;
      if (received.failure) throw received.failure;
      if (ws.readyState !== OPEN) throw new Error("the WebSocket is closed");
      ws.send(chunk);
      while (sleep !== null && ws.bufferedAmount > SEND_HIGH_WATER_MARK && ws.readyState === OPEN) {
        await sleep(DRAIN_POLL_MS);
      }
    },
    async close() {
      received.end();
      if (ws.readyState === CONNECTING || ws.readyState === OPEN) ws.close(1000, "TLS connection closed");
    },
  };
}
