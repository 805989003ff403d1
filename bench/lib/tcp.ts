/**
 * handshake.<type>.{node_tls_ms, mutls_native_ms} and webcrypto.p256.*: one complete mutual
 * handshake over loopback TCP, client and server in this process, fresh TCP connection each time
 * (TCP connect included for all). Node's `tls` (OpenSSL) against itself, and mutls with a given
 * provider (native, WebCrypto, pure) against itself, wired to node:net sockets directly. Nagle is
 * off on every socket so neither side waits on delayed ACKs. Every wait is bounded and every socket
 * and server is closed. run.ts alternates them in rounds (ABBA): each figure is the median of all
 * its samples, and each ratio the median of the per-round ratios (stats.ts pairedRatio).
 */
import * as net from "node:net";
import * as tls from "node:tls";
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { nativeProvider } from "../../src/node/index.js";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { benchCredentials, type BenchKeyType } from "./credentials.js";
import { clientConfig, serverConfig } from "../../test/helpers/pair.js";
import { now } from "./stats.js";

const WAIT_MS = 10_000;

function withTimeout<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as net.AddressInfo).port;
}

const closeServer = (server: net.Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** Samples (ms) of `iterations` Node tls handshakes after `warmup` unrecorded ones. */
export async function sampleNodeTls(type: BenchKeyType, iterations: number, warmup: number): Promise<number[]> {
  const creds = benchCredentials(type);
  const server = tls.createServer({
    cert: creds.serverCert,
    key: creds.serverKey,
    ca: creds.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: "TLSv1.3",
    noDelay: true,
  });
  let serverDone: (() => void) | null = null;
  const accepted = new Set<tls.TLSSocket>();
  server.on("secureConnection", (socket) => {
    accepted.add(socket);
    socket.on("error", () => undefined);
    serverDone?.();
  });
  const port = await listen(server);
  // One client context for all connections, as the mutls side reuses its config object.
  const clientContext = tls.createSecureContext({ ca: creds.ca, cert: creds.clientCert, key: creds.clientKey, minVersion: "TLSv1.3" });
  const samples: number[] = [];
  try {
    for (let i = 0; i < warmup + iterations; i++) {
      const serverSecure = new Promise<void>((resolve) => (serverDone = resolve));
      const t0 = now();
      const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", secureContext: clientContext });
      socket.setNoDelay(true);
      socket.on("error", () => undefined);
      const clientSecure = new Promise<void>((resolve, reject) => {
        socket.once("secureConnect", () => (socket.authorized ? resolve() : reject(new Error(`Node client: ${socket.authorizationError}`))));
        socket.once("error", reject);
      });
      await withTimeout("Node tls handshake", Promise.all([clientSecure, serverSecure]));
      const t1 = now();
      socket.destroy();
      for (const s of accepted) s.destroy();
      accepted.clear();
      if (i >= warmup) samples.push(t1 - t0);
    }
  } finally {
    await closeServer(server);
  }
  return samples;
}

/** Bound on the take-output / await-pending steps of one flush. */
const MAX_FLUSH_STEPS = 64;

/**
 * Feeds socket bytes to a mutls connection and writes its output back; resolves when the handshake
 * completes. A provider that answers synchronously never leaves `pending` set, so this path costs
 * no Promise per step; an asynchronous one (WebCrypto) sets it while the engine waits, and the
 * output it then produces is written when it settles. Bytes that arrive meanwhile go to `receive`
 * as usual: the engine holds them until it resumes.
 */
function drive(conn: ClientConnection | ServerConnection, socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const flush = (): void => {
      for (let step = 0; step < MAX_FLUSH_STEPS; step++) {
        const out = conn.takeOutput();
        if (out !== null) socket.write(out.slice());
        if (conn.error !== null) return reject(conn.error);
        const pending = conn.pending;
        if (pending !== null) {
          pending.then(flush, flush);
          return;
        }
        if (out === null) break;
      }
      if (conn.handshakeComplete) resolve();
    };
    socket.on("data", (chunk: Buffer) => {
      try {
        conn.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (e) {
        flush();
        reject(e);
        return;
      }
      flush();
    });
    socket.once("error", reject);
    socket.once("close", () => reject(new Error("socket closed before the handshake completed")));
    flush(); // the client's ClientHello
  });
}

/** Samples (ms) of `iterations` mutls+native handshakes after `warmup` unrecorded ones. */
export function sampleMutlsNative(type: BenchKeyType, iterations: number, warmup: number): Promise<number[]> {
  return sampleMutlsTcp(type, nativeProvider, iterations, warmup);
}

/** Samples (ms) of `iterations` mutls handshakes with `provider` on both sides, after `warmup` unrecorded ones. */
export async function sampleMutlsTcp(type: BenchKeyType, provider: CryptoProvider, iterations: number, warmup: number): Promise<number[]> {
  const creds = benchCredentials(type);
  // Built once, as a server or client process would (Node's tls side builds its SecureContext once too).
  const serverCfg = serverConfig(creds, { provider });
  const clientCfg = clientConfig(creds, { provider });
  let onServerConnection: ((socket: net.Socket) => void) | null = null;
  const server = net.createServer({ noDelay: true }, (socket) => onServerConnection?.(socket));
  const port = await listen(server);
  const samples: number[] = [];
  try {
    for (let i = 0; i < warmup + iterations; i++) {
      const sockets: net.Socket[] = [];
      const t0 = now();
      const serverSide = new Promise<void>((resolve, reject) => {
        onServerConnection = (socket) => {
          sockets.push(socket);
          socket.on("error", () => undefined);
          drive(new ServerConnection(serverCfg), socket).then(resolve, reject);
        };
      });
      const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
      sockets.push(socket);
      socket.on("error", () => undefined);
      const clientSide = new Promise<void>((resolve, reject) => {
        socket.once("connect", () => drive(new ClientConnection(clientCfg), socket).then(resolve, reject));
      });
      try {
        await withTimeout(`mutls handshake (${provider.name} provider)`, Promise.all([clientSide, serverSide]));
        if (i >= warmup) samples.push(now() - t0);
      } finally {
        for (const s of sockets) s.destroy();
      }
    }
  } finally {
    await closeServer(server);
  }
  return samples;
}

/** A sampler: `iterations` recorded samples (ms) after `warmup` unrecorded ones. */
export type Sampler = (iterations: number, warmup: number) => Promise<number[]>;

/** Each sampler's samples (ms), round by round: `rounds[name][r]` are its samples of round r. */
export interface Interleaved<K extends string> {
  readonly rounds: Record<K, number[][]>;
}

/** All of one sampler's samples, every round together (for its median). */
export const allSamples = (rounds: readonly (readonly number[])[]): number[] => rounds.flat();

/**
 * Every sampler in `rounds` rounds of `perRound` samples, in ABBA order (the order reverses every
 * round), so a change of load on the machine hits each alike, and the samples are kept per round
 * so that ratios can be taken round by round (stats.ts pairedRatio). The first round of each also
 * warms up `warmup` times; later rounds once (a fresh server and config each call).
 */
export async function sampleInterleaved<K extends string>(
  samplers: Record<K, Sampler>,
  rounds: number,
  perRound: number,
  warmup: number,
): Promise<Interleaved<K>> {
  const names = Object.keys(samplers) as K[];
  const perSampler = Object.fromEntries(names.map((name) => [name, [] as number[][]])) as Record<K, number[][]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      perSampler[name].push(await samplers[name](perRound, round === 0 ? warmup : 1));
    }
  }
  return { rounds: perSampler };
}
