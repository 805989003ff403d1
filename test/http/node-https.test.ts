/**
 * mtlsFetch against Node's `https` server requiring client certificates (OpenSSL judges our
 * certificate, Node's llhttp writes the responses): GET, a streamed POST, a chunked response,
 * keep-alive reuse counted on the server's side, and a server refusing a client without a
 * certificate.
 */
import { createHash } from "node:crypto";
import { Duplex } from "node:stream";
import { ReadableStream } from "node:stream/web";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { TLSError, webStreamsTransport } from "../../src/index.js";
import { HttpError, createConnectionPool, mtlsFetch, type MtlsFetchOptions } from "../../src/fetch.js";
import { netTransport } from "../../src/node/index.js";
import { CA_PEM, clientCredential, clientSpiffeId, serverCredential } from "../helpers/fixtures.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Node TCP, as a user of mutls/node writes it. */
const tcp: MtlsFetchOptions["transport"] = ({ hostname, port }) => netTransport(net.connect({ host: hostname, port, allowHalfOpen: true }));

const client = clientCredential("p256");
const tlsOptions: MtlsFetchOptions = { transport: tcp, ca: CA_PEM, cert: client.certPem, key: client.keyPem, servername: "localhost" };

interface Seen {
  /** TLS connections the server accepted. */
  connections: number;
  /** Requests per TLS connection, in arrival order. */
  requests: { socket: number; method: string; url: string; peerUri: string | undefined; body: string }[];
}

async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; seen: Seen }> {
  const s = serverCredential("p256");
  const seen: Seen = { connections: 0, requests: [] };
  const ids = new WeakMap<object, number>();
  const server = https.createServer({ cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const san = socket.getPeerCertificate().subjectaltname ?? "";
      seen.requests.push({
        socket: ids.get(socket) ?? -1,
        method: req.method ?? "",
        url: req.url ?? "",
        peerUri: /URI:([^,]+)/.exec(san)?.[1],
        body: Buffer.concat(chunks).toString("utf8"),
      });
      handler(req, res);
    });
  });
  server.on("secureConnection", (socket) => ids.set(socket, ++seen.connections));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
  return { port, seen };
}

