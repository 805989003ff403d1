/**
 * Writing a request: the head, then its body as RFC 9112 §6 frames it (Content-Length for bytes,
 * the chunked coding for a stream), each write resolving when the transport took it.
 */
import type { ReadableStream } from "../transport/stream-types.js";
import type { HttpConnection } from "./http-connection.js";
import { HttpError } from "./http-error.js";
import type { PreparedRequest } from "./prepare-request.js";
import { LAST_CHUNK, type RequestFraming, encodeChunk } from "./request-head.js";

/** A body up to this size goes out in the same write as the head. */
const COALESCE_BYTES = 16 * 1024;

export function requestFraming(request: PreparedRequest): RequestFraming {
  const body = request.body;
  if (body === null) {
    // RFC 9110 §8.6: a user agent should send Content-Length: 0 when a method that expects
    // content (POST, PUT, PATCH) has none.
    return request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS" || request.method === "DELETE"
      ? { kind: "none" }
      : { kind: "length", length: 0 };
  }
  return body instanceof Uint8Array ? { kind: "length", length: body.length } : { kind: "chunked" };
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new HttpError("invalid_request", "the request body stream produced a chunk that is not bytes");
}

async function sendStream(connection: HttpConnection, body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      let result;
      try {
        result = await reader.read();
      } catch (e) {
        throw new HttpError("invalid_request", `the request body stream failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (result.done) break;
      const bytes = toBytes(result.value);
      if (bytes.length > 0) await connection.secure.write(encodeChunk(bytes));
    }
    await connection.secure.write(LAST_CHUNK);
  } catch (e) {
    reader.cancel(e).catch(() => undefined);
    throw e;
  } finally {
    reader.releaseLock();
  }
}

export async function sendRequest(connection: HttpConnection, request: PreparedRequest, head: Uint8Array): Promise<void> {
  const body = request.body;
  if (body === null) return connection.secure.write(head);
  if (body instanceof Uint8Array) {
    if (body.length > COALESCE_BYTES) {
      await connection.secure.write(head);
      return connection.secure.write(body);
    }
    const both = new Uint8Array(head.length + body.length);
    both.set(head);
    both.set(body, head.length);
    return connection.secure.write(both);
  }
  await connection.secure.write(head);
  return sendStream(connection, body);
}
