/**
 * The parts of the Fetch API mtlsFetch uses and returns, declared structurally: the core is
 * type-checked with the ES2020 library only, so it cannot name the global `Headers` or `Response`.
 * At run time they are the runtime's own (Node 18+, Deno, Bun, workerd and browsers all have them).
 */
import { UsageError } from "../bytes/index.js";
import type { ReadableStream } from "../transport/stream-types.js";

export interface HeadersLike {
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  forEach(callback: (value: string, name: string) => void): void;
}

/** What `new Headers(init)` accepts. */
export type HeadersInitLike = HeadersLike | readonly (readonly [string, string])[] | Readonly<Record<string, string>>;

/** Request bodies mtlsFetch can frame: bytes and text with a Content-Length, a stream chunked. */
export type BodyInitLike = string | Uint8Array | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>;

export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** A `Request` (or anything shaped like one) given as mtlsFetch's input. */
export interface RequestLike {
  readonly url: string;
  readonly method: string;
  readonly headers: HeadersLike;
  readonly body: ReadableStream<Uint8Array> | null;
  readonly signal?: AbortSignalLike;
}

/** The runtime's `Response`: status, headers and a streaming body. */
export interface ResponseLike {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly headers: HeadersLike;
  readonly body: ReadableStream<Uint8Array> | null;
  readonly bodyUsed: boolean;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

type HeadersConstructor = new (init?: HeadersInitLike) => HeadersLike;
type ResponseConstructor = new (body: ReadableStream<Uint8Array> | null, init: { status: number; statusText: string; headers: HeadersLike }) => ResponseLike;
interface UrlLike {
  readonly protocol: string;
  readonly hostname: string;
  readonly host: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly href: string;
  readonly username: string;
  readonly password: string;
}
type UrlConstructor = new (input: string) => UrlLike;
type TextEncoderConstructor = new () => { encode(text: string): Uint8Array };

export interface FetchGlobals {
  readonly Headers: HeadersConstructor;
  readonly Response: ResponseConstructor;
  readonly URL: UrlConstructor;
  readonly TextEncoder: TextEncoderConstructor;
}

/** The runtime's Fetch classes, or a TypeError naming what is missing (QuickJS, XS: use `connect()` directly). */
export function fetchGlobals(): FetchGlobals {
  const g = globalThis as unknown as Partial<FetchGlobals>;
  const missing = (["Headers", "Response", "URL", "TextEncoder"] as const).filter((name) => typeof g[name] !== "function");
  if (missing.length > 0)
    throw new UsageError(`mtlsFetch needs the runtime's ${missing.join(", ")}; this runtime lacks them (use connect() and write HTTP yourself)`);
  return g as FetchGlobals;
}
