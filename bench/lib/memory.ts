/**
 * memory.{client,server}_idle_bytes: retained memory per idle established connection. `count`
 * pairs are established and kept; after full GCs the growth of V8 heap plus ArrayBuffer backing
 * stores (record buffers live outside the V8 heap) is divided by `count`. Dropping the servers
 * and measuring again separates the client's share from the server's. Each side's config object is
 * built once and shared by all its connections, as in a real client or server, so what is counted is
 * the connection's own state, not a resolved copy of its configuration.
 */
import type { ClientConnection, ServerConnection } from "../../src/index.js";
import { benchCredentials } from "./credentials.js";
import { clientConfig, establishedPairFrom, serverConfig, type PairOptions } from "../../test/helpers/pair.js";
import { collect } from "./stats.js";

function retained(): number {
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function measureIdleMemory(count: number, opts: PairOptions = {}): { client_idle_bytes: number; server_idle_bytes: number } {
  const creds = benchCredentials("p256");
  const client = clientConfig(creds, opts);
  const server = serverConfig(creds, opts);
  const establishedPair = (): ReturnType<typeof establishedPairFrom> => establishedPairFrom(client, server);
  establishedPair(); // warm every lazy table (noble precomputes, code caches) before the baseline
  const clients: ClientConnection[] = [];
  let servers: ServerConnection[] = [];
  const base = retained();
  for (let i = 0; i < count; i++) {
    const pair = establishedPair();
    clients.push(pair.client);
    servers.push(pair.server);
  }
  const both = retained();
  servers = [];
  const clientsOnly = retained();
  if (clients.length !== count || servers.length !== 0) throw new Error("unreachable");
  return {
    client_idle_bytes: Math.round((clientsOnly - base) / count),
    server_idle_bytes: Math.round((both - clientsOnly) / count),
  };
}
