/**
 * mtlsFetch against a TLS server (Node's tls, requiring our certificate) that answers with bytes
 * written by hand: broken framing, oversize headers, chunk-size overflow, truncation, interim
 * responses, and a server closing a kept-alive connection. Where Node's own HTTP client (llhttp)
 * refuses the same bytes, it is asked too, as the outside opinion.
 */
import * as https from "node:https";
import * as net from "node:net";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { HttpError, createConnectionPool, mtlsFetch, type MtlsFetchOptions } from "../../src/fetch.js";
import { netTransport } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const tcp: MtlsFetchOptions["transport"] = ({ hostname, port }) => netTransport(net.connect({ host: hostname, port, allowHalfOpen: true }));
const client = clientCredential("p256");
const server = serverCredential("p256");
const tlsOptions: MtlsFetchOptions = { transport: tcp, ca: CA_PEM, cert: client.certPem, key: client.keyPem, servername: "localhost" };

/**
 * A TLS server that answers each request head it reads with `answer(index)`'s bytes; `end` after
 * an answer sends close_notify and closes. Counts connections.
 */
async function rawServer(answer: (index: number) => { bytes: string; end?: boolean }): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<tls.TLSSocket>();
  const srv = tls.createServer({ cert: server.certPem, key: server.keyPem, ca: CA_PEM, requestCert: true, rejectUnauthorized: true }, (socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let pending = "";
    let ended = false;
    socket.on("data", (data: Buffer) => {
      if (ended) return;
      pending += data.toString("latin1");
      for (let end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
        pending = pending.slice(end + 4);
        const { bytes, end: close } = answer(requests++);
        socket.write(Buffer.from(bytes, "latin1"));
        if (close) {
          ended = true;
          socket.end();
          return;
        }
      }
    });
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  );
  const port = await new Promise<number>((resolve) => srv.listen(0, "127.0.0.1", () => resolve((srv.address() as net.AddressInfo).port)));
  return { port, connections: () => connections };
}

/** What Node's https client makes of the same server: the body, or its error code. */
function nodeOpinion(port: number): Promise<{ body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: "127.0.0.1", port, path: "/", servername: "localhost", ca: CA_PEM, cert: client.certPem, key: client.keyPem, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("latin1");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ body }));
        res.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

async function fetchFailure(port: number, readBody = true): Promise<unknown> {
  try {
    const response = await mtlsFetch(`https://127.0.0.1:${port}/`, tlsOptions);
    if (readBody) await response.text();
    return null;
  } catch (e) {
    return e;
  }
}

function expectHttpError(e: unknown, code: string, message: RegExp): void {
  expect(e).toBeInstanceOf(HttpError);
  expect((e as HttpError).code).toBe(code);
  expect((e as HttpError).message).toMatch(message);
}

describe("mtlsFetch refuses what a hostile server sends, as Node's client does", () => {
  it("conflicting Content-Length", async () => {
    const { port } = await rawServer(() => ({ bytes: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", end: true }));
    expectHttpError(await fetchFailure(port), "malformed_response", /conflicting Content-Length/);
    expect((await nodeOpinion(port)).error).toBe("HPE_UNEXPECTED_CONTENT_LENGTH");
  });

  it("a header section past 16 KiB", async () => {
    const { port } = await rawServer(() => ({ bytes: `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`, end: true }));
    expectHttpError(await fetchFailure(port), "limit_exceeded", /longer than 16384 bytes/);
    expect((await nodeOpinion(port)).error).toBe("HPE_HEADER_OVERFLOW");
  });

  it("a chunk size past 2^53 - 1, while the body streams", async () => {
    const { port } = await rawServer(() => ({ bytes: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nfffffffffffffffffff\r\n", end: true }));
    expectHttpError(await fetchFailure(port), "malformed_response", /past 2\^53 - 1/);
    expect((await nodeOpinion(port)).error).toMatch(/HPE_INVALID_CHUNK_SIZE|ECONNRESET/);
  });

  it("obs-fold, which Node's client also refuses", async () => {
    const { port } = await rawServer(() => ({ bytes: "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n", end: true }));
    expectHttpError(await fetchFailure(port), "malformed_response", /obs-fold/);
    expect((await nodeOpinion(port)).error).toBe("HPE_INVALID_HEADER_TOKEN");
  });

  it("a body cut short of its Content-Length (with close_notify)", async () => {
    const { port } = await rawServer(() => ({ bytes: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", end: true }));
    expectHttpError(await fetchFailure(port), "connection_closed", /after 3 of the 10 bytes/);
    expect((await nodeOpinion(port)).error).toBe("ECONNRESET");
  });

  it("no answer at all", async () => {
    const { port } = await rawServer(() => ({ bytes: "", end: true }));
    expectHttpError(await fetchFailure(port), "connection_closed", /without answering/);
  });
});

describe("mtlsFetch over a hand-written server: interim responses and connection reuse", () => {
  it("skips 1xx interim responses and reads the final one", async () => {
    const { port } = await rawServer(() => ({
      bytes: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone",
    }));
    const response = await mtlsFetch(`https://127.0.0.1:${port}/`, tlsOptions);
    expect(response.status).toBe(201);
    expect(response.headers.get("link")).toBeNull();
    expect(await response.text()).toBe("done");
  });

  it("does not reuse a connection whose server sent more than it framed", async () => {
    const { port, connections } = await rawServer(() => ({ bytes: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA" }));
    const pool = createConnectionPool();
    cleanups.push(() => pool.close());
    for (let i = 0; i < 2; i++) expect(await (await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, pool })).text()).toBe("ok");
    expect(connections()).toBe(2);
    expect(pool.size).toBe(0);
  });

  it("retries on a new connection when the server closed a pooled one while it was idle", async () => {
    // The first answer claims keep-alive, then the server closes (close_notify) anyway.
    const { port, connections } = await rawServer((i) => ({ bytes: `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nr${i}`, end: i === 0 }));
    const pool = createConnectionPool();
    cleanups.push(() => pool.close());
    expect(await (await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, pool })).text()).toBe("r0");
    expect(pool.size).toBe(1);
    expect(await (await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, pool })).text()).toBe("r1");
    expect(connections()).toBe(2);
  });

  it("honours Connection: close from the server", async () => {
    const { port, connections } = await rawServer(() => ({ bytes: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok" }));
    const pool = createConnectionPool();
    cleanups.push(() => pool.close());
    for (let i = 0; i < 2; i++) await (await mtlsFetch(`https://127.0.0.1:${port}/`, { ...tlsOptions, pool })).text();
    expect(connections()).toBe(2);
  });
});
