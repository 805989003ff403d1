/**
 * Keep-alive for mtlsFetch (RFC 9112 §9.3): idle connections kept per origin and per TLS options,
 * so a connection authenticated with one client certificate never carries a request made with
 * another. Bounded three ways: per origin, in total, and in time.
 */
import { UsageError } from "../bytes/index.js";
import type { HttpConnection } from "./http-connection.js";

export interface ConnectionPoolOptions {
  /** Idle connections kept per origin (default 4). */
  readonly maxIdlePerOrigin?: number;
  /** Idle connections kept in all (default 32); the oldest is closed first. */
  readonly maxIdle?: number;
  /**
   * How long a connection may stay idle (default 4000 ms, below the 5 s keep-alive timeout of
   * Node's HTTP server, so we close first rather than race the server's close).
   */
  readonly idleTimeoutMs?: number;
}

interface IdleEntry {
  readonly connection: HttpConnection;
  readonly cancelTimer: () => void;
}

interface Unrefable {
  unref?: () => void;
}

/** An idle timer that does not keep a Node or Deno process alive by itself. */
function idleTimer(ms: number, onTimeout: () => void): () => void {
  const g = globalThis as { setTimeout?: (f: () => void, ms: number) => unknown; clearTimeout?: (h: unknown) => void };
  if (typeof g.setTimeout !== "function" || typeof g.clearTimeout !== "function") return () => undefined;
  const handle = g.setTimeout(onTimeout, ms);
  const unref = (handle as Unrefable | null)?.unref;
  if (typeof unref === "function") unref.call(handle);
  const clear = g.clearTimeout;
  return () => clear(handle);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer`);
  return n;
}

/** Idle mTLS connections for mtlsFetch to reuse; pass it as `pool` to every call that may share them. */
export class ConnectionPool {
  /** Idle connections by origin, most recently used last. */
  private readonly idle = new Map<string, IdleEntry[]>();
  private idleCount = 0;
  private closed = false;
  private readonly maxIdlePerOrigin: number;
  private readonly maxIdle: number;
  private readonly idleTimeoutMs: number;

  constructor(options: ConnectionPoolOptions = {}) {
    this.maxIdlePerOrigin = positive(options.maxIdlePerOrigin, 4, "maxIdlePerOrigin");
    this.maxIdle = positive(options.maxIdle, 32, "maxIdle");
    this.idleTimeoutMs = positive(options.idleTimeoutMs, 4000, "idleTimeoutMs");
  }

  /** Idle connections held now. */
  get size(): number {
    return this.idleCount;
  }

  /** An idle connection to `origin` made with TLS options `sameOptions` accepts, or null. */
  take(origin: string, sameOptions: (options: object) => boolean): HttpConnection | null {
    const entries = this.idle.get(origin);
    if (entries === undefined) return null;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (!sameOptions(entry.connection.options)) continue;
      this.remove(origin, entries, i);
      return entry.connection;
    }
    return null;
  }

  /** Keeps a connection whose last response ended cleanly, or closes it if the pool is full or closed. */
  give(connection: HttpConnection): void {
    if (this.closed || connection.closed || this.maxIdlePerOrigin === 0 || this.maxIdle === 0) {
      void connection.close();
      return;
    }
    const origin = connection.origin;
    let entries = this.idle.get(origin);
    if (entries === undefined) {
      entries = [];
      this.idle.set(origin, entries);
    }
    if (entries.length >= this.maxIdlePerOrigin) this.evict(origin, entries, 0);
    if (this.idleCount >= this.maxIdle) this.evictOldest();
    // An eviction may have emptied and dropped this origin's list.
    if (this.idle.get(origin) !== entries) this.idle.set(origin, entries);
    const list = entries;
    const entry: IdleEntry = {
      connection,
      cancelTimer: idleTimer(this.idleTimeoutMs, () => {
        const at = list.indexOf(entry);
        if (at >= 0) this.evict(origin, list, at);
      }),
    };
    entries.push(entry);
    this.idleCount++;
  }

  /** Closes every idle connection and refuses new ones. Connections in use close when their response ends. */
  async close(): Promise<void> {
    this.closed = true;
    const all: Promise<void>[] = [];
    for (const [origin, entries] of this.idle) {
      while (entries.length > 0) all.push(this.evict(origin, entries, entries.length - 1));
    }
    await Promise.all(all);
  }

  private remove(origin: string, entries: IdleEntry[], at: number): IdleEntry {
    const [entry] = entries.splice(at, 1);
    entry.cancelTimer();
    this.idleCount--;
    if (entries.length === 0 && this.idle.get(origin) === entries) this.idle.delete(origin);
    return entry;
  }

  private evict(origin: string, entries: IdleEntry[], at: number): Promise<void> {
    return this.remove(origin, entries, at).connection.close();
  }

  /** The map keeps origins in the order first used; the first entry of the first origin is a fair "oldest". */
  private evictOldest(): void {
    for (const [origin, entries] of this.idle) {
      if (entries.length > 0) {
        void this.evict(origin, entries, 0);
        return;
      }
    }
  }
}

/** A pool for mtlsFetch's `pool` option. */
export function createConnectionPool(options?: ConnectionPoolOptions): ConnectionPool {
  return new ConnectionPool(options);
}
