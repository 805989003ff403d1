/**
 * Runs inside workerd (Cloudflare's Workers runtime), bundled as the Worker of the runtime matrix's
 * config (test/runtimes/entries/workerd/config.capnp.template). Each request
 * `GET /?provider=webcrypto|pure&n=N` runs N complete mutual P-256 handshakes, both sides in this
 * Worker, over the sans-I/O engine in memory (the async pump below), and answers when they are done.
 * `n=0` answers at once: the request's own cost, which bench/lib/workerd.ts subtracts.
 *
 * workerd stops its clocks while a request computes (they move only on I/O, against timing side
 * channels), so the Worker does not time itself: the bench times each request from outside.
 * The configs and the WebCrypto provider (its detection) are built on first use and reused, as a
 * long-lived Worker isolate would.
 */
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
import { type MutualCredentials, clientConfig, pairFrom, serverConfig, type ClientConfig, type ServerConfig } from "../../test/helpers/pair.js";

/** The P-256 test credentials, put in by the bundler (bench/lib/workerd.ts). */
declare const __CREDENTIALS__: MutualCredentials;

/** Bound on the exchange rounds of one handshake (it needs about four). */
const MAX_ROUNDS = 50;
/** Bound on the take-output / await-pending steps of one side's flush. */
const MAX_FLUSH_STEPS = 64;

interface Side {
  takeOutput(): Uint8Array | null;
  receive(bytes: Uint8Array): void;
  readonly pending: Promise<void> | null;
  readonly handshakeComplete: boolean;
}

/** Everything `side` has to send now, waiting on its asynchronous steps as often as needed. */
async function drain(side: Side): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  for (let step = 0; step < MAX_FLUSH_STEPS; step++) {
    const out = side.takeOutput();
    if (out !== null) parts.push(out.slice());
    const pending = side.pending;
    if (pending === null) {
      if (out === null) return parts;
      continue;
    }
    await pending.catch(() => undefined);
  }
  throw new Error("a side went on producing output");
}

async function handshake(client: ClientConfig, server: ServerConfig): Promise<void> {
  const pair = pairFrom(client, server);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const toServer = await drain(pair.client);
    for (const bytes of toServer) pair.server.receive(bytes);
    const toClient = await drain(pair.server);
    for (const bytes of toClient) pair.client.receive(bytes);
    if (pair.client.handshakeComplete && pair.server.handshakeComplete) return;
    if (toServer.length === 0 && toClient.length === 0 && pair.client.pending === null && pair.server.pending === null) break;
  }
  throw new Error(`the handshake did not complete: ${pair.client.error?.message ?? pair.server.error?.message ?? "no error"}`);
}

const configs = new Map<string, Promise<{ client: ClientConfig; server: ServerConfig; native: readonly string[] }>>();

function configsFor(name: string): Promise<{ client: ClientConfig; server: ServerConfig; native: readonly string[] }> {
  let found = configs.get(name);
  if (found === undefined) {
    found = (async () => {
      const web = name === "webcrypto" ? await webCryptoProvider() : null;
      const provider: CryptoProvider = web ?? pureProvider;
      return {
        client: clientConfig(__CREDENTIALS__, { provider }),
        server: serverConfig(__CREDENTIALS__, { provider }),
        native: web?.webCryptoAlgorithms ?? [],
      };
    })();
    configs.set(name, found);
  }
  return found;
}

export default {
  async fetch(request: { url: string }): Promise<Response> {
    try {
      const url = new URL(request.url);
      const n = Number(url.searchParams.get("n") ?? "1");
      const name = url.searchParams.get("provider") ?? "pure";
      if (name !== "pure" && name !== "webcrypto") throw new Error(`no provider ${name}`);
      if (n === 0) return Response.json({ n });
      const { client, server, native } = await configsFor(name);
      for (let i = 0; i < n; i++) await handshake(client, server);
      return Response.json({ n, provider: name, native });
    } catch (error) {
      return Response.json({ error: String(error instanceof Error ? (error.stack ?? error.message) : error) }, { status: 500 });
    }
  },
};