describe("mtlsFetch against Node's https server with requestCert", () => {
  it("GETs a resource; the server saw our client certificate", async () => {
    const { port, seen } = await startServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ path: req.url, hello: "mtls" }));
    });
    const response = await mtlsFetch(`https://127.0.0.1:${port}/hello?x=1`, tlsOptions);
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.url).toBe(`https://127.0.0.1:${port}/hello?x=1`);
    expect(await response.json()).toEqual({ path: "/hello?x=1", hello: "mtls" });
    expect(seen.requests).toHaveLength(1);
    expect(seen.requests[0]).toMatchObject({ method: "GET", url: "/hello?x=1", peerUri: clientSpiffeId("p256") });
  });

  it("POSTs a streamed body (chunked) and reads a chunked response as a stream", async () => {
    const { port, seen } = await startServer((req, res) => {
      // No Content-Length: Node's http sends the response chunked, one chunk per write.
      res.setHeader(
        "x-body-sha256",
        createHash("sha256")
          .update(seen.requests.at(-1)?.body ?? "")
          .digest("hex"),
      );
      for (let i = 0; i < 5; i++) res.write(`part ${i};`);
      res.end();
    });
    const parts = ["alpha,", "beta,", "", "gamma"];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const response = await mtlsFetch(`https://127.0.0.1:${port}/upload`, { ...tlsOptions, method: "post", body, headers: { "x-trace": "1" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    expect(response.headers.get("x-body-sha256")).toBe(createHash("sha256").update("alpha,beta,gamma").digest("hex"));
    const received: string[] = [];
    const reader = response.body!.getReader();
    for (let i = 0; i < 100; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      received.push(new TextDecoder().decode(value));
    }
    expect(received.join("")).toBe("part 0;part 1;part 2;part 3;part 4;");
    expect(seen.requests[0]).toMatchObject({ method: "POST", url: "/upload", body: "alpha,beta,gamma" });
  });

  it("sends a byte body with Content-Length and a string body as text/plain", async () => {
    const headersSeen: Record<string, string | undefined>[] = [];
    const { port, seen } = await startServer((req, res) => {
      headersSeen.push({ length: req.headers["content-length"], te: req.headers["transfer-encoding"], type: req.headers["content-type"] });
      res.end("ok");
    });
    const bytes = new Uint8Array(100_000).map((_, i) => 97 + (i % 26));
    await (await mtlsFetch(`https://127.0.0.1:${port}/bytes`, { ...tlsOptions, method: "PUT", body: bytes })).text();
    await (await mtlsFetch(`https://127.0.0.1:${port}/text`, { ...tlsOptions, method: "POST", body: "héllo" })).text();
    expect(headersSeen[0]).toEqual({ length: "100000", te: undefined, type: undefined });
    expect(headersSeen[1]).toEqual({ length: "6", te: undefined, type: "text/plain;charset=UTF-8" });
    expect(seen.requests[0].body).toBe(new TextDecoder().decode(bytes));
    expect(seen.requests[1].body).toBe("héllo");
  });

  it("reuses one connection for sequential requests with a pool, as the server counts them", async () => {
    const { port, seen } = await startServer((req, res) => res.end(`you asked for ${req.url}`));
    const pool = createConnectionPool({ maxIdlePerOrigin: 2 });
    cleanups.push(() => pool.close());
    for (let i = 0; i < 4; i++) {
      const response = await mtlsFetch(`https://127.0.0.1:${port}/r${i}`, { ...tlsOptions, pool });
      expect(await response.text()).toBe(`you asked for /r${i}`);
    }
    expect(seen.requests.map((r) => r.url)).toEqual(["/r0", "/r1", "/r2", "/r3"]);
    expect(seen.connections).toBe(1);
    expect(new Set(seen.requests.map((r) => r.socket))).toEqual(new Set([1]));
    expect(pool.size).toBe(1);

    // Two at once need two connections; both go back to the pool (its bound is 2).
    const both = await Promise.all([1, 2].map((i) => mtlsFetch(`https://127.0.0.1:${port}/p${i}`, { ...tlsOptions, pool })));
    await Promise.all(both.map((r) => r.text()));
    expect(seen.connections).toBe(2);
    expect(pool.size).toBe(2);

    // Other TLS options (another client certificate) never get a pooled connection.
    const other = clientCredential("ed25519");
    await (await mtlsFetch(`https://127.0.0.1:${port}/other`, { ...tlsOptions, cert: other.certPem, key: other.keyPem, pool })).text();
    expect(seen.connections).toBe(3);
    expect(seen.requests.at(-1)?.peerUri).toBe(clientSpiffeId("ed25519"));
  });

  it("without a pool, asks for Connection: close and opens a connection per request", async () => {
    const connectionHeaders: (string | undefined)[] = [];
    const { port, seen } = await startServer((req, res) => {
      connectionHeaders.push(req.headers.connection);
      res.end("x");
    });
    for (let i = 0; i < 2; i++) await (await mtlsFetch(`https://127.0.0.1:${port}/`, tlsOptions)).text();
    expect(connectionHeaders).toEqual(["close", "close"]);
    expect(seen.connections).toBe(2);
  });

  it("rejects with a TLSError when the server refuses a client without a certificate", async () => {
    const { port, seen } = await startServer((_req, res) => res.end("should not happen"));
    const failure = await mtlsFetch(`https://127.0.0.1:${port}/`, { transport: tcp, ca: CA_PEM, servername: "localhost" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TLSError);
    // OpenSSL answers TLS 1.3's empty client Certificate with certificate_required (RFC 8446 §4.4.2.4).
    expect((failure as TLSError).alertName).toBe("certificate_required");
    expect((failure as TLSError).origin).toBe("remote");
    expect(seen.requests).toHaveLength(0);
  });

  it("rejects with a TLSError when the server's certificate does not match servername", async () => {
    const { port } = await startServer((_req, res) => res.end("x"));
    const failure = await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, servername: "not-localhost.example" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TLSError);
    expect((failure as TLSError).alertName).toBe("bad_certificate");
  });

  it("times out a server that never answers, with an HttpError", async () => {
    const { port } = await startServer(() => undefined);
    const failure = await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, headersTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HttpError);
    expect((failure as HttpError).code).toBe("timeout");
  });

  it("runs over webStreamsTransport, the shape of Workers' connect() and Deno.connect sockets", async () => {
    const { port, seen } = await startServer((_req, res) => res.end("over web streams"));
    const webStreams: MtlsFetchOptions["transport"] = ({ hostname, port }) =>
      webStreamsTransport(Duplex.toWeb(net.connect({ host: hostname, port, allowHalfOpen: true })) as Parameters<typeof webStreamsTransport>[0]);
    const pool = createConnectionPool();
    cleanups.push(() => pool.close());
    for (let i = 0; i < 2; i++)
      expect(await (await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, transport: webStreams, pool })).text()).toBe("over web streams");
    expect(seen.connections).toBe(1);
  });

  it("closes a pooled connection after idleTimeoutMs, which the server sees", async () => {
    let closed = 0;
    const { port, seen } = await startServer((req, res) => {
      req.socket.once("close", () => closed++);
      res.end("x");
    });
    const pool = createConnectionPool({ idleTimeoutMs: 50 });
    cleanups.push(() => pool.close());
    await (await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, pool })).text();
    expect(pool.size).toBe(1);
    // Bounded wait for the idle timer and the server's view of the close (no time is asserted).
    for (let i = 0; i < 200 && (pool.size > 0 || closed === 0); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(pool.size).toBe(0);
    expect(closed).toBe(1);
    await (await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, pool })).text();
    expect(seen.connections).toBe(2);
  });
});
