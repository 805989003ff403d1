/**
 * The parts of the WHATWG Streams API the transports use, declared structurally. The core is
 * type-checked with the ES2020 library only (no DOM, no Node), so it cannot name the global
 * `ReadableStream`; the streams of browsers, Node, Deno, Bun and workerd all satisfy these shapes.
 */

export interface StreamReadResult<T> {
  readonly done: boolean;
  readonly value?: T;
}

export interface ReadableStreamReaderLike<T> {
  read(): Promise<StreamReadResult<T>>;
  releaseLock(): void;
  cancel(reason?: unknown): Promise<void>;
  readonly closed: Promise<unknown>;
}

export interface WritableStreamWriterLike<T> {
  write(chunk: T): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
  releaseLock(): void;
  readonly ready: Promise<unknown>;
  readonly closed: Promise<unknown>;
  readonly desiredSize: number | null;
}

export interface ReadableStream<T> {
  readonly locked: boolean;
  getReader(): ReadableStreamReaderLike<T>;
  cancel(reason?: unknown): Promise<void>;
  pipeTo(destination: WritableStream<T>, options?: { preventClose?: boolean; preventAbort?: boolean; preventCancel?: boolean }): Promise<void>;
}

export interface WritableStream<T> {
  readonly locked: boolean;
  getWriter(): WritableStreamWriterLike<T>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

interface ReadableController<T> {
  enqueue(chunk: T): void;
  close(): void;
  error(reason?: unknown): void;
}

interface WritableController {
  error(reason?: unknown): void;
}

type ReadableConstructor = new <T>(
  source: {
    pull?: (controller: ReadableController<T>) => Promise<void> | void;
    cancel?: (reason?: unknown) => Promise<void> | void;
  },
  strategy?: { highWaterMark?: number },
) => ReadableStream<T>;

type WritableConstructor = new <T>(
  sink: {
    write?: (chunk: T, controller: WritableController) => Promise<void> | void;
    close?: () => Promise<void> | void;
    abort?: (reason?: unknown) => Promise<void> | void;
  },
  strategy?: { highWaterMark?: number },
) => WritableStream<T>;

/** The runtime's stream constructors, looked up on `globalThis` (QuickJS and other bare engines have none). */
export function streamConstructors(): { ReadableStream: ReadableConstructor; WritableStream: WritableConstructor } {
  const g = globalThis as { ReadableStream?: ReadableConstructor; WritableStream?: WritableConstructor };
  if (typeof g.ReadableStream !== "function" || typeof g.WritableStream !== "function") {
    throw new TypeError(
      "this runtime has no ReadableStream/WritableStream: use read() and write() instead of readable/writable",
    );
  }
  return { ReadableStream: g.ReadableStream, WritableStream: g.WritableStream };
}
