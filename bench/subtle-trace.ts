/**
 * The `crypto.subtle` calls of one mutual P-256 handshake over loopback TCP, both sides in this
 * process on the WebCrypto provider, as a timeline: when each side starts and ends each call,
 * writes and receives bytes, and completes. Each side has its own provider over its own wrapper of
 * Node's `crypto.subtle`, so every call is attributed to the side that made it; calls that start
 * before the previous one ended overlap. Not a benchmark: it shows which calls a handshake waits
 * on (docs/performance.md, "The handshake's waits on crypto.subtle").
 *
 * `node bench/build.mjs && node bench/.out/subtle-trace.mjs [handshakes]` (the last one is shown).
 */
import * as net from "node:net";
import { webCryptoProvider } from "../src/crypto/webcrypto/index.js";
import type { SubtleLike } from "../src/crypto/webcrypto/subtle.js";
import { ClientConnection, ServerConnection } from "../src/index.js";
import { benchCredentials } from "./lib/credentials.js";
import { clientConfig, serverConfig } from "../test/helpers/pair.js";

const METHODS = ["importKey", "generateKey", "exportKey", "deriveBits", "sign", "verify", "encrypt", "decrypt"] as const;
const events: string[] = [];
let t0 = 0;
let calls = 0;
const at = (): string => (performance.now() - t0).toFixed(3).padStart(8);

/** Node's crypto.subtle, each call logged as `side`'s. */
function traced(side: "client" | "server"): SubtleLike {
  const real = globalThis.crypto.subtle as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const wrapper: Record<string, unknown> = {};
  for (const method of METHODS) {
    wrapper[method] = (...args: unknown[]) => {
      const id = ++calls;
      const algorithm = (args[method === "importKey" ? 2 : 0] as { name?: string } | undefined)?.name ?? String(args[0]);
      const started = at();
      const before = performance.now();
      const promise = real[method].apply(globalThis.crypto.subtle, args);
      // The calling thread's share of the call: what it spends before the Promise is returned.
      const sync = ((performance.now() - before) * 1000).toFixed(0);
      events.push(`${started} ${side} start #${id} ${method}(${algorithm}) (${sync} µs on this thread)`);
      return promise.then((value) => {
        events.push(`${at()} ${side} end   #${id} ${method}`);
        return value;
      });
    };
  }
  return wrapper as unknown as SubtleLike;
}

/** Moves a connection's bytes over `socket` (as bench/lib/tcp.ts does), logging writes, reads and completion. */
function drive(conn: ClientConnection | ServerConnection, socket: net.Socket, side: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const flush = (): void => {
      for (let step = 0; step < 64; step++) {
        const out = conn.takeOutput();
        if (out !== null) {
          events.push(`${at()} ${side} writes ${out.length} bytes`);
          socket.write(out.slice());
        }
        if (conn.error !== null) return reject(conn.error);
        if (conn.pending !== null) {
          conn.pending.then(flush, flush);
          return;
        }
        if (out === null) break;
      }
      if (conn.handshakeComplete) {
        events.push(`${at()} ${side} complete`);
        resolve();
      }
    };
    socket.on("data", (chunk: Buffer) => {
      events.push(`${at()} ${side} receives ${chunk.length} bytes`);
      try {
        conn.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (e) {
        reject(e);
        return;
      }
      flush();
    });
    socket.once("error", reject);
    flush();
  });
}

const handshakes = Number(process.argv[2] ?? 20);
const creds = benchCredentials("p256");
const client = clientConfig(creds, { provider: await webCryptoProvider({ subtle: traced("client") }) });
const server = serverConfig(creds, { provider: await webCryptoProvider({ subtle: traced("server") }) });
let onConnection: ((socket: net.Socket) => void) | null = null;
const listener = net.createServer({ noDelay: true }, (socket) => onConnection?.(socket));
await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", () => resolve()));
const port = (listener.address() as net.AddressInfo).port;
try {
  for (let i = 0; i < handshakes; i++) {
    events.length = 0;
    t0 = performance.now();
    const sockets: net.Socket[] = [];
    const serverSide = new Promise<void>((resolve, reject) => {
      onConnection = (socket) => {
        sockets.push(socket);
        drive(new ServerConnection(server), socket, "server").then(resolve, reject);
      };
    });
    const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    sockets.push(socket);
    const clientSide = new Promise<void>((resolve, reject) => {
      socket.once("connect", () => {
        events.push(`${at()} client connected`);
        drive(new ClientConnection(client), socket, "client").then(resolve, reject);
      });
    });
    await Promise.all([clientSide, serverSide]);
    const ms = performance.now() - t0;
    for (const s of sockets) s.destroy();
    if (i === handshakes - 1) {
      console.log(events.join("\n"));
      console.log(`handshake ${i + 1} of ${handshakes}: ${ms.toFixed(2)} ms`);
    }
  }
} finally {
  listener.close();
}
