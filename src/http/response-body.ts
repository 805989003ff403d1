/**
 * A response body as a ReadableStream, read from the connection only as the consumer pulls
 * (backpressure reaches the server), framed as `bodyFraming` decided. When the body ends cleanly
 * the connection is handed back (`finish(true)`); any other end closes it.
 */
import { type ReadableStream, streamConstructors } from "../transport/stream-types.js";
import type { BodyFraming } from "./body-framing.js";
import { ChunkedDecoder } from "./chunked-decoder.js";
import type { HttpConnection } from "./http-connection.js";
import { HttpError } from "./http-error.js";
import type { HttpLimits } from "./limits.js";

export interface BodyContext {
  readonly connection: HttpConnection;
  readonly limits: HttpLimits;
  /** Longest wait for the next bytes of the body. */
  readonly bodyTimeoutMs: number;
  /** Called once: with true after a cleanly framed end, false on an error, a cancel or a close-delimited end. */
  readonly finish: (clean: boolean) => void;
  /** Maps a failure to what the consumer sees (an abort becomes the signal's reason). */
  readonly mapError: (e: unknown) => unknown;
}

interface Controller {
  enqueue(chunk: Uint8Array): void;
  close(): void;
}

type Pull = (controller: Controller) => Promise<void>;

function closedEarly(message: string): HttpError {
  return new HttpError("connection_closed", `the server closed the connection ${message}`);
}

function lengthPull(ctx: BodyContext, length: number): Pull {
  let remaining = length;
  return async (controller) => {
    while (remaining > 0) {
      let chunk = await ctx.connection.read(ctx.bodyTimeoutMs, "response body");
      if (chunk === null) throw closedEarly(`after ${length - remaining} of the ${length} bytes its Content-Length announced`);
      if (chunk.length > remaining) {
        // More than announced: kept aside, so the connection is not reused (hasUnread).
        ctx.connection.putBack(chunk.subarray(remaining));
        chunk = chunk.subarray(0, remaining);
      }
      remaining -= chunk.length;
      if (chunk.length === 0) continue;
      controller.enqueue(chunk);
      if (remaining > 0) return;
    }
    controller.close();
    ctx.finish(true);
  };
}

function chunkedPull(ctx: BodyContext): Pull {
  const decoder = new ChunkedDecoder(ctx.limits);
  return async (controller) => {
    for (;;) {
      const chunk = await ctx.connection.read(ctx.bodyTimeoutMs, "response body");
      if (chunk === null) throw closedEarly("before the last chunk of a chunked body");
      const { data, consumed, done } = decoder.decode(chunk);
      for (const piece of data) controller.enqueue(piece);
      if (done) {
        ctx.connection.putBack(chunk.subarray(consumed));
        controller.close();
        ctx.finish(true);
        return;
      }
      if (data.length > 0) return;
    }
  };
}

/** RFC 9112 §6.3 rule 8: the body is everything until the server closes (with close_notify: a TLSError otherwise). */
function untilClosePull(ctx: BodyContext): Pull {
  return async (controller) => {
    for (;;) {
      const chunk = await ctx.connection.read(ctx.bodyTimeoutMs, "response body");
      if (chunk === null) {
        controller.close();
        ctx.finish(false);
        return;
      }
      if (chunk.length > 0) {
        controller.enqueue(chunk);
        return;
      }
    }
  };
}

/** The body stream for `framing`, or null for a response without a body (the connection is finished at once). */
export function responseBody(framing: BodyFraming, ctx: BodyContext): ReadableStream<Uint8Array> | null {
  if (framing.kind === "none") {
    ctx.finish(true);
    return null;
  }
  const { ReadableStream } = streamConstructors();
  if (framing.kind === "length" && framing.length === 0) {
    // Nothing to read: the connection is free now, whether or not the consumer reads the body.
    ctx.finish(true);
    return new ReadableStream<Uint8Array>({ pull: (controller) => controller.close() });
  }
  const pull = framing.kind === "length" ? lengthPull(ctx, framing.length) : framing.kind === "chunked" ? chunkedPull(ctx) : untilClosePull(ctx);
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      pull: async (controller) => {
        if (settled) return;
        try {
          await pull({
            enqueue: (chunk) => controller.enqueue(chunk),
            close: () => {
              settled = true;
              controller.close();
            },
          });
        } catch (e) {
          settled = true;
          ctx.finish(false);
          throw ctx.mapError(e);
        }
      },
      cancel: () => {
        if (settled) return;
        settled = true;
        ctx.finish(false);
      },
    },
    { highWaterMark: 0 },
  );
}
