/**
 * mtlsFetch's edges against Node's https server (requiring our certificate): HEAD and 204 on a
 * kept-alive connection, AbortSignal, the body idle timeout, the connect timeout, a transport that
 * cannot connect, a failing request body stream, and the headers mtlsFetch keeps to itself.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { ReadableStream } from "node:stream/web";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/index.js";
import { HttpError, createConnectionPool, mtlsFetch, type MtlsFetchOptions } from "../../src/fetch.js";
import { netTransport } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const tcp: MtlsFetchOptions["transport"] = ({ hostname, port }) => netTransport(net.connect({ host: hostname, port, allowHalfOpen: true }));
const client = clientCredential("p256");
const tlsOptions: MtlsFetchOptions = { transport: tcp, ca: CA_PEM, cert: client.certPem, key: client.keyPem, servername: "localhost" };

async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; connections: () => number }> {
  const s = serverCredential("p256");
  let connections = 0;
  const server = https.createServer({ cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, rejectUnauthorized: true }, handler);
  server.on("secureConnection", () => connections++);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
  return { port, connections: () => connections };
}

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => null,
    (e: unknown) => e,
  );
}

describe("mtlsFetch edges", () => {
  it("HEAD and 204 have no body and leave the connection reusable", async () => {
    const { port, connections } = await startServer((req, res) => {
      if (req.url === "/empty") res.writeHead(204).end();
      else res.writeHead(200, { "content-length": "11" }).end(req.method === "HEAD" ? undefined : "hello world");
    });
    const pool = createConnectionPool();
    cleanups.push(() => pool.close());
    const head = await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, method: "head", pool });
    expect(head.headers.get("content-length")).toBe("11");
    expect(head.body).toBeNull();
    const empty = await mtlsFetch(`https://127.0.0.1:${port}/empty`, { ...tlsOptions, method: "DELETE", pool });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    expect(await (await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, pool })).text()).toBe("hello world");
    expect(connections()).toBe(1);
  });

  it("an AbortSignal ends the request with its reason, also while the body streams", async () => {
    const { port } = await startServer((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("first part");
    });
    const controller = new AbortController();
    const response = await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, signal: controller.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first part");
    const pending = reader.read();
    controller.abort(new Error("user gave up"));
    expect(((await failureOf(pending)) as Error).message).toBe("user gave up");

    const already = new AbortController();
    already.abort();
    expect(((await failureOf(mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, signal: already.signal }))) as Error).name).toBe("AbortError");
  });

  it("times out a body that stops arriving (bodyTimeoutMs)", async () => {
    const { port } = await startServer((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("some");
    });
    const response = await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, bodyTimeoutMs: 200 });
    const failure = await failureOf(response.text());
    expect(failure).toBeInstanceOf(HttpError);
    expect((failure as HttpError).code).toBe("timeout");
    expect((failure as HttpError).message).toMatch(/no response body from the server within 200 ms/);
  });

  it("times out a transport that never opens (connectTimeoutMs), and names a transport that fails", async () => {
    const never = await failureOf(mtlsFetch("https://127.0.0.1:9/", { ...tlsOptions, transport: () => new Promise(() => undefined), connectTimeoutMs: 100 }));
    expect(never).toBeInstanceOf(HttpError);
    expect((never as HttpError).code).toBe("timeout");
    const broken = await failureOf(
      mtlsFetch("https://127.0.0.1:9/", {
        ...tlsOptions,
        transport: () => {
          throw new Error("ECONNREFUSED");
        },
      }),
    );
    expect((broken as HttpError).code).toBe("connection_failed");
    expect((broken as HttpError).message).toBe("cannot reach 127.0.0.1:9: ECONNREFUSED");
  });

  it("rejects when the request body stream fails, and the server sees an incomplete request", async () => {
    let completeRequests = 0;
    const { port } = await startServer((req, res) => {
      req.on("end", () => completeRequests++);
      req.resume();
      req.on("end", () => res.end("x"));
    });
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 0) controller.enqueue(new TextEncoder().encode("partial"));
        else controller.error(new Error("disk read failed"));
      },
    });
    const failure = await failureOf(mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, method: "POST", body }));
    expect(failure).toBeInstanceOf(HttpError);
    expect((failure as HttpError).code).toBe("invalid_request");
    expect((failure as HttpError).message).toMatch(/disk read failed/);
    expect(completeRequests).toBe(0);
  });

  it("refuses framing headers from the caller and non-https URLs before connecting", async () => {
    let opened = 0;
    const counting: MtlsFetchOptions = { ...tlsOptions, transport: (o) => (opened++, tcp(o)) };
    const framingHeaders: Record<string, string>[] = [{ "Content-Length": "5" }, { "transfer-encoding": "chunked" }, { connection: "upgrade" }];
    for (const headers of framingHeaders) {
      const failure = await failureOf(mtlsFetch("https://127.0.0.1:9/", { ...counting, method: "POST", body: "hello", headers }));
      expect((failure as HttpError).code).toBe("invalid_request");
    }
    expect(((await failureOf(mtlsFetch("http://127.0.0.1:9/", counting))) as HttpError).code).toBe("invalid_request");
    expect(((await failureOf(mtlsFetch("https://127.0.0.1:9/", { ...counting, body: "x" }))) as HttpError).message).toMatch(/GET request cannot have a body/);
    expect(((await failureOf(mtlsFetch("https://127.0.0.1:9/", { ...counting, method: "CONNECT" }))) as HttpError).code).toBe("invalid_request");
    expect(opened).toBe(0);
  });

  it("throws UsageError for options that cannot work", async () => {
    const noTransport = { ca: CA_PEM } as unknown as MtlsFetchOptions;
    expect(await failureOf(mtlsFetch("https://127.0.0.1:9/", noTransport))).toBeInstanceOf(UsageError);
    expect(await failureOf(mtlsFetch("https://127.0.0.1:9/", { ...tlsOptions, limits: { maxHeaders: 0 } }))).toBeInstanceOf(UsageError);
    expect(() => createConnectionPool({ maxIdle: -1 })).toThrow(UsageError);
  });
});
