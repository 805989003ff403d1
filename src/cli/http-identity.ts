/**
 * `mutls server --http`: answers each HTTP/1.1 request (RFC 9112) on a connection with the
 * identity the client proved, as JSON, like `openssl s_server -www` answers with its session. So
 * `curl --cert client.pem --key client.key --cacert ca.pem https://HOST:PORT/` shows what the
 * server saw. Requests are hostile input: the head is bounded, bodies are read by Content-Length
 * only (anything else is answered once, then the connection is closed).
 */
import type { SecureConnection } from "../index.js";
import { handshakeJson, identityJson } from "./describe.js";

/** Largest request head accepted (request line and header fields). */
const MAX_HEAD_BYTES = 16384;
/** Largest request body read (and discarded) to keep a connection alive. */
const MAX_BODY_BYTES = 1 << 20;
/** Requests served on one connection before it is closed. */
const MAX_REQUESTS = 100;

const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly version: string;
  readonly headers: Map<string, string>;
}

/** Buffered reading of the connection's application data. */
class Incoming {
  private buffer = new Uint8Array(0);
  private ended = false;
  constructor(private readonly connection: SecureConnection) {}

  /** Reads more; false at the client's close_notify. */
  private async more(): Promise<boolean> {
    if (this.ended) return false;
    const chunk = await this.connection.read();
    if (chunk === null) {
      this.ended = true;
      return false;
    }
    const next = new Uint8Array(this.buffer.length + chunk.length);
    next.set(this.buffer);
    next.set(chunk, this.buffer.length);
    this.buffer = next;
    return true;
  }

  /** The bytes up to and including the blank line that ends a head; null at a clean end; "too large" past the bound. */
  async head(): Promise<Uint8Array | null | "too large"> {
    for (;;) {
      const end = indexOfBlankLine(this.buffer);
      if (end !== -1) {
        const head = this.buffer.subarray(0, end);
        this.buffer = this.buffer.slice(end);
        return head;
      }
      if (this.buffer.length > MAX_HEAD_BYTES) return "too large";
      if (!(await this.more())) return null;
    }
  }

  /** Discards `length` body bytes; false if the connection ended first. */
  async skip(length: number): Promise<boolean> {
    while (this.buffer.length < length) if (!(await this.more())) return false;
    this.buffer = this.buffer.slice(length);
    return true;
  }
}

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && bytes[i - 1] === 0x0d && bytes[i - 2] === 0x0a && bytes[i - 3] === 0x0d) return i + 1;
  }
  return -1;
}

/** RFC 9112 §3 request-line and §5 field lines; null when malformed. */
function parseHead(bytes: Uint8Array): RequestHead | null {
  const lines = decoder.decode(bytes).split("\r\n");
  const request = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0]);
  if (!request) return null;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) return null;
    const name = m[1].toLowerCase();
    // §6.3: differing Content-Length values are an error; we refuse repeats outright.
    if (name === "content-length" && headers.has(name)) return null;
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${m[2]}` : m[2]);
  }
  return { method: request[1], target: request[2], version: request[3], headers };
}

async function respond(connection: SecureConnection, status: string, body: Record<string, unknown>, keepAlive: boolean): Promise<void> {
  const text = JSON.stringify(body, null, 2) + "\n";
  const content = encoder.encode(text);
  const head = `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${content.length}\r\ncache-control: no-store\r\nconnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`;
  const message = new Uint8Array(head.length + content.length);
  message.set(encoder.encode(head));
  message.set(content, head.length);
  await connection.write(message);
}

/** What the client proved, for the response body. */
export function provedIdentity(connection: SecureConnection): Record<string, unknown> {
  return { client: identityJson(connection.peer), tls: handshakeJson(connection.handshake) };
}

/** Serves requests until the client closes, asks to close, or sends something we will not read. */
export async function serveHttpIdentity(connection: SecureConnection): Promise<number> {
  const incoming = new Incoming(connection);
  let served = 0;
  while (served < MAX_REQUESTS) {
    const bytes = await incoming.head();
    if (bytes === null) break;
    if (bytes === "too large") {
      await respond(connection, "431 Request Header Fields Too Large", { error: `request head larger than ${MAX_HEAD_BYTES} bytes` }, false);
      break;
    }
    const head = parseHead(bytes);
    if (head === null) {
      await respond(connection, "400 Bad Request", { error: "malformed HTTP/1.1 request" }, false);
      break;
    }
    served++;
    const lengthText = head.headers.get("content-length");
    const chunked = head.headers.has("transfer-encoding");
    const length = lengthText === undefined ? 0 : /^\d{1,9}$/.test(lengthText) ? Number(lengthText) : NaN;
    if (chunked || !(length <= MAX_BODY_BYTES)) {
      await respond(
        connection,
        "413 Content Too Large",
        { error: "request bodies are read by Content-Length only, up to 1 MiB", ...provedIdentity(connection) },
        false,
      );
      break;
    }
    const keepAlive =
      head.version === "HTTP/1.1" ? head.headers.get("connection")?.toLowerCase() !== "close" : head.headers.get("connection")?.toLowerCase() === "keep-alive";
    if (!(await incoming.skip(length))) break;
    await respond(
      connection,
      "200 OK",
      { request: { method: head.method, target: head.target }, ...provedIdentity(connection) },
      keepAlive && served < MAX_REQUESTS,
    );
    if (!keepAlive) break;
  }
  await connection.close();
  return served;
}
